"""The catalogue: how each Teams client's data roots are cleaned, what to clear and what to
keep.

Pure data (facts from ``shared/reference/teams.md``); ``plan.py`` interprets it. The
clients and their data roots are in ``devicecheck/clients.py`` (one home per client, issue
28); here each root gets its cleaning rule (``CLEANING``, keyed by client id, OS and the
root's label), and ``CLIENTS`` joins the two into the ``ClientSpec`` the cleaner reads. A
root is a folder named relative to one of the OS's own user folders (resolved from the
environment at plan time, so tests redirect it). Patterns are matched under a root's
*profiles* (the root itself, or Chromium-style profile folders below it); a ``/`` in a
pattern steps into a real sub-folder (never a link). Kept names win over any clear pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from devicecheck import clients
from devicecheck.clients import CLIENT_IDS, MS_PUBLISHER, Place, process_names
from devicecheck.osinfo import OsName

#: Categories a pattern belongs to. Policy ``cleaner.mode`` picks "caches" alone or
#: "caches" + "personal"; ``cleaner.clear_cookies`` adds "cookies" in either mode.
CACHES, PERSONAL, COOKIES = "caches", "personal", "cookies"

#: Chromium/Electron folders that are only caches (safe to lose: rebuilt on next start).
CHROMIUM_CACHES: tuple[str, ...] = (
    "Cache", "Code Cache", "GPUCache", "Service Worker", "Application Cache", "tmp",
)
#: Folders that hold names, e-mail addresses, conversations and call history.
#: ``DIPS*`` and ``SharedStorage*`` (issue 26; seen at teams-for-linux's top level with
#: their ``-wal``/``-journal`` companions, shared/reference/teams.md "Data folders not in
#: our first catalogue"): Chromium's bounce-tracking database (DIPS, "Detect Incidental
#: Party State": per-site timestamps of visits, storage and user interaction, i.e. a
#: record of sites visited) and the Shared Storage API's per-origin store. Neither holds
#: sign-in (that is Cookies and the OS keyring); both are rebuilt empty. Personal data.
CHROMIUM_PERSONAL: tuple[str, ...] = (
    "IndexedDB", "Local Storage", "Session Storage", "WebStorage", "blob_storage",
    "databases", "History*", "DIPS*", "SharedStorage*",
)
#: The clients' logs: they carry call events and participants' names. New Teams writes
#: ``PerfLog`` (singular; issue 26) beside ``Logs``: Microsoft's new-Teams VDI guidance lists
#: ``LocalCache\Microsoft\MSTeams\PerfLog`` with ``Logs`` as "Diagnostics, perf logs",
#: safe to exclude with "no impact" (Microsoft Learn, "New Microsoft Teams for VDI",
#: "Recommended for exclusion"). Not sign-in.
TEAMS_LOGS: tuple[str, ...] = (
    "Logs", "logs", "PerfLog", "PerfLogs", "logs.txt", "old_logs_*.txt", "media-stack",
    "skylib",
)
#: Session cookies: clearing them forces a new sign-in, so policy decides. The ``-wal``
#: companion (teams-for-linux keeps one, issue 26) goes with its database, or the cookies
#: would survive in it; without ``clear_cookies`` it is kept like the database.
CHROMIUM_COOKIES: tuple[str, ...] = (
    "Cookies", "Cookies-journal", "Cookies-wal", "Network/Cookies", "Network/Cookies-journal",
    "Network/Cookies-wal",
)
#: Custom backgrounds, settings and sign-in state: never cleared.
KEEP: tuple[str, ...] = (
    "Backgrounds", "app_settings.json", "desktop-config.json", "storage.json",
    "settings.json", "config.json", "Preferences", "Local State", "window-state.json",
)

DEFAULT_CLEAR: Mapping[str, tuple[str, ...]] = MappingProxyType({
    CACHES: CHROMIUM_CACHES,
    PERSONAL: CHROMIUM_PERSONAL + TEAMS_LOGS,
    COOKIES: CHROMIUM_COOKIES,
})

#: What new Teams keeps beyond the Chromium folders (2025-2026 listings of its root and of
#: ``EBWebView/WV2Profile_tfw``, ``shared/reference/teams.md`` "More data in new Teams'
#: root"). All of it names people or accounts, so it is personal data, never a cache:
#: contact photos, the per-account SQLite stores of work (tfw) and personal (tfl)
#: accounts, the last session's state and the queued crash reports (which carry user and
#: call ids); in the WebView2 profiles saved logins and form data (Chromium's "Login
#: Data" and "Web Data") and the network state (host names and IP addresses in
#: "Network Persistent State", "TransportSecurity", "Reporting and NEL").
#: ``Network/[!C]*`` takes everything in Network except Cookies and Cookies-journal,
#: which stay with the cookies category that policy decides (clear_cookies).
#: ``History`` itself is already covered by ``History*``.
NEW_TEAMS_PERSONAL: tuple[str, ...] = (
    "UserAvatarIcons", "tfw", "tfl", "previous_session_data.json", "crash_reports_cache.json",
    "Login Data", "Login Data-journal", "Web Data", "Web Data-journal", "Network/[!C]*",
)
NEW_TEAMS_CLEAR: Mapping[str, tuple[str, ...]] = MappingProxyType({
    CACHES: CHROMIUM_CACHES,
    PERSONAL: CHROMIUM_PERSONAL + TEAMS_LOGS + NEW_TEAMS_PERSONAL,
    COOKIES: CHROMIUM_COOKIES,
})

#: Classic Teams' Outlook meeting add-in keeps its own logs (meeting times and people's
#: names: personal) and a Chromium-style Cache (cache) under ``%APPDATA%\Microsoft\Teams\
#: meeting-addin`` (``shared/reference/teams.md``). The add-in exists only on Windows.
CLASSIC_WINDOWS_CLEAR: Mapping[str, tuple[str, ...]] = MappingProxyType({
    CACHES: CHROMIUM_CACHES + ("meeting-addin/Cache",),
    PERSONAL: CHROMIUM_PERSONAL + TEAMS_LOGS + (
        "meeting-addin/Logs", "meeting-addin/logs", "meeting-addin/*.txt", "meeting-addin/*.log"),
    COOKIES: CHROMIUM_COOKIES,
})


#: macOS new Teams' WebKit store, ``~/Library/Containers/<its bundle id>/Data/Library/
#: WebKit`` (issue 26; shared/reference/teams.md). WKWebView keeps per-origin data there:
#: ``WebsiteData`` (older layout) or ``WebsiteDataStore/<uuid>/Origins/<top>/<frame>/``
#: with ``LocalStorage``, ``IndexedDB``, ``CacheStorage``, ``ServiceWorkers`` (WebKit's
#: layout as documented by HackBrowserData's Safari RFC-011, 2026). WebKit is what macOS
#: sign-in web flows run in: the identity provider's session and MSAL's cache and key
#: store may sit in its LocalStorage / IndexedDB / cookies, and no listing shows new Teams
#: keeping meeting data there (that is in ``Application Support/Microsoft/MSTeams``,
#: cleared above). So only WebKit's caches go; the rest is kept, named, so the plan shows
#: it. Revisit with a listing from a pilot Mac.
WEBKIT_PROFILES: tuple[str, ...] = (
    ".", "WebsiteData", "WebsiteData/Default/*/*", "*/WebsiteData", "WebsiteDataStore/*",
    "WebsiteDataStore/*/Origins/*/*",
)
WEBKIT_CLEAR: Mapping[str, tuple[str, ...]] = MappingProxyType({
    CACHES: ("NetworkCache", "CacheStorage", "ServiceWorkers"),
})
WEBKIT_KEEP: tuple[str, ...] = (
    "LocalStorage", "IndexedDB", "Cookies", "ResourceLoadStatistics",
)

#: Considered and deliberately **not** catalogued (issue 26), with why. Kept as data so
#: the docs and a test can name them.
NOT_CATALOGUED: Mapping[str, str] = MappingProxyType({
    rf"%LOCALAPPDATA%\Publishers\{MS_PUBLISHER}\TeamsSharedConfig":
        "new Teams' settings shared with the Outlook meeting add-in: app_switcher_settings.json "
        "(classic/new switch) and tma_settings.json (the signed-in accounts, ring and "
        "environment); Microsoft says these must persist for Teams to work (Microsoft Learn, "
        "'New Microsoft Teams for VDI', 'Profile and cache location'). Settings and account "
        "configuration, no meeting data of residents: kept. Its meeting-addin folder holds "
        "the officer's own default meeting template and belongs to Outlook, which the "
        "restart never closes: kept too.",
})


@dataclass(frozen=True)
class RootSpec:
    """One data folder of a client.

    ``base`` is one of ``home``, ``appdata`` (%APPDATA%), ``localappdata``
    (%LOCALAPPDATA%), ``xdg_config`` ($XDG_CONFIG_HOME or ~/.config).
    ``report_only`` roots (browser profiles) are detected and measured, never deleted in.
    """

    base: str
    parts: tuple[str, ...]
    label: str = "native"
    profiles: tuple[str, ...] = (".",)
    clear: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_CLEAR)
    keep: tuple[str, ...] = KEEP
    report_only: bool = False


@dataclass(frozen=True)
class ClientSpec:
    id: str
    name: str
    roots: Mapping[OsName, tuple[RootSpec, ...]] = field(default_factory=dict)
    processes: Mapping[OsName, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Cleaning:
    """How one data root is cleaned: everything of a ``RootSpec`` but where it is."""

    profiles: tuple[str, ...] = (".",)
    clear: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_CLEAR)
    keep: tuple[str, ...] = KEEP
    report_only: bool = False


_BROWSER_TEAMS = MappingProxyType({
    # Only Teams' own origins inside each browser profile: what we *report* to IT.
    PERSONAL: ("IndexedDB/https_teams.microsoft.com_*", "IndexedDB/https_teams.cloud.microsoft_*",
               "storage/default/https+++teams.microsoft.com*",
               "storage/default/https+++teams.cloud.microsoft*"),
})
#: Chromium-style profiles under the root and under ``Partitions`` (Electron's sessions).
_PARTITIONS = (".", "Partitions/*")

#: The cleaning rule of each data root in ``clients.CLIENTS``: client id -> (OS, label) ->
#: rule; ``"*"`` stands for any OS or any label (the exact key wins). Every root must have
#: one: a client without is refused when this module loads (``_rule``).
CLEANING: Mapping[str, Mapping[tuple[str, str], Cleaning]] = MappingProxyType({
    "teams-new": {
        ("*", "native"): Cleaning(profiles=(".", "EBWebView/*"), clear=NEW_TEAMS_CLEAR),
        # The container's Caches folder is all cache; its logs folder all logs.
        ("macos", "caches"): Cleaning(clear=MappingProxyType({CACHES: ("*",)})),
        # WebKit: caches only; sign-in may live in the rest (WEBKIT_KEEP, above).
        ("macos", "webkit"): Cleaning(profiles=WEBKIT_PROFILES, clear=WEBKIT_CLEAR,
                                      keep=KEEP + WEBKIT_KEEP),
        ("macos", "logs"): Cleaning(clear=MappingProxyType({PERSONAL: ("*",)})),
    },
    "teams-classic": {
        ("windows", "native"): Cleaning(profiles=_PARTITIONS, clear=CLASSIC_WINDOWS_CLEAR),
        ("*", "native"): Cleaning(profiles=_PARTITIONS),
    },
    "teams-for-linux": {("*", "*"): Cleaning(profiles=_PARTITIONS)},
    # Browser profiles are detected and measured, never deleted in.
    "teams-web": {("*", "*"): Cleaning(profiles=("*",), clear=_BROWSER_TEAMS, keep=(),
                                       report_only=True)},
})


def _rule(client_id: str, os_name: str, label: str) -> Cleaning:
    rules = CLEANING.get(client_id, {})
    for key in ((os_name, label), ("*", label), (os_name, "*"), ("*", "*")):
        if key in rules:
            return rules[key]
    raise LookupError(f"no cleaning rule for {client_id}'s {label!r} data root on {os_name}: "
                      "add one to CLEANING in cleaner/catalogue.py")


def _root(client_id: str, os_name: str, place: Place) -> RootSpec:
    rule = _rule(client_id, os_name, place.label)
    return RootSpec(place.base, place.parts, label=place.label, profiles=rule.profiles,
                    clear=rule.clear, keep=rule.keep, report_only=rule.report_only)


def _spec(client: clients.Client) -> ClientSpec:
    roots = {os_name: tuple(_root(client.id, os_name, p) for p in places)
             for os_name, places in client.data_roots.items()}
    return ClientSpec(client.id, client.name, roots=roots, processes=client.processes)


#: The cleaner's view of every client: its data roots with their cleaning rules.
CLIENTS: Mapping[str, ClientSpec] = MappingProxyType(
    {cid: _spec(c) for cid, c in clients.CLIENTS.items()})


def policy_values() -> dict[str, str]:
    """``[cleaner] clients``: every client id, each standing for itself (its choices and
    default, ``policy/contributions.py``)."""
    return {c: c for c in CLIENT_IDS}


def categories(mode: str, clear_cookies: bool) -> tuple[str, ...]:
    """Which pattern categories a policy clears."""
    cats = (CACHES,) if mode == "caches-only" else (CACHES, PERSONAL)
    return (*cats, COOKIES) if clear_cookies else cats


#: ``CLIENT_IDS`` and ``process_names`` live in ``clients.py``; re-exported for the cleaner.
__all__ = ["CACHES", "CLEANING", "CLIENTS", "CLIENT_IDS", "COOKIES", "KEEP", "NOT_CATALOGUED",
           "PERSONAL", "Cleaning", "ClientSpec", "RootSpec", "categories", "process_names"]
