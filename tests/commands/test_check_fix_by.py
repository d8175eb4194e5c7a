"""``devicecheck check``'s "fix by" date counts from the advisory problem's first
sighting (``advisory_dates``), in text and JSON, so it does not move a day every day."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from typing import Any

import pytest

from devicecheck import advisory_dates
from devicecheck.checks.base import CheckResult
from devicecheck.checks.status import Status
from devicecheck.commands.check import run_check
from devicecheck.policy import LoadedPolicy, Severity
from devicecheck.policy.model import Policy
from devicecheck.report import Device, Report


@pytest.fixture
def advisory_report(monkeypatch: pytest.MonkeyPatch) -> LoadedPolicy:
    base = Policy()
    policy = dataclasses.replace(base, checks=dataclasses.replace(base.checks,
                                                                  advisory_grace_days=7))
    loaded = LoadedPolicy(policy=policy, sources=("defaults",))
    results = [CheckResult("meeting-data", "Meeting data", Status.FAIL, Severity.ADVISORY,
                           "Found this.")]

    def fake_assess(_loaded: Any, **_kw: Any) -> Report:
        return Report(Device("pc-1", "linux", "6.1"), loaded, results)

    monkeypatch.setattr("devicecheck.assess.assess", fake_assess)
    monkeypatch.setattr("devicecheck.policy.load_policy", lambda _path=None: loaded)
    return loaded


def by(day: date) -> str:
    return f"get this fixed by {day.day} {day.strftime('%b %Y')}"


def test_text_and_json_count_from_the_first_sighting(advisory_report: LoadedPolicy,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    first = date.today() - timedelta(days=3)
    path = advisory_dates.default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(advisory_dates.render({"meeting-data": first}))
    run_check(policy_file=None, fmt="text")
    assert by(first + timedelta(days=7)) in capsys.readouterr().out.splitlines()[0]
    run_check(policy_file=None, fmt="json")
    doc = json.loads(capsys.readouterr().out)
    assert by(first + timedelta(days=7)) in doc["verdict"]["line"]


def test_a_first_run_starts_the_count_today(advisory_report: LoadedPolicy,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    run_check(policy_file=None, fmt="text")
    assert by(date.today() + timedelta(days=7)) in capsys.readouterr().out
    assert advisory_dates.FirstSeenStore().load(date.today())[0] == {
        "meeting-data": date.today()}
