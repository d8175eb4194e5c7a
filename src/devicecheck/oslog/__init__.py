"""Audit records in the operating system's log, for the council's SIEM (issue 22).

One interface, one back-end module per OS:

- ``journald.py`` — Linux: the journal's native protocol (structured fields), falling
  back to ``syslog.py`` (``/dev/log``) where no journal runs;
- ``windows.py`` — the Application log, source ``DeviceCheck`` (registered by the MSI);
- ``macos.py`` — the unified log, subsystem ``uk.gov.devicecheck``, one category per kind.

``events.py`` turns an audit record into the one ``OsLogEvent`` every back-end writes
(and is the privacy gate). A writer raises ``OsLogUnavailable`` with a reason the officer
and IT can act on; the audit log keeps its local copy either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from devicecheck.oslog.events import OsLogEvent, OsLogUnavailable, to_event

__all__ = ["OsLogEvent", "OsLogStatus", "OsLogUnavailable", "OsLogWriter", "MemoryWriter",
           "status", "system_writer", "to_event"]


class OsLogWriter(Protocol):
    #: Where the events go, for people: "the Linux journal", "the Windows Application log".
    target: str

    def write(self, event: OsLogEvent) -> None:
        """Write one event, or raise OsLogUnavailable."""

    def probe(self) -> str | None:
        """None when the OS log looks writable now, else the reason it is not (cheap:
        no event is written)."""


@dataclass(frozen=True)
class OsLogStatus:
    state: Literal["on", "off", "unavailable"]
    target: str
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"state": self.state, "target": self.target, "reason": self.reason}

    def sentence(self) -> str:
        if self.state == "on":
            return f"Audit records also go to {self.target}, IT's copy."
        if self.state == "off":
            return "Audit records stay on this laptop only: the OS log copy is off by policy."
        return (f"The OS log is unavailable ({self.reason}): audit records are kept only "
                "in this laptop's own audit file.")


class MemoryWriter:
    """Keeps events in a list: for tests, and where a caller wants no OS log at all."""

    target = "memory"

    def __init__(self, fail: str | None = None) -> None:
        self.events: list[OsLogEvent] = []
        self.fail = fail

    def write(self, event: OsLogEvent) -> None:
        if self.fail:
            raise OsLogUnavailable(self.fail)
        self.events.append(event)

    def probe(self) -> str | None:
        return self.fail


def _platform_writer(platform: str) -> OsLogWriter:
    # Chosen by the real platform: the process can only call its own OS's log.
    if platform == "win32":
        from devicecheck.oslog.windows import WindowsWriter
        return WindowsWriter()
    if platform == "darwin":
        from devicecheck.oslog.macos import MacWriter
        return MacWriter()
    from devicecheck.oslog.journald import LinuxWriter
    return LinuxWriter()


#: Tests replace this (tests/conftest.py) so no test writes to the developer's own journal.
writer_factory: Callable[[], OsLogWriter] = lambda: _platform_writer(sys.platform)  # noqa: E731


def system_writer() -> OsLogWriter:
    return writer_factory()


def enabled(policy: Any) -> bool:
    audit = getattr(policy, "audit", None)
    return bool(getattr(audit, "os_log", True))


def status(policy: Any, writer: OsLogWriter | None = None) -> OsLogStatus:
    """What the report says about the OS-log copy (policy, then a cheap probe)."""
    w = writer or system_writer()
    if not enabled(policy):
        return OsLogStatus("off", w.target)
    try:
        reason = w.probe()
    except OSError as exc:  # a probe must never break the report
        reason = str(exc) or type(exc).__name__
    return OsLogStatus("unavailable", w.target, reason) if reason else OsLogStatus("on", w.target)
