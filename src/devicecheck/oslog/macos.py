"""macOS: the unified log, subsystem ``uk.gov.devicecheck``, one category per kind.

``os_log`` is a macro over ``_os_log_impl``, which wants a compile-time format string in
the caller's own image and an encoded argument buffer: not callable from ctypes in a way
Apple supports. So the writer uses pyoslog (https://github.com/simonrob/pyoslog, PyPI),
a small maintained C extension: ``os_log_create(subsystem, category)`` then
``os_log_with_type(log, type, "%{public}s", message)``. ``%{public}`` matters: a dynamic
string logged without it is shown as ``<private>`` outside a debugger. pyoslog notes that
the platform truncates messages of 1024 characters or more, so the message is capped
below that (the summary goes first, then the fields as JSON).

Where pyoslog is missing (a build without it), ``/usr/bin/logger`` is the fallback: it
writes to the unified log too, but under the process ``logger`` with no subsystem or
category; the message still starts with ``DEVICECHECK event_id=...`` so the queries in
docs/siem.md find it.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from devicecheck.oslog.events import SUBSYSTEM, OsLogEvent, OsLogUnavailable

LOGGER = "/usr/bin/logger"
MAX_MESSAGE = 1000   # os_log truncates at 1024 characters
OS_LOG_TYPE_DEFAULT, OS_LOG_TYPE_ERROR = 0x00, 0x10   # <os/log.h>


class UnifiedLogApi(Protocol):
    """Writes one message under a subsystem and category (tests inject a recorder)."""

    def log(self, subsystem: str, category: str, log_type: int, message: str) -> None: ...


class PyoslogApi:  # pragma: no cover - exercised on macOS only
    def __init__(self) -> None:
        self._mod: Any = importlib.import_module("pyoslog")
        if not self._mod.is_supported():
            raise OSError("pyoslog says the unified log is not supported here")
        self._logs: dict[str, Any] = {}

    def log(self, subsystem: str, category: str, log_type: int, message: str) -> None:
        # One log object per category, kept: Apple advises against creating them per call.
        obj = self._logs.get(category)
        if obj is None:
            obj = self._logs[category] = self._mod.os_log_create(subsystem, category)
        self._mod.os_log_with_type(obj, log_type, message)


class LoggerCommandApi:
    """``/usr/bin/logger`` through the probes' runner: argument list, timeout."""

    def __init__(self, runner: Any = None) -> None:
        self._runner = runner  # a ProbeRunner (or a test's stand-in with .run)

    def log(self, subsystem: str, category: str, log_type: int, message: str) -> None:
        from devicecheck.probes.runner import ProbeRunner

        runner = self._runner or ProbeRunner()
        argv: Sequence[str] = [LOGGER, "-t", "DeviceCheck", message]
        result = runner.run(argv, timeout=5.0, parse_locale=False)
        if not result.ok:
            raise OSError(result.describe())


def message_for(event: OsLogEvent) -> str:
    """The unified-log message (pure): the line, then the fields as JSON, capped."""
    head = f"DEVICECHECK event_id={event.event_id} kind={event.kind} {event.message}"
    full = f"{head} {event.record_json}"
    return full if len(full) <= MAX_MESSAGE else head[:MAX_MESSAGE]


class MacWriter:
    target = "the macOS unified log (subsystem uk.gov.devicecheck)"

    def __init__(self, api: UnifiedLogApi | None = None) -> None:
        self._api = api

    def _get_api(self) -> UnifiedLogApi:
        if self._api is None:
            try:
                self._api = PyoslogApi()
            except (ImportError, OSError, AttributeError):
                if not Path(LOGGER).exists():
                    raise OsLogUnavailable("neither pyoslog nor /usr/bin/logger is available") from None
                self._api = LoggerCommandApi()
                self.target = "the macOS unified log (through /usr/bin/logger)"
        return self._api

    def write(self, event: OsLogEvent) -> None:
        api = self._get_api()
        log_type = OS_LOG_TYPE_ERROR if event.level == "warning" else OS_LOG_TYPE_DEFAULT
        try:
            api.log(SUBSYSTEM, event.category, log_type, message_for(event))
        except OSError as exc:
            raise OsLogUnavailable(f"the unified log did not take the event: {exc}") from exc

    def probe(self) -> str | None:
        try:
            self._get_api()
        except OsLogUnavailable as exc:
            return str(exc)
        return None
