"""``devicecheck/clients.py``: one home per Teams client (issue 28).

A client's facts are written once and everything else reads them: a client on an OS is
either started again after a quit (with a method the control can follow) or says why not;
its ids are written in that one module of src/; each data root has its cleaning rule; and
the lists the rest of the code keeps (restartable, API, browsers, ConsentStore keys, held
files, officers' names) follow from the entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devicecheck import clients
from devicecheck.cleaner import catalogue
from devicecheck.cleaner.control import ClientProcess, control_for
from devicecheck.clients import (
    BASES,
    CLIENT_IDS,
    CLIENTS,
    RESTART_METHODS,
    RESTARTABLE,
    Client,
    restart_method,
)
from devicecheck.osinfo import ALL_OS, OsName

SRC = Path(__file__).resolve().parents[1] / "src"
HOME_MODULE = SRC / "devicecheck" / "clients.py"

#: Ids of other people's software that must be written in clients.py only: new Teams'
#: package id and Microsoft's publisher id (one string covers both), the macOS bundle and
#: group-container ids, teams-for-linux's Flathub id.
IDS = ("8wekyb3d8bbwe", "com.microsoft.teams", "UBF8T346G9", "IsmaelMartinez")


def _modules_writing(text: str) -> set[Path]:
    pattern = re.compile(re.escape(text), re.IGNORECASE)
    return {p for p in SRC.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and pattern.search(p.read_text(encoding="utf-8", errors="replace"))}


@pytest.mark.parametrize("text", IDS)
def test_a_client_id_of_other_software_is_written_in_one_module_of_src(text: str) -> None:
    assert _modules_writing(text) == {HOME_MODULE}, (
        f"{text!r} belongs in devicecheck/clients.py only; read it from the client entry")


def test_the_new_teams_package_id_is_the_one_in_shared_reference() -> None:
    # shared/reference/teams.md: %LOCALAPPDATA%\Packages\MSTeams_8wekyb3d8bbwe, app id
    # MSTeams_8wekyb3d8bbwe!MSTeams, ConsentStore key by package family name.
    new = CLIENTS["teams-new"]
    assert new.windows_package == "MSTeams_8wekyb3d8bbwe"
    assert new.windows_app_id == "MSTeams_8wekyb3d8bbwe!MSTeams"
    assert new.data_roots["windows"][0].parts[:2] == ("Packages", "MSTeams_8wekyb3d8bbwe")


@pytest.mark.parametrize("client", list(CLIENTS.values()), ids=list(CLIENTS))
def test_a_client_on_an_os_is_restarted_there_or_says_why_never(client: Client) -> None:
    """A client DeviceCheck may restart but without a method for an OS would be skipped by
    "Clear now" there, its data left behind: that must fail here, not in a council."""
    assert bool(client.restart) != bool(client.not_restarted), client.id
    if client.not_restarted:
        return
    assert set(client.processes) == set(client.restart), (
        f"{client.id}: a restart method for every OS it runs on (and only those)")
    for os_name, method in client.restart.items():
        assert os_name in RESTART_METHODS.get(method, ()), (client.id, os_name, method)
        if method == "appsfolder":
            assert client.windows_app_id, client.id
        if method == "bundle":
            assert client.mac_bundle, client.id


def _main_process(cid: str, os_name: OsName) -> ClientProcess:
    name = sorted(CLIENTS[cid].processes[os_name])[0]
    exe = {"windows": rf"C:\Program Files\{cid}\{name}",
           "macos": f"/Applications/{cid}.app/Contents/MacOS/{name}"}.get(os_name,
                                                                         f"/usr/bin/{name}")
    return ClientProcess(pid=4242, name=name, exe=exe, cmdline=(exe,), ppid=1,
                         create_time=1.0)


@pytest.mark.parametrize(("cid", "os_name"), [(c, o) for c in RESTARTABLE
                                              for o in CLIENTS[c].restart])
def test_the_control_finds_and_starts_again_every_restartable_client(cid: str,
                                                                     os_name: OsName) -> None:
    row = _main_process(cid, os_name)
    control = control_for(os_name, table=lambda: [row], alive=lambda p: True,
                          cwd_of=lambda pid: "", exists=lambda path: True,
                          env={"SystemRoot": r"C:\Windows"})
    procs = control.find(cid)
    assert [p.pid for p in procs if p.main] == [4242]
    spec = control.launch_spec(cid, procs)
    assert spec is not None
    assert spec.via == restart_method(cid, os_name)
    argv = control.relaunch_argv(spec)
    expected = {"appsfolder": CLIENTS[cid].windows_app_id, "bundle": CLIENTS[cid].mac_bundle,
                "exec": row.exe}[spec.via]
    assert expected is not None and expected in argv[-1]


def test_a_client_never_restarted_is_never_found_by_the_control() -> None:
    web = CLIENTS["teams-web"]
    assert web.browser and "teams-web" not in RESTARTABLE
    row = _main_process("teams-web", "linux")
    control = control_for("linux", table=lambda: [row], alive=lambda p: True,
                          cwd_of=lambda pid: "")
    assert control.find("teams-web") == []


def test_logon_starts_follow_the_restart_method() -> None:
    for client in CLIENTS.values():
        for os_name, start in client.logon_start.items():
            method = client.restart.get(os_name)
            assert bool(start.installed) != bool(start.programs), client.id
            if start.installed:
                assert method in ("appsfolder", "bundle"), (client.id, os_name)
                assert all(p.base in ("root", "localappdata") for p in start.installed)
            else:
                assert method == "exec", (client.id, os_name)


def test_every_place_is_under_a_known_folder_and_labels_are_unique() -> None:
    for client in CLIENTS.values():
        for places in (*client.data_roots.values(), *client.log_folders.values()):
            assert all(p.base in BASES and p.parts for p in places), client.id
        for os_name, roots in client.data_roots.items():
            labels = [r.label for r in roots]
            assert len(labels) == len(set(labels)), (client.id, os_name)


def test_every_data_root_has_a_cleaning_rule_and_every_rule_a_root() -> None:
    assert set(catalogue.CLEANING) == set(CLIENT_IDS)
    for cid, client in CLIENTS.items():
        spec = catalogue.CLIENTS[cid]
        for os_name in ALL_OS:
            places = client.data_roots.get(os_name, ())
            roots = spec.roots.get(os_name, ())
            assert [(r.base, r.parts, r.label) for r in roots] == [
                (p.base, p.parts, p.label) for p in places]
        # No stale rule: each names an OS and label some root of the client has.
        labelled = [(o, p.label) for o, ps in client.data_roots.items() for p in ps]
        for os_key, label in catalogue.CLEANING[cid]:
            assert any(os_key in ("*", o) and label in ("*", lab) for o, lab in labelled), (
                cid, os_key, label)


def test_the_lists_elsewhere_follow_the_entries() -> None:
    from devicecheck.cleaner import control, winlockfiles
    from devicecheck.teams import capability
    from devicecheck.ui.model import clean_words

    assert CLIENT_IDS == ("teams-new", "teams-classic", "teams-for-linux", "teams-web")
    assert control.RESTARTABLE == RESTARTABLE == ("teams-new", "teams-classic",
                                                  "teams-for-linux")
    assert clients.API_CLIENTS == ("teams-new", "teams-classic")  # teams/peer.py asks these
    assert clients.BROWSER_CLIENTS == frozenset({"teams-web"})
    assert dict(capability.PACKAGES) == {"msteams_8wekyb3d8bbwe": "teams-new"}
    assert set(winlockfiles.LOCK_PATTERNS) == {"teams-new", "teams-classic"}
    assert "Logs/MSTeams_*.log" in winlockfiles.LOCK_PATTERNS["teams-new"]
    assert clean_words.SIGN_IN_OUTSIDE == frozenset({"teams-new"})
    assert [clean_words.client_name(c) for c in CLIENT_IDS] == [
        "Microsoft Teams", "Microsoft Teams (classic)", "Teams for Linux",
        "Teams in a web browser"]
    assert dict(control.MAC_BUNDLES) == {"teams-new": "com.microsoft.teams2",
                                         "teams-classic": "com.microsoft.teams"}
    assert dict(control.FLATPAK_IDS) == {
        "teams-for-linux": "com.github.IsmaelMartinez.teams_for_linux"}


def test_log_folders_are_the_log_source_defaults(tmp_path: Path) -> None:
    from devicecheck.teams.sources.log import default_folders

    env = {"LOCALAPPDATA": str(tmp_path / "Local")}
    assert default_folders("windows", env, tmp_path) == [(
        tmp_path / "Local" / "Packages" / "MSTeams_8wekyb3d8bbwe" / "LocalCache" / "Microsoft"
        / "MSTeams" / "Logs", "teams-new")]
    assert default_folders("macos", {}, tmp_path) == [(tmp_path.joinpath(
        "Library", "Group Containers", "UBF8T346G9.com.microsoft.teams", "Library",
        "Application Support", "Logs"), "teams-new")]
    assert default_folders("linux", {}, tmp_path) == []


def test_process_names_per_client_and_os() -> None:
    assert clients.process_names("teams-new", "windows") == {"ms-teams.exe",
                                                             "ms-teams_modulehost.exe"}
    assert clients.process_names("teams-new", "linux") == frozenset()
    assert catalogue.process_names is clients.process_names
    with pytest.raises(KeyError):
        clients.process_names("no-such-client", "linux")
