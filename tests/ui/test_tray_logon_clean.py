"""``[cleaner] clean_at_logon`` in the tray: run once at start-up, off the GUI thread;
a notification only when something went wrong."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest

from devicecheck import logon
from devicecheck.checks.base import Status
from devicecheck.policy import LoadedPolicy
from devicecheck.policy.model import Policy
from tests.ui.test_tray_app import started
from tests.ui.tray_helpers import make_harness, scripted

__all__ = ["make_harness"]


@dataclasses.dataclass
class Clean:
    exit_code: int = 0


def loaded(on: bool) -> LoadedPolicy:
    base = Policy()
    return LoadedPolicy(policy=dataclasses.replace(
        base, cleaner=dataclasses.replace(base.cleaner, clean_at_logon=on)),
        sources=("defaults",))


@pytest.mark.parametrize("outcome, notified", [
    # Clean: a stand-in for CleanResult, of which the tray reads exit_code only.
    (logon.LogonResult(True, cleaned=True, clean=Clean(),  # type: ignore[arg-type]
                       started=("teams-for-linux",)), False),
    (logon.LogonResult(True, cleaned=True, clean=Clean(),  # type: ignore[arg-type]
                       not_started=("teams-for-linux",)),
     True),
    (logon.LogonResult(True, running=("teams-for-linux",)), False),
])
def test_clean_at_logon_runs_once_off_the_gui_thread(
        make_harness: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch,
        outcome: logon.LogonResult, notified: bool) -> None:
    threads: list[str] = []

    def fake(policy: Policy) -> logon.LogonResult:
        threads.append(threading.current_thread().name)
        return outcome

    monkeypatch.setattr(logon, "clean_at_logon", fake)
    h = make_harness(loaded(True), scripted(Status.PASS))
    app = started(h, qtbot)
    qtbot.waitUntil(lambda: not app.teams.logon_pending and bool(threads), timeout=5000)
    assert threads and threads[0] != threading.main_thread().name
    assert len(threads) == 1
    assert any(n[0] == "Meeting data at logon" for n in app.notifications) is notified


def test_clean_at_logon_off_does_nothing(make_harness: Any, qtbot: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Policy] = []
    monkeypatch.setattr(logon, "clean_at_logon", lambda p: calls.append(p))
    h = make_harness(loaded(False), scripted(Status.PASS))
    started(h, qtbot)
    qtbot.wait(200)
    assert calls == []
