"""The Windows writer hands ReportEventW the exact source, type, event id and strings
(through an injected API: the real advapi32 calls run on Windows only)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from devicecheck.oslog import OsLogUnavailable
from devicecheck.oslog.events import CATALOGUE, to_event
from devicecheck.oslog.windows import (
    EVENTLOG_INFORMATION_TYPE,
    EVENTLOG_WARNING_TYPE,
    SOURCE_KEY,
    WindowsWriter,
)
from devicecheck.probes.registry import DictRegistry
from tests.oslog_records import SAMPLE_RECORDS

EXPECTED_IDS = {"report": 1001, "clean": 1002, "meeting-ended": 1003, "notice-ack": 1004,
                "recording-alert": 1005, "policy-error": 1006, "restart-clean": 1007,
                "tray-start": 1008}


class FakeApi:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail = fail

    def register(self, source: str) -> str:
        self.calls.append(("register", source))
        return "handle-1"

    def report(self, handle: Any, event_type: int, category: int, event_id: int,
               strings: Sequence[str]) -> None:
        if self.fail:
            raise OSError(5, "Access is denied")
        self.calls.append(("report", handle, event_type, category, event_id, list(strings)))

    def deregister(self, handle: Any) -> None:
        self.calls.append(("deregister", handle))


def test_event_ids_are_pinned() -> None:
    # SIEM queries are built on these numbers (docs/siem.md): never renumber one.
    assert {k: s.event_id for k, s in CATALOGUE.items()} == EXPECTED_IDS


@pytest.mark.parametrize("kind", sorted(SAMPLE_RECORDS))
def test_each_kind_is_one_report_event(kind: str) -> None:
    api = FakeApi()
    WindowsWriter(api=api).write(to_event(SAMPLE_RECORDS[kind]))
    assert api.calls[0] == ("register", "DeviceCheck")
    _, handle, etype, category, event_id, strings = api.calls[1]
    assert (handle, category, event_id) == ("handle-1", 0, EXPECTED_IDS[kind])
    assert etype == (EVENTLOG_WARNING_TYPE if kind in ("recording-alert", "policy-error")
                     else EVENTLOG_INFORMATION_TYPE)
    text, record = strings
    assert text.splitlines()[0].endswith("Account: officer1.")
    assert f"kind={kind}" in text.splitlines() and "account=officer1" in text.splitlines()
    assert json.loads(record) == SAMPLE_RECORDS[kind]
    assert api.calls[2] == ("deregister", "handle-1")


def test_a_refused_write_is_unavailable_and_the_handle_closed() -> None:
    api = FakeApi(fail=True)
    with pytest.raises(OsLogUnavailable, match="Access is denied"):
        WindowsWriter(api=api).write(to_event(SAMPLE_RECORDS["clean"]))
    assert api.calls[-1] == ("deregister", "handle-1")


def test_probe_asks_the_registry_for_the_msi_registration() -> None:
    assert WindowsWriter(api=FakeApi(), registry=DictRegistry({})).probe() == (
        "the DeviceCheck event source is not registered (reinstall the MSI)")
    registered = DictRegistry({SOURCE_KEY: {
        "EventMessageFile": r"%SystemRoot%\Microsoft.NET\Framework64\v4.0.30319\EventLogMessages.dll",
        "TypesSupported": 7}})
    assert WindowsWriter(api=FakeApi(), registry=registered).probe() is None
