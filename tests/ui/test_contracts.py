"""The tray tests' stand-ins offer what the real classes offer (issue 16): a fake that
drifts from the real thing lets the tray tests pass against an API that no longer exists.

- ``tray_helpers.FakeMonitor`` against ``teams.monitor.TeamsMonitor``: every member of
  ``hooks.Monitor`` (what the tray uses of a monitor) exists on both, methods with
  the same signature, properties on the real class and plain attributes on the fake.
- The two check workers the scheduler picks from (``workers.CheckWorker`` in this process,
  ``process_worker.ProcessCheckWorker`` in a child) report through the same signals."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from PySide6.QtCore import QRunnable, SignalInstance

from devicecheck.qtsupport.process_worker import ProcessCheckWorker
from devicecheck.qtsupport.workers import CheckSignals, CheckWorker
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.ui.tray.hooks import Monitor
from tests.ui.tray_helpers import FakeMonitor, policy_with


def protocol_members(proto: type) -> dict[str, Any]:
    """Public members a Protocol declares (its own, not ``object``'s or Protocol's)."""
    return {name: value for name, value in vars(proto).items()
            if not name.startswith("_") and (callable(value) or isinstance(value, property))}


MEMBERS = protocol_members(Monitor)


def test_the_monitor_protocol_names_what_the_tray_uses() -> None:
    assert {"teamsEvent", "in_meeting", "recording", "running_clients", "waiting_clients",
            "detection", "restart_and_clean", "start", "stop"} == set(MEMBERS)


def _signature(fn: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", sorted(n for n, v in MEMBERS.items()
                                        if not isinstance(v, property)))
def test_fake_and_real_monitor_methods_match(name: str) -> None:
    real, fake = getattr(TeamsMonitor, name), getattr(FakeMonitor, name)
    assert _signature(real) == _signature(fake) == _signature(MEMBERS[name])


@pytest.mark.parametrize("name", sorted(n for n, v in MEMBERS.items()
                                        if isinstance(v, property)))
def test_fake_and_real_monitor_have_the_properties(qtbot: Any, name: str) -> None:
    fake = FakeMonitor()
    assert hasattr(fake, name), f"FakeMonitor lacks {name}"
    if name == "teamsEvent":
        # A Qt signal on both, with the same arguments (name, detail).
        assert isinstance(fake.teamsEvent, SignalInstance)
        assert "teamsEvent(QString,QVariantMap)" in str(TeamsMonitor.teamsEvent)
        assert str(TeamsMonitor.teamsEvent) == str(FakeMonitor.teamsEvent)
        return
    assert isinstance(inspect.getattr_static(TeamsMonitor, name), property), name
    # Same kind of value: what the property returns by annotation, what the fake holds.
    annotation = inspect.get_annotations(getattr(TeamsMonitor, name).fget,
                                         eval_str=True)["return"]
    assert isinstance(getattr(fake, name), annotation.__origin__
                      if hasattr(annotation, "__origin__") else annotation)


def test_both_check_workers_report_through_the_same_signals(qtbot: Any) -> None:
    loaded = policy_with()
    workers: list[CheckWorker | ProcessCheckWorker] = [CheckWorker(loaded),
                                                       ProcessCheckWorker(loaded)]
    for worker in workers:
        assert isinstance(worker, QRunnable)
        assert type(worker.signals) is CheckSignals
    assert _signature(CheckWorker.run) == _signature(ProcessCheckWorker.run)
