"""Shared pieces for the tray tests: a DeviceCheckApp wired to scripted checks, fakes for
the things a test must not really do (open a browser, quit the test process, write the
real autostart), and a stand-in Teams monitor with the agreed signal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any, cast

import pytest
from PySide6.QtCore import QObject, QThreadPool, QUrl, Signal

from devicecheck.audit import AuditLog
from devicecheck.checks.base import Status
from devicecheck.policy import LoadedPolicy
from devicecheck.policy.model import Policy
from devicecheck.ui.app import DeviceCheckApp
from devicecheck.ui.model.notifications import NotificationGate
from devicecheck.ui.tray.hooks import HookHost
from tests.checks.helpers import Scripted, context


def as_host(app: object) -> HookHost:
    """A test's stand-in for the tray, handed to a hook's ``attach``: it has only the
    parts that hook uses, so it is a ``HookHost`` by the test's word."""
    return cast(HookHost, app)


class FakeAutostart:
    description = "fake"

    def __init__(self) -> None:
        self.enabled = False
        self.calls: list[bool] = []

    def is_enabled(self) -> bool:
        return self.enabled

    def set_enabled(self, enabled: bool) -> None:
        self.calls.append(enabled)
        self.enabled = enabled


class FakeMonitor(QObject):
    """Stands in for devicecheck.teams.monitor.TeamsMonitor (same signal and properties)."""

    teamsEvent = Signal(str, dict)

    def __init__(self) -> None:
        super().__init__()
        self.in_meeting = False
        self.recording = False
        self.started = self.stopped = 0
        self.restarts: list[Iterable[str] | None] = []
        self.waiting_clients: frozenset[str] = frozenset()
        self.running_clients: frozenset[str] = frozenset({"teams-for-linux"})

    def restart_and_clean(self, clients: Iterable[str] | None = None, *,
                          automatic: bool = False) -> bool:
        """Like TeamsMonitor's: refused while a meeting is on."""
        if self.in_meeting:
            return False
        self.restarts.append(clients)
        return True

    def detection(self) -> str:
        return "Meetings detected from audio capture."

    def start(self) -> None:
        self.started += 1

    def stop(self, wait_s: float = 10.0) -> None:
        self.stopped += 1

    def send(self, name: str, *, in_meeting: bool | None = None,
             recording: bool | None = None, detail: dict[str, Any] | None = None) -> None:
        if in_meeting is not None:
            self.in_meeting = in_meeting
        if recording is not None:
            self.recording = recording
        self.teamsEvent.emit(name, detail or {})


def policy_with(**tray: Any) -> LoadedPolicy:
    base = Policy()
    policy = dataclasses.replace(base, tray=dataclasses.replace(base.tray, **tray))
    return LoadedPolicy(policy=policy, sources=("defaults", "file:test"))


class Harness:
    def __init__(self, loaded: LoadedPolicy, checks: list[Scripted], *,
                 tray: bool = True, monitor: FakeMonitor | None = None,
                 gate: NotificationGate | None = None, tray_wait_s: float = 3.0,
                 tmp_audit: AuditLog | None = None) -> None:
        self.urls: list[QUrl] = []
        self.quits = 0
        self.autostart = FakeAutostart()
        self.checks = checks
        self.monitor = monitor
        self.app = DeviceCheckApp(
            loaded, checks=checks, ctx=context(loaded), tray_available=lambda: tray,
            tray_wait_s=tray_wait_s, embed_wait_s=0, autostart=self.autostart, open_url=self.urls.append,
            monitor_factory=(lambda: monitor) if monitor is not None else _no_monitor,
            gate=gate, quit_app=self._quit, audit=tmp_audit)

    def _quit(self) -> None:
        self.quits += 1


def _no_monitor() -> None:
    return None  # the app then runs without a Teams link


def scripted(*statuses: Status, sleep: float = 0.0) -> list[Scripted]:
    ids = ("os-support", "firewall", "screen-lock", "antivirus")
    return [Scripted(ids[i], s, sleep=sleep) for i, s in enumerate(statuses)]


@pytest.fixture
def make_harness(qtbot: Any) -> Iterator[Any]:
    made: list[Harness] = []

    def make(*args: Any, **kwargs: Any) -> Harness:
        h = Harness(*args, **kwargs)
        made.append(h)
        return h

    yield make
    for h in made:
        h.app.shutdown()
        for window in list(h.app.windows.values()):
            if hasattr(window, "close"):
                window.close()
        if h.app.fallback is not None:
            h.app.fallback.hide()
    QThreadPool.globalInstance().waitForDone(5000)
