from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from devicecheck.cleaner.catalogue import (
    CACHES,
    CLIENT_IDS,
    CLIENTS,
    COOKIES,
    PERSONAL,
    categories,
    process_names,
)
from devicecheck.cleaner.plan import Plan, plan_clean
from devicecheck.policy.model import CleanerPolicy, Policy
from tests.cleaner.helpers import no_processes, write


def test_client_ids_are_pinned() -> None:
    # The ids are public (policy files, --client): a rename would break councils' policies.
    assert CLIENT_IDS == ("teams-new", "teams-classic", "teams-for-linux", "teams-web")


def test_process_names_per_os() -> None:
    assert process_names("teams-new", "windows") == {"ms-teams.exe", "ms-teams_modulehost.exe"}
    assert process_names("teams-new", "macos") == {"MSTeams"}
    assert process_names("teams-new", "linux") == frozenset()
    assert process_names("teams-classic", "windows") == {"Teams.exe"}
    assert process_names("teams-classic", "linux") == {"teams"}
    assert process_names("teams-for-linux", "linux") == {"teams-for-linux"}


def test_where_each_client_lives() -> None:
    assert {os for os in CLIENTS["teams-new"].roots} == {"windows", "macos"}
    assert {os for os in CLIENTS["teams-classic"].roots} == {"windows", "macos", "linux"}
    labels = [r.label for r in CLIENTS["teams-for-linux"].roots["linux"]]
    assert labels == ["native", "snap", "flatpak"]
    # classic Teams' install folder under %LOCALAPPDATA% is never catalogued
    assert all(r.base == "appdata" for r in CLIENTS["teams-classic"].roots["windows"])
    # browser profiles are only ever reported
    assert all(r.report_only for rs in CLIENTS["teams-web"].roots.values() for r in rs)
    assert not any(r.report_only for c in ("teams-new", "teams-classic", "teams-for-linux")
                   for rs in CLIENTS[c].roots.values() for r in rs)


def test_policy_picks_categories() -> None:
    assert categories("personal-data", False) == (CACHES, PERSONAL)
    assert categories("caches-only", False) == (CACHES,)
    assert categories("caches-only", True) == (CACHES, COOKIES)
    assert categories("personal-data", True) == (CACHES, PERSONAL, COOKIES)


# -- the new-Teams fixture tree (tests/fixtures/windows/new_teams_tree.txt) ----------------

def _tree() -> list[tuple[str, str]]:
    text = (Path(__file__).parents[1] / "fixtures/windows/new_teams_tree.txt").read_text()
    return [(line.split(" ", 1)[0], line.split(" ", 1)[1]) for line in text.splitlines()
            if line and not line.startswith("#")]


def _windows_home(home: Path) -> dict[str, str]:
    """Plant the tree under a fake Windows profile; return its environment."""
    local, roaming = home / "AppData/Local", home / "AppData/Roaming"
    roots = {"new": local / "Packages/MSTeams_8wekyb3d8bbwe/LocalCache/Microsoft/MSTeams",
             "classic": roaming / "Microsoft/Teams"}
    for _, rel in _tree():
        which, _, below = rel.partition("/")
        write(roots[which] / below, f"{below}: alice@example.org\n".encode())
    return {"USERPROFILE": str(home), "LOCALAPPDATA": str(local), "APPDATA": str(roaming)}


def _category_of(plan: Plan, which: str, below: str) -> str | None:
    """The category of the delete target covering this file, or None when none does."""
    client = {"new": "teams-new", "classic": "teams-classic"}[which]
    for rp in plan.clients:
        if rp.client_id != client:
            continue
        for t in rp.targets:
            rel = "/".join(t.rel)
            if t.action == "delete" and (below == rel or below.startswith(rel + "/")):
                return t.category
    return None


@pytest.mark.parametrize(("mode", "cookies"), [("personal-data", False), ("caches-only", False),
                                               ("personal-data", True)])
def test_new_teams_tree_is_planned_into_the_right_categories(
        home: Path, mode: str, cookies: bool) -> None:
    env = _windows_home(home)
    policy = Policy(cleaner=CleanerPolicy(mode=mode, clear_cookies=cookies))
    plan = plan_clean(policy, env=env, home=home, os_name="windows", processes=no_processes)
    wanted = set(categories(mode, cookies))
    for expected, rel in _tree():
        which, _, below = rel.partition("/")
        got = _category_of(plan, which, below)
        if expected in wanted:
            assert got == expected, (rel, got)
        else:  # kept, or a category this policy does not clear: never a delete target
            assert got is None, (rel, got)


