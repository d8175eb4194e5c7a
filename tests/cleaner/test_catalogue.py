from __future__ import annotations

from devicecheck.cleaner import CLIENT_IDS, process_names
from devicecheck.cleaner.catalogue import CACHES, CLIENTS, COOKIES, PERSONAL, categories
from devicecheck.policy.model import CleanerPolicy


def test_client_ids_are_pinned_and_match_policy_choices() -> None:
    assert CLIENT_IDS == ("teams-new", "teams-classic", "teams-for-linux", "teams-web")
    assert set(CLIENTS) == set(CLIENT_IDS)
    assert tuple(CleanerPolicy().clients) == CLIENT_IDS


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
