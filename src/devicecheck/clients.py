"""One home per Teams client (issue 28): every fact DeviceCheck knows about a client.

Per client: its public id, its names (IT's and the officer's), its process names per OS, its
package and app ids (Windows package family and app id, macOS bundle id, Flathub id), its
data roots and log folders per OS, how DeviceCheck starts it again after quitting it (per
OS), whether it serves the third-party app API, and whether it is a browser. Everything
else reads it: the cleaner's catalogue (which adds *how* each data root is cleaned, keyed
to these roots), the quit-and-start control, the logon start, the log source, the
microphone/camera ConsentStore reader, the API peer check, the clear-data dialogs' words
and the pilot. Adding a client is one ``Client`` in ``CLIENTS`` and its test
(``tests/test_clients.py`` checks that a client on an OS has a restart method or says why
it is never restarted, and that the ids below are written in this module only).

Why a top-level leaf module and not ``cleaner/catalogue.py`` or ``teams/clients.py``: the
facts are read by ``cleaner/``, ``teams/``, ``ui/`` and ``logon.py`` (and the policy's
``cleaner.clients`` choices are these ids, contributed by the catalogue), while ``cleaner/``
must not import ``teams/`` nor ``policy/`` import ``cleaner/`` (issue 28); in ``teams/`` the
cleaner would depend on the Teams link, in ``cleaner/`` the link and the dialogs would load
the cleaner for a name. A module here that imports nothing but ``osinfo`` keeps every edge
one-way. Pure data: no I/O, no Qt.

Facts from ``shared/reference/teams.md`` ("Where each client keeps meeting data", "Teams
stays open"): new Teams is the MSIX package ``MSTeams_<publisher>`` whose app id is
``<package>!MSTeams`` (started through ``explorer.exe shell:AppsFolder\\<app id>``); the
consumer app ``MicrosoftTeams_<publisher>`` is a different product and not catalogued.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from devicecheck.osinfo import OsName

#: Microsoft's Store publisher id: the suffix of new Teams' package family name, and the
#: folder ``%LOCALAPPDATA%\\Publishers\\<id>`` its shared settings live in.
MS_PUBLISHER = "8wekyb3d8bbwe"
#: New Teams' package family name (the ``Packages`` folder name and the ConsentStore key).
NEW_TEAMS_PACKAGE = f"MSTeams_{MS_PUBLISHER}"

#: The folders a ``Place`` may be under: ``home``, ``appdata`` (%APPDATA%), ``localappdata``
#: (%LOCALAPPDATA%), ``xdg_config`` ($XDG_CONFIG_HOME or ~/.config), resolved by
#: ``cleaner.plan.resolve_base``; ``root`` (the file system's root) only for an install
#: folder the logon start looks for.
BASES: tuple[str, ...] = ("home", "appdata", "localappdata", "xdg_config")

#: How a client is started again after DeviceCheck quit it, per OS (``cleaner/control.py``):
#: ``appsfolder``: Windows, through its app id (``explorer.exe shell:AppsFolder\\<id>``);
#: ``bundle``: macOS, ``open -b <bundle id>`` (and quit by the quit Apple Event to it);
#: ``exec``: the command line its main process was started with (Linux: through
#: ``flatpak run``/``snap run`` when it runs from one).
RESTART_METHODS: Mapping[str, frozenset[str]] = MappingProxyType({
    "appsfolder": frozenset({"windows"}), "bundle": frozenset({"macos"}),
    "exec": frozenset({"windows", "macos", "linux"}),
})


@dataclass(frozen=True)
class Place:
    """A folder named relative to one of the OS's own folders (``BASES``); ``label`` names
    it among one client's roots on one OS (never a path: the pilot and plans show it)."""

    base: str
    parts: tuple[str, ...]
    label: str = "native"


