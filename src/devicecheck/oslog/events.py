"""The OS-log catalogue: one stable event per audit kind, and the pure conversion of an
audit record into the event every back-end writes.

Event ids (Windows), ``MESSAGE_ID`` UUIDs (journald) and categories (macOS) are part of
the interface council IT builds SIEM queries on (``docs/siem.md``): never renumber one.

Privacy: a record reaches the OS log only through this module. Each kind lists the fields
it may carry and a type for each; a field that is not listed, or whose value does not fit
its type (a path, an e-mail address, free text, anything over the length cap), is
*withheld*: its name is reported in ``withheld`` and its value never leaves this module.
The local audit log already refuses the obvious keys (``audit.FORBIDDEN_KEYS``); this is
the second, stricter gate for a copy that leaves the officer's profile.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal


class OsLogUnavailable(OSError):
    """The OS log could not take the event; ``str()`` says why. (Here, a leaf module, so
    the per-OS writers and the package do not import each other; the package re-exports
    it as ``oslog.OsLogUnavailable``.)"""


SUBSYSTEM = "uk.gov.devicecheck"      # macOS unified-log subsystem (the bundle id)
SOURCE = "DeviceCheck"                # Windows event source, registered by the MSI
IDENTIFIER = "devicecheck"            # journald SYSLOG_IDENTIFIER / syslog tag
FIELD_PREFIX = "DEVICECHECK_"

Level = Literal["info", "warning"]

# -- value types ----------------------------------------------------------------------
# A token is an id, a version or a process name: no spaces, no path separators, no "@".
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+\-]{0,63}")
# A reason is one of our own short phrases ("changed since plan"): lower-case words.
_REASON = re.compile(r"[a-z0-9][a-z0-9 _\-]{0,47}")
# A policy source is "defaults", "registry" or a machine path: no "@", no control chars.
_SOURCE = re.compile(r"[A-Za-z0-9_.:+\-/\\ ]{1,200}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _token(v: Any) -> bool:
    return isinstance(v, str) and _TOKEN.fullmatch(v) is not None


def _tokens(v: Any) -> bool:
    return isinstance(v, list | tuple) and len(v) <= 32 and all(_token(x) for x in v)


def _int_map(v: Any) -> bool:
    return (isinstance(v, Mapping) and len(v) <= 32
            and all(_token(k) and _is_int(n) for k, n in v.items()))


def _reason_map(v: Any) -> bool:
    return (isinstance(v, Mapping) and len(v) <= 32
            and all(isinstance(k, str) and _REASON.fullmatch(k) and _is_int(n)
                    for k, n in v.items()))


def _sources(v: Any) -> bool:
    return (isinstance(v, list | tuple) and len(v) <= 16
            and all(isinstance(x, str) and _SOURCE.fullmatch(x) for x in v))


def _account(v: Any) -> bool:
    # The officer's own OS account name (audit._account already cleaned it): printable,
    # bounded, never a path or an address.
    return (isinstance(v, str) and 0 < len(v) <= 104 and not _CONTROL.search(v)
            and not any(c in v for c in "/\\@"))


def _time(v: Any) -> bool:
    return isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", v) is not None


TYPES: dict[str, Callable[[Any], bool]] = {
    "int": _is_int,
    "bool": lambda v: isinstance(v, bool),
    "token": _token,
    "tokens": _tokens,
    "int-map": _int_map,
    "reason-map": _reason_map,
    "sources": _sources,
    "account": _account,
    "time": _time,
}


@dataclass(frozen=True)
class EventSpec:
    kind: str
    event_id: int            # Windows EventID, also DEVICECHECK_EVENT_ID everywhere
    message_id: str          # journald MESSAGE_ID: 128-bit id, 32 lower-case hex digits
    level: Level
    summary: str             # str.format template over the rendered fields
    fields: Mapping[str, str]  # field -> type name in TYPES (None is allowed for any)


#: Fields every record carries (the audit log adds them); ``suppressed`` is added by the
#: audit log's rate limit to the first record that passes after some were dropped.
BASE_FIELDS: Mapping[str, str] = {"time": "time", "kind": "token", "account": "account",
                                  "suppressed": "int"}

CATALOGUE: dict[str, EventSpec] = {spec.kind: spec for spec in (
    EventSpec("report", 1001, "8d5441c59a8344c994b752478d670677", "info",
              "DeviceCheck report: {overall} (blocking: {blocking}; attention: {attention}).",
              {"trigger": "token", "overall": "token", "counts": "int-map",
               "blocking": "tokens", "attention": "tokens", "policy_errors": "int"}),
    EventSpec("clean", 1002, "fa04cefe27a74f68bfc1d4ef905d9031", "info",
              "Teams meeting data cleared: {removed_files} files, {removed_bytes} bytes "
              "({clients}); {failures} failures, refused: {refused}.",
              {"clients": "tokens", "refused": "tokens", "removed_files": "int",
               "removed_bytes": "int", "removed_links": "int", "failures": "int",
               "skipped": "reason-map", "duration_ms": "int", "mode": "token",
               "cookies": "bool"}),
    EventSpec("meeting-ended", 1003, "5dd7f20df07642a6a1fbabe0174257d7", "info",
              "A Teams meeting ended after {duration_s} s (signals: {sources}).",
              {"duration_s": "int", "sources": "tokens"}),
    EventSpec("notice-ack", 1004, "c6be244bd5b54b7c8b2db4636dfe3988", "info",
              "The privacy notice (version {notice_version}, {notice_source}) was "
              "acknowledged before a call.",
              {"notice_version": "token", "notice_document": "token",
               "revision_date": "token", "notice_source": "token",
               "checklist_items": "int", "advisory_continued": "tokens"}),
    EventSpec("recording-alert", 1005, "49f75866bc0d44d38a1cd6139165382e", "warning",
              "Recording alert raised during a call (source: {source}; programs: {programs}).",
              {"source": "token", "meeting_seconds": "int", "programs": "tokens"}),
    EventSpec("policy-error", 1006, "f25c021fd0024946ae70e6704352d604", "warning",
              "{count} DeviceCheck policy error(s) in {sources}.",
              {"count": "int", "sources": "sources"}),
    EventSpec("restart-clean", 1007, "b2e536ce85734ff7a171b21ff625052a", "info",
              "Teams restarted to clear meeting data: cleaned {cleaned}, {removed_files} "
              "files; quit: {quit_method}; forced: {forced}; refused: {refused}.",
              {"clients": "tokens", "restarted": "tokens", "forced": "tokens",
               "relaunch_failed": "tokens", "refused": "token", "automatic": "bool",
               # How Teams was quit and started again (cleaner/restart.py): the weakest
               # method, then "client:method" per client; the Windows Restart Manager's
               # fall-back reasons and how many other programs held Teams' files.
               "quit_method": "token", "quit_methods": "tokens",
               "relaunch_methods": "tokens", "rm_fallback": "tokens", "other_holders": "int",
               "relaunch": "bool", "meeting": "token", "cleaned": "bool",
               "removed_files": "int", "removed_bytes": "int", "failures": "int",
               "quit_ms": "int-map", "duration_ms": "int", "own_ms": "int",
               "mode": "token"}),
    EventSpec("tray-start", 1008, "1044925cf0034647b19776dd48370044", "info",
              "DeviceCheck tray started (version {version}).",
              {"version": "token"}),
)}

#: A kind not in the catalogue (a newer caller, a typo) still reaches the OS log, as
#: "other" with its kind and the base fields only: never silently dropped.
OTHER = EventSpec("other", 1099, "a5293b6dac7f4065a4a2695ab9bb03fc", "info",
                  "DeviceCheck audit record of kind {kind}.", {})

# journald field names: upper-case letters, digits and "_", not starting with "_" or a
# digit, at most 64 characters (systemd.journal-fields(7), JOURNAL_NATIVE_PROTOCOL).
_FIELD_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


def field_name(key: str) -> str:
    name = FIELD_PREFIX + re.sub(r"[^A-Z0-9]", "_", key.upper())
    if not _FIELD_NAME.fullmatch(name):  # pragma: no cover - our keys are short
        raise ValueError(f"not a journal field name: {name}")
    return name


def render(value: Any) -> str:
    """A field value as text: the same text in every back-end."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(render(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(dict(value), separators=(",", ":"), sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class OsLogEvent:
    kind: str               # the audit kind ("other" records keep their own kind here)
    event_id: int
    message_id: str
    category: str           # macOS category: the kind
    level: Level
    message: str            # one human-readable line
    fields: tuple[tuple[str, str], ...]   # (record key, rendered value), record order
    withheld: tuple[str, ...]             # keys kept out of the OS log
    record_json: str        # the allowed fields as one compact JSON object

    def journal_fields(self) -> list[tuple[str, str]]:
        """The journald entry, in order (see journald.encode)."""
        out = [("MESSAGE", self.message), ("MESSAGE_ID", self.message_id),
               ("PRIORITY", "4" if self.level == "warning" else "6"),
               ("SYSLOG_IDENTIFIER", IDENTIFIER),
               (field_name("event_id"), str(self.event_id))]
        out += [(field_name(k), v) for k, v in self.fields]
        if self.withheld:
            out.append((field_name("withheld"), ",".join(self.withheld)))
        out.append((field_name("record"), self.record_json))
        return out

    def text(self) -> str:
        """Event Viewer / syslog body: the line, then one ``key=value`` a line."""
        lines = [self.message, ""] + [f"{k}={v}" for k, v in self.fields]
        if self.withheld:
            lines.append(f"withheld={','.join(self.withheld)}")
        return "\n".join(lines)


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "-"


def to_event(record: Mapping[str, Any]) -> OsLogEvent:
    """The OS-log event for one audit record (pure; never raises on odd values)."""
    kind = str(record.get("kind", ""))
    spec = CATALOGUE.get(kind, OTHER)
    allowed = {**BASE_FIELDS, **spec.fields}
    kept: dict[str, Any] = {}
    withheld: list[str] = []
    for key, value in record.items():
        type_name = allowed.get(key)
        if type_name is not None and (value is None or TYPES[type_name](value)):
            kept[key] = value
        else:
            # Report the key only when it is itself harmless: a key can be data too.
            withheld.append(key if _token(key) else "?")
    fields = tuple((k, render(v)) for k, v in kept.items())
    shown = _Blank({k: (v if v != "" else "-") for k, v in fields})
    summary = spec.summary.format_map(shown)
    account = shown["account"]
    message = f"{summary} Account: {account}."
    return OsLogEvent(kind=kind if _token(kind) else "other", event_id=spec.event_id,
                      message_id=spec.message_id, category=spec.kind, level=spec.level,
                      message=message, fields=fields, withheld=tuple(withheld),
                      record_json=json.dumps(kept, separators=(",", ":"), default=str))
