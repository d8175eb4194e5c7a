"""The QtCore-only TCP probe, and the memory rule it exists for: while nothing listens,
the watcher loads neither QtNetwork nor QtWebSockets."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any

from devicecheck.teams.probe import TcpProbe


class Outcome:
    def __init__(self, probe: TcpProbe) -> None:
        self.results: list[bool] = []
        probe.succeeded.connect(self.ok)
        probe.failed.connect(self.fail)

    def ok(self) -> None:
        self.results.append(True)

    def fail(self) -> None:
        self.results.append(False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_then_listening(qtbot: Any) -> None:
    probe = TcpProbe()
    out = Outcome(probe)
    port = free_port()
    probe.start("127.0.0.1", port)
    assert out.results == []          # never synchronously
    qtbot.waitUntil(lambda: out.results == [False], timeout=3000)
    assert not probe.busy
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen(1)
        probe.start("127.0.0.1", port)
        qtbot.waitUntil(lambda: out.results == [False, True], timeout=3000)


def test_unresolvable_host_fails_and_abort_is_silent(qtbot: Any) -> None:
    probe = TcpProbe()
    out = Outcome(probe)
    probe.start("no-such-host.invalid", 1)
    qtbot.waitUntil(lambda: out.results == [False], timeout=5000)
    probe.start("127.0.0.1", free_port())
    probe.abort()
    qtbot.wait(100)
    assert out.results == [False] and not probe.busy


def test_idle_client_loads_no_qtnetwork() -> None:
    code = f"""
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication, QTimer
from devicecheck.teams.localapi import TeamsApiClient
from devicecheck.teams.token import TokenStore
app = QCoreApplication([])
c = TeamsApiClient("ws://127.0.0.1:{free_port()}", token_store=TokenStore(Path("/nonexistent/t")),
                   min_backoff_ms=20, max_backoff_ms=40)
c.start()
QTimer.singleShot(400, app.quit)
app.exec()
print(c.attempts, sorted(m for m in sys.modules if m in ("PySide6.QtNetwork", "PySide6.QtWebSockets")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    attempts, loaded = out.stdout.split(" ", 1)
    assert int(attempts) >= 3 and loaded.strip() == "[]"
