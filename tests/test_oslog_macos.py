"""The macOS writer: subsystem uk.gov.devicecheck, the kind as category, the message with
the event id first and the fields as JSON, under os_log's 1024-character limit (through an
injected API; pyoslog and /usr/bin/logger exist on macOS only)."""

from __future__ import annotations

import json

import pytest

from devicecheck.oslog import OsLogUnavailable
from devicecheck.oslog.events import CATALOGUE, to_event
from devicecheck.oslog.macos import (
    LOGGER,
    OS_LOG_TYPE_DEFAULT,
    OS_LOG_TYPE_ERROR,
    LoggerCommandApi,
    MacWriter,
)
from devicecheck.probes.runner import CommandResult, Outcome
from tests.oslog_records import SAMPLE_RECORDS


class FakeApi:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str, int, str]] = []
        self.fail = fail

    def log(self, subsystem: str, category: str, log_type: int, message: str) -> None:
        if self.fail:
            raise OSError("logd is not running")
        self.calls.append((subsystem, category, log_type, message))


@pytest.mark.parametrize("kind", sorted(SAMPLE_RECORDS))
def test_each_kind_goes_to_its_category(kind: str) -> None:
    api = FakeApi()
    MacWriter(api=api).write(to_event(SAMPLE_RECORDS[kind]))
    [(subsystem, category, log_type, message)] = api.calls
    assert (subsystem, category) == ("uk.gov.devicecheck", kind)
    assert log_type == (OS_LOG_TYPE_ERROR if CATALOGUE[kind].level == "warning" else OS_LOG_TYPE_DEFAULT)
    assert message.startswith(f"DEVICECHECK event_id={CATALOGUE[kind].event_id} kind={kind} ")
    assert len(message) < 1024
    assert json.loads(message[message.index(" {") + 1:]) == SAMPLE_RECORDS[kind]


def test_an_overlong_record_keeps_its_head_under_the_limit() -> None:
    rec = dict(SAMPLE_RECORDS["report"], blocking=[f"check-{i:02d}-" + "x" * 40 for i in range(30)])
    api = FakeApi()
    MacWriter(api=api).write(to_event(rec))
    message = api.calls[0][3]
    assert len(message) <= 1000 and message.startswith("DEVICECHECK event_id=1001 kind=report ")


def test_a_refused_write_is_unavailable() -> None:
    with pytest.raises(OsLogUnavailable, match="logd is not running"):
        MacWriter(api=FakeApi(fail=True)).write(to_event(SAMPLE_RECORDS["clean"]))


class FakeRunner:
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.argv: list[str] = []

    def run(self, argv: list[str], *, timeout: float = 5.0, parse_locale: bool = True) -> CommandResult:
        self.argv = list(argv)
        return CommandResult(tuple(argv), self.outcome, 0 if self.outcome is Outcome.OK else 1,
                             "", "", 0.01)


def test_logger_fallback_is_an_argument_list_with_a_timeout() -> None:
    runner = FakeRunner(Outcome.OK)
    MacWriter(api=LoggerCommandApi(runner)).write(to_event(SAMPLE_RECORDS["tray-start"]))
    assert runner.argv[:3] == [LOGGER, "-t", "DeviceCheck"]
    assert runner.argv[3].startswith("DEVICECHECK event_id=1008 kind=tray-start ")
    with pytest.raises(OsLogUnavailable):
        MacWriter(api=LoggerCommandApi(FakeRunner(Outcome.FAILED))).write(
            to_event(SAMPLE_RECORDS["tray-start"]))