@dataclass(frozen=True)
class LogonStart:
    """How to start a client at logon, when it does not run yet (no command line to copy):
    through its restart method once one of ``installed`` exists (``base`` ``localappdata``
    from %LOCALAPPDATA% as set, or ``root``), or the first of ``programs`` on the officer's
    PATH."""

    installed: tuple[Place, ...] = ()
    programs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Client:
    id: str                        # public: policy files and ``clean --client`` name it
    name: str                      # IT's name (plans, audit)
    officer_name: str              # the name officers know (the clear-data dialogs)
    processes: Mapping[OsName, tuple[str, ...]]
    data_roots: Mapping[OsName, tuple[Place, ...]]
    #: Folders of its own log (the ``log`` signal source follows ``MSTeams_*.log`` there).
    log_folders: Mapping[OsName, tuple[Place, ...]] = field(default_factory=dict)
    windows_package: str | None = None   # package family name = its ConsentStore key
    windows_app_id: str | None = None    # AUMID, for ``appsfolder``
    mac_bundle: str | None = None        # for ``bundle`` and the quit Apple Event
    flatpak_id: str | None = None        # Flathub id, for ``flatpak run``
    #: ``RESTART_METHODS`` key per OS it is restarted on.
    restart: Mapping[OsName, str] = field(default_factory=dict)
    #: Why it is never quit and started again (set exactly when ``restart`` is empty).
    not_restarted: str = ""
    logon_start: Mapping[OsName, LogonStart] = field(default_factory=dict)
    #: Files a running client always holds open, under its Windows data roots (the Restart
    #: Manager finds its processes by them: ``cleaner/winlockfiles.py``).
    windows_held_files: tuple[str, ...] = ()
    api: bool = False              # serves the third-party app API (``teams/peer.py``)
    browser: bool = False          # a browser running is not Teams running
    #: Its sign-in lives outside what a clean deletes (``ui/model/clean_words.py``).
    sign_in_outside_data: bool = False


_NEW_WINDOWS_ROOT = ("Packages", NEW_TEAMS_PACKAGE, "LocalCache", "Microsoft", "MSTeams")
_MAC_CONTAINER = ("Library", "Containers", "com.microsoft.teams2", "Data", "Library")
_MAC_GROUP_LOGS = ("Library", "Group Containers", "UBF8T346G9.com.microsoft.teams", "Library",
                   "Application Support", "Logs")
_TFL_FLATPAK = "com.github.IsmaelMartinez.teams_for_linux"


def _browser(base: str, *parts: str, label: str) -> Place:
    return Place(base, parts, label)


CLIENTS: Mapping[str, Client] = MappingProxyType({
    "teams-new": Client(
        "teams-new", "Microsoft Teams (new)", "Microsoft Teams",
        processes={"windows": ("ms-teams.exe", "ms-teams_modulehost.exe"), "macos": ("MSTeams",)},
        data_roots={
            "windows": (Place("localappdata", _NEW_WINDOWS_ROOT),),
            "macos": (
                Place("home", (*_MAC_CONTAINER, "Application Support", "Microsoft", "MSTeams")),
                Place("home", (*_MAC_CONTAINER, "Caches"), "caches"),
                Place("home", (*_MAC_CONTAINER, "WebKit"), "webkit"),
                Place("home", _MAC_GROUP_LOGS, "logs"),
            ),
        },
        # Windows: jimmyeao/TEAMS2HA reads it there; macOS: unverified that its lines match.
        log_folders={"windows": (Place("localappdata", (*_NEW_WINDOWS_ROOT, "Logs")),),
                     "macos": (Place("home", _MAC_GROUP_LOGS),)},
        windows_package=NEW_TEAMS_PACKAGE, windows_app_id=f"{NEW_TEAMS_PACKAGE}!MSTeams",
        mac_bundle="com.microsoft.teams2",
        # A packaged app cannot be started from its exe path: its app id starts it the way
        # the Start menu does.
        restart={"windows": "appsfolder", "macos": "bundle"},
        # Windows creates the per-user package folder when the package is registered for
        # the user (the data root lives under it).
        logon_start={"windows": LogonStart(installed=(Place("localappdata",
                                                            ("Packages", NEW_TEAMS_PACKAGE)),)),
                     "macos": LogonStart(installed=(Place("root", ("Applications",
                                                                  "Microsoft Teams.app")),))},
        windows_held_files=(
            "EBWebView/lockfile", "EBWebView/*/Network/Cookies", "EBWebView/*/Cookies",
            "EBWebView/*/Local Storage/leveldb/LOCK", "EBWebView/*/IndexedDB/*/LOCK",
            "EBWebView/*/History", "EBWebView/*/Web Data", "tfw/*", "tfl/*",
            "Logs/MSTeams_*.log"),
        api=True, sign_in_outside_data=True,
    ),
    "teams-classic": Client(
        "teams-classic", "Microsoft Teams (classic)", "Microsoft Teams (classic)",
        processes={"windows": ("Teams.exe",), "macos": ("Teams",), "linux": ("teams",)},
        data_roots={
            # %LOCALAPPDATA%\Microsoft\Teams is the install: never a data root.
            "windows": (Place("appdata", ("Microsoft", "Teams")),),
            "macos": (Place("home", ("Library", "Application Support", "Microsoft", "Teams")),),
            "linux": (Place("xdg_config", ("Microsoft", "Microsoft Teams")),),
        },
        mac_bundle="com.microsoft.teams",
        # Retired: no stable launcher to start it by at logon, only its remembered command
        # line (or its bundle) after a quit.
        restart={"windows": "exec", "macos": "bundle", "linux": "exec"},
        windows_held_files=("lockfile", "Cookies", "Network/Cookies", "Local Storage/leveldb/LOCK",
                            "IndexedDB/*/LOCK", "Partitions/*/Cookies", "logs.txt"),
        api=True,
    ),
    "teams-for-linux": Client(
        "teams-for-linux", "Teams for Linux", "Teams for Linux",
        processes={"linux": ("teams-for-linux",)},
        data_roots={"linux": (
            Place("xdg_config", ("teams-for-linux",)),
            Place("home", ("snap", "teams-for-linux", "current", ".config", "teams-for-linux"),
                  "snap"),
            Place("home", (".var", "app", _TFL_FLATPAK, "config", "teams-for-linux"), "flatpak"),
        )},
        flatpak_id=_TFL_FLATPAK,
        restart={"linux": "exec"},
        # The native package's program, a snap's /snap/bin wrapper, or flatpak's exported
        # launcher (named by the app id), whichever is on PATH.
        logon_start={"linux": LogonStart(programs=("teams-for-linux", _TFL_FLATPAK))},
    ),
    "teams-web": Client(
        "teams-web", "Teams in a web browser", "Teams in a web browser",
        data_roots={
            "windows": (_browser("localappdata", "Google", "Chrome", "User Data", label="chrome"),
                        _browser("localappdata", "Microsoft", "Edge", "User Data", label="edge"),
                        _browser("appdata", "Mozilla", "Firefox", "Profiles", label="firefox")),
            "macos": (_browser("home", "Library", "Application Support", "Google", "Chrome",
                               label="chrome"),
                      _browser("home", "Library", "Application Support", "Microsoft Edge",
                               label="edge"),
                      _browser("home", "Library", "Application Support", "Firefox", "Profiles",
                               label="firefox")),
            "linux": (_browser("xdg_config", "google-chrome", label="chrome"),
                      _browser("xdg_config", "chromium", label="chromium"),
                      _browser("xdg_config", "microsoft-edge", label="edge"),
                      _browser("home", ".mozilla", "firefox", label="firefox")),
        },
        processes={"windows": ("chrome.exe", "msedge.exe", "firefox.exe"),
                   "macos": ("Google Chrome", "Microsoft Edge", "firefox"),
                   "linux": ("chrome", "chromium", "msedge", "microsoft-edge", "firefox",
                             "firefox-esr")},
        not_restarted="a browser: other sites and the officer's own tabs live there",
        browser=True,
    ),
})