def test_keep_list_and_sign_in_are_unchanged() -> None:
    from devicecheck.cleaner.catalogue import KEEP, NEW_TEAMS_PERSONAL

    assert set(KEEP) >= {"Backgrounds", "app_settings.json", "desktop-config.json", "storage.json"}
    # Nothing new shadows a kept name, and cookies stay with their own category.
    assert not set(NEW_TEAMS_PERSONAL) & set(KEEP)
    assert not any(fnmatch.fnmatchcase("Cookies", p.rsplit("/", 1)[-1])
                   for p in NEW_TEAMS_PERSONAL if p.startswith("Network/"))


# -- issue 26: folders added after the first catalogue -------------------------------------
TFL_TOP = ("DIPS", "DIPS-wal", "DIPS-journal", "SharedStorage", "SharedStorage-wal")
TFL_COOKIES = ("Cookies", "Cookies-journal", "Cookies-wal")
TFL_ROOTS = (".config/teams-for-linux", "snap/teams-for-linux/current/.config/teams-for-linux",
             ".var/app/com.github.IsmaelMartinez.teams_for_linux/config/teams-for-linux")


@pytest.mark.parametrize("cookies", [False, True])
def test_teams_for_linux_dips_and_shared_storage_go_in_every_root(
        home: Path, cookies: bool) -> None:
    from devicecheck.cleaner.run import clean

    for base in TFL_ROOTS:
        for name in (*TFL_TOP, *TFL_COOKIES, "config.json",
                     "Partitions/teams-profile-7f3a/DIPS", "Partitions/teams-profile-7f3a/Cookies"):
            write(home / base / name, f"{name}: alice@example.org\n".encode())
    policy = Policy(cleaner=CleanerPolicy(clear_cookies=cookies))
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    result = clean(policy, env=env, home=home, os_name="linux", processes=no_processes)
    assert result.exit_code == 0 and not result.failures
    labels = {rp.label for rp in result.plan.clients}
    assert labels == {"native", "snap", "flatpak"}
    for base in TFL_ROOTS:
        root = home / base
        assert not any((root / n).exists() for n in TFL_TOP), base
        assert not (root / "Partitions/teams-profile-7f3a/DIPS").exists()
        # Sign-in: the cookies (and their -wal, which holds cookies too) follow the policy.
        for n in (*TFL_COOKIES, "Partitions/teams-profile-7f3a/Cookies"):
            assert (root / n).exists() is not cookies, (base, n)
        assert (root / "config.json").exists()


def test_teams_shared_config_is_never_touched(home: Path) -> None:
    from devicecheck.cleaner.catalogue import NOT_CATALOGUED
    from devicecheck.cleaner.run import clean

    env = _windows_home(home)
    shared = home / "AppData/Local/Publishers/8wekyb3d8bbwe/TeamsSharedConfig"
    kept = [write(shared / n) for n in ("tma_settings.json", "app_switcher_settings.json",
                                        "meeting-addin/meeting-template.json")]
    policy = Policy(cleaner=CleanerPolicy(mode="personal-data", clear_cookies=True))
    result = clean(policy, env=env, home=home, os_name="windows", processes=no_processes)
    assert result.removed_files > 0                    # the new-Teams root was cleaned
    assert all(p.exists() for p in kept)
    assert not any("Publishers" in str(rp.path) for rp in result.plan.clients)
    assert any("TeamsSharedConfig" in k for k in NOT_CATALOGUED)


def test_mac_webkit_loses_its_caches_and_keeps_what_may_hold_sign_in(home: Path) -> None:
    from devicecheck.cleaner.run import clean

    webkit = home / "Library/Containers/com.microsoft.teams2/Data/Library/WebKit"
    origin = webkit / "WebsiteDataStore/5E1D0C44-7A6B-4F7E-9B8E-2C1D3A4B5C6D/Origins/ab12/cd34"
    gone = [origin / "CacheStorage/records/0", origin / "ServiceWorkers/scripts/1.js",
            webkit / "NetworkCache/Version 16/Records/x",
            webkit / "WebsiteData/CacheStorage/salt"]
    kept = [origin / "LocalStorage/localstorage.sqlite3", origin / "IndexedDB/msal.db/1.sqlite3",
            webkit / "WebsiteData/LocalStorage/https_login.microsoftonline.com_0.localstorage",
            webkit / "WebsiteData/ResourceLoadStatistics/observations.db"]
    for p in (*gone, *kept):
        write(p)
    for mode in ("caches-only", "personal-data"):
        for p in gone:
            write(p)
        policy = Policy(cleaner=CleanerPolicy(mode=mode, clear_cookies=True))
        result = clean(policy, env={"HOME": str(home)}, home=home, os_name="macos",
                       processes=no_processes)
        assert result.exit_code == 0, result.failures
        assert not any(p.exists() for p in gone), mode
        assert all(p.exists() for p in kept), mode
        [rp] = [r for r in result.plan.clients if r.label == "webkit"]
        assert {t.category for t in rp.targets if t.action != "keep"} == {CACHES}
