from __future__ import annotations

import os
from pathlib import Path

import pytest

from devicecheck.cleaner.plan import Budget, plan_clean
from devicecheck.policy.model import CleanerPolicy, Policy
from tests.cleaner.helpers import (
    CACHES,
    CLEARED,
    TFL_PART,
    make_tfl,
    no_processes,
    snapshot,
    tfl_root,
    write,
)


def _rels(plan, action: str = "delete") -> set[str]:
    return {"/".join(t.rel) for rp in plan.clients for t in rp.targets if t.action == action}


def test_plan_finds_default_targets_and_deletes_nothing(home: Path, env: dict[str, str]) -> None:
    root = make_tfl(tfl_root(home))
    before = snapshot(home)
    plan = plan_clean(Policy(), env=env, home=home, os_name="linux", processes=no_processes)
    assert snapshot(home) == before
    [rp] = plan.clients
    assert (rp.client_id, rp.label, rp.path, rp.running) == ("teams-for-linux", "native", root, False)
    tops = {"/".join(Path(r).parts[:3]) if r.startswith("Partitions") else Path(r).parts[0]
            for r in CLEARED}
    tops |= {f"{TFL_PART}/History", f"{TFL_PART}/History-journal"}
    assert _rels(plan) == tops
    assert _rels(plan, "keep") == {"config.json", "Backgrounds", f"{TFL_PART}/Preferences"}
    assert sum(t.files for t in rp.deletable) == len(CLEARED)
    assert sum(t.bytes for t in rp.deletable) == sum((root / r).stat().st_size for r in CLEARED)
    assert not any("Cookies" in r for r in _rels(plan))


def test_caches_only_and_cookies_switch(home: Path, env: dict[str, str]) -> None:
    make_tfl(tfl_root(home))
    caches = Policy(cleaner=CleanerPolicy(mode="caches-only"))
    plan = plan_clean(caches, env=env, home=home, os_name="linux", processes=no_processes)
    assert _rels(plan) == {f"{TFL_PART}/{c}" for c in CACHES}
    cookies = Policy(cleaner=CleanerPolicy(mode="caches-only", clear_cookies=True))
    plan = plan_clean(cookies, env=env, home=home, os_name="linux", processes=no_processes)
    assert {f"{TFL_PART}/Cookies", f"{TFL_PART}/Network/Cookies"} <= _rels(plan)


def test_roots_come_from_the_environment(home: Path, tmp_path: Path) -> None:
    cfg = home / "custom-config"
    make_tfl(cfg / "teams-for-linux")
    make_tfl(home / "snap/teams-for-linux/current/.config/teams-for-linux")
    make_tfl(home / ".var/app/com.github.IsmaelMartinez.teams_for_linux/config/teams-for-linux")
    make_tfl(home / ".config/Microsoft/Microsoft Teams")  # classic, via $HOME/.config fallback
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(cfg)}
    plan = plan_clean(Policy(), env=env, home=home, os_name="linux", processes=no_processes)
    got = {(rp.client_id, rp.label): rp.path for rp in plan.clients}
    assert got[("teams-for-linux", "native")] == cfg / "teams-for-linux"
    assert ("teams-for-linux", "snap") in got and ("teams-for-linux", "flatpak") in got
    assert ("teams-classic", "native") not in got  # XDG_CONFIG_HOME wins over ~/.config
    env2 = {"HOME": str(home)}
    plan = plan_clean(Policy(), env=env2, home=home, os_name="linux", processes=no_processes)
    assert ("teams-classic", "native") in {(rp.client_id, rp.label) for rp in plan.clients}


def test_windows_and_macos_roots(home: Path) -> None:
    local, roaming = home / "AppData/Local", home / "Roaming-elsewhere"
    new = local / "Packages/MSTeams_8wekyb3d8bbwe/LocalCache/Microsoft/MSTeams"
    write(new / "EBWebView/WV2Profile_tfw/IndexedDB/x.ldb")
    write(new / "Logs/MSTeams_2026.log")
    write(new / "app_settings.json")
    write(local / "Microsoft/Teams/current/Teams.exe")   # classic install: never touched
    write(roaming / "Microsoft/Teams/old_logs_1.txt")
    env = {"USERPROFILE": str(home), "LOCALAPPDATA": str(local), "APPDATA": str(roaming)}
    plan = plan_clean(Policy(), env=env, home=home, os_name="windows", processes=no_processes)
    assert _rels(plan) == {"EBWebView/WV2Profile_tfw/IndexedDB", "Logs", "old_logs_1.txt"}
    assert _rels(plan, "keep") == {"app_settings.json"}
    mac = home / "Library/Containers/com.microsoft.teams2/Data/Library"
    write(mac / "Application Support/Microsoft/MSTeams/EBWebView/WV2Profile_tfw/Cache/c")
    write(mac / "Caches/com.microsoft.teams2/x")
    plan = plan_clean(Policy(), env={"HOME": str(home)}, home=home, os_name="macos",
                      processes=no_processes)
    assert _rels(plan) == {"EBWebView/WV2Profile_tfw/Cache", "com.microsoft.teams2"}


def test_teams_web_is_reported_never_deleted(home: Path, env: dict[str, str]) -> None:
    idb = home / ".config/google-chrome/Default/IndexedDB"
    write(idb / "https_teams.microsoft.com_0.indexeddb.leveldb/000003.log")
    write(idb / "https_www.bbc.co.uk_0.indexeddb.leveldb/000003.log")
    plan = plan_clean(Policy(), env=env, home=home, os_name="linux", processes=no_processes)
    [rp] = plan.clients
    assert rp.client_id == "teams-web" and rp.report_only and not rp.deletable
    assert [t.action for t in rp.targets] == ["report"]
    assert rp.targets[0].rel[-1].startswith("https_teams.microsoft.com")
    assert plan.nothing_to_do


def test_root_that_is_a_link_or_outside_the_profile_is_refused(
        home: Path, tmp_path: Path, outside: Path) -> None:
    real = make_tfl(tmp_path / "elsewhere/teams-for-linux")
    (home / ".config").mkdir(exist_ok=True)
    os.symlink(real, tfl_root(home))
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    plan = plan_clean(Policy(), env=env, home=home, os_name="linux", processes=no_processes)
    [rp] = plan.clients
    assert rp.refused and "link" in rp.refused and not rp.targets
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "elsewhere")}
    plan = plan_clean(Policy(), env=env, home=home, os_name="linux", processes=no_processes)
    [rp] = plan.clients
    assert rp.refused and "outside" in rp.refused
    assert plan.to_dict()["failures"][0]["client"] == "teams-for-linux"


def test_budget_bounds_the_count(home: Path, env: dict[str, str]) -> None:
    root = tfl_root(home)
    for i in range(300):
        write(root / TFL_PART / "Cache" / f"f{i}")
    budget = Budget(max_entries=50)
    plan = plan_clean(Policy(), env=env, home=home, os_name="linux", budget=budget,
                      processes=no_processes)
    [t] = plan.clients[0].deletable
    assert not t.complete and 0 < t.files <= 50


def test_unknown_client_is_an_error(home: Path, env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="unknown client"):
        plan_clean(Policy(), client_ids=["zoom"], env=env, home=home, os_name="linux")