#: Every Teams client id, in this order: the one list (the policy's ``cleaner.clients``
#: default and choices, ``clean --client``, the monitor and the pilot read it).
CLIENT_IDS: tuple[str, ...] = tuple(CLIENTS)
#: Clients DeviceCheck may quit and start again (never a browser).
RESTARTABLE: tuple[str, ...] = tuple(c.id for c in CLIENTS.values() if c.restart)
#: Browsers: their processes are reported, never counted as Teams running.
BROWSER_CLIENTS: frozenset[str] = frozenset(c.id for c in CLIENTS.values() if c.browser)
#: Clients that serve the third-party app API (not the web or Linux clients, which never
#: had it: shared/reference/teams.md).
API_CLIENTS: tuple[str, ...] = tuple(c.id for c in CLIENTS.values() if c.api)
#: macOS bundle ids by client.
MAC_BUNDLES: Mapping[str, str] = MappingProxyType(
    {c.id: c.mac_bundle for c in CLIENTS.values() if c.mac_bundle})
#: Flathub ids by client.
FLATPAK_IDS: Mapping[str, str] = MappingProxyType(
    {c.id: c.flatpak_id for c in CLIENTS.values() if c.flatpak_id})
#: ConsentStore keys of packaged clients (lower case, as compared) by client.
CONSENT_PACKAGES: Mapping[str, str] = MappingProxyType(
    {c.windows_package.lower(): c.id for c in CLIENTS.values() if c.windows_package})


def process_names(client_id: str, os_name: OsName) -> frozenset[str]:
    """Process names meaning ``client_id`` runs on ``os_name`` (empty when it does not run
    there; KeyError for an id that is no client)."""
    return frozenset(CLIENTS[client_id].processes.get(os_name, ()))


def restart_method(client_id: str, os_name: OsName) -> str | None:
    """How ``client_id`` is started again on ``os_name`` (None: never restarted there)."""
    client = CLIENTS.get(client_id)
    return client.restart.get(os_name) if client is not None else None
