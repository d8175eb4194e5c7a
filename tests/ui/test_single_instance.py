"""One copy per user: forwarding to the running copy, and recovery from a stale socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from devicecheck.ui.single_instance import SingleInstance, server_name

ROOT = Path(__file__).resolve().parents[2]


def test_name_is_private_to_the_user_session(tmp_path: Path) -> None:
    assert server_name() == os.path.join(os.environ["XDG_RUNTIME_DIR"], "devicecheck.sock")


def test_second_instance_forwards_and_backs_off(qtbot: Any) -> None:
    first = SingleInstance()
    assert first.acquire()
    second = SingleInstance()
    with qtbot.waitSignal(first.messageReceived, timeout=5000) as blocker:
        assert not second.acquire("precall")
    assert blocker.args == ["precall"]
    assert second.server is None
    first.close()


def test_second_launch_of_the_real_app_exits_0_and_asks_for_precall(qtbot: Any) -> None:
    first = SingleInstance()
    assert first.acquire()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT / "src")}
    code = "from devicecheck.ui.app import run_app; raise SystemExit(run_app())"
    with qtbot.waitSignal(first.messageReceived, timeout=20_000) as blocker:
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE,
                                text=True)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert blocker.args == ["precall"]
    assert "already running" in err
    first.close()


@pytest.mark.skipif(os.name == "nt", reason="Unix socket files")
def test_stale_socket_file_is_recovered(qtbot: Any) -> None:
    path = server_name()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)   # bound, never listening, then gone: what a crash leaves behind
    stale.close()
    assert Path(path).exists()
    guard = SingleInstance()
    assert guard.acquire()
    assert guard.recovered_stale and guard.server is not None and guard.server.isListening()
    with qtbot.waitSignal(guard.messageReceived, timeout=5000):
        assert not SingleInstance().acquire("report")
    guard.close()


@pytest.mark.skipif(os.name == "nt", reason="Unix socket files and SIGKILL")
def test_recovers_after_the_first_copy_was_killed(qtbot: Any) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT / "src")}
    code = textwrap.dedent("""
        import sys
        from PySide6.QtCore import QCoreApplication
        from devicecheck.ui.single_instance import SingleInstance
        app = QCoreApplication([])
        guard = SingleInstance()
        assert guard.acquire()
        print("listening", flush=True)
        app.exec()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "listening"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert Path(server_name()).exists()  # left behind by the crash
    guard = SingleInstance()
    assert guard.acquire()
    assert guard.recovered_stale
    guard.close()
