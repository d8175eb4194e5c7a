"""One copy per user: forwarding to the running copy, and recovery from a stale socket."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devicecheck.ui.tray.single_instance import NoPrivateFolder, SingleInstance, server_name

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
        from devicecheck.ui.tray.single_instance import SingleInstance
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


# -- issue 17 #9: another local user must not be able to shut the officer out ------------
NOBODY = 65534
needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                reason="needs root to make folders owned by another user")


@pytest.fixture
def short_data_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder with a short path: a socket path must fit in sun_path (108 bytes),
    and pytest's own temp paths are long."""
    base = Path(tempfile.mkdtemp(prefix="dc-si-"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _own_run(base: Path) -> Path:
    return base / "devicecheck" / "run"


@pytest.mark.skipif(os.name == "nt", reason="Unix socket folders")
@pytest.mark.parametrize("squat", [
    pytest.param("other-owner", marks=needs_root), "open-mode", "link", "missing"])
def test_an_unsafe_runtime_folder_is_refused_and_our_own_folder_used(
        squat: str, tmp_path: Path, short_data_home: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, qtbot: Any) -> None:
    runtime = tmp_path / "squatted-runtime"
    if squat == "link":
        (tmp_path / "real").mkdir(mode=0o700)
        runtime.symlink_to(tmp_path / "real")
    elif squat != "missing":
        runtime.mkdir(mode=0o700)
        if squat == "other-owner":
            os.chown(runtime, NOBODY, NOBODY)
        else:
            os.chmod(runtime, 0o777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    with caplog.at_level(logging.WARNING):
        name = server_name()
    assert name == str(_own_run(short_data_home) / "devicecheck.sock")
    assert "XDG_RUNTIME_DIR is not used" in caplog.text
    st = os.lstat(_own_run(short_data_home))
    assert st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) == 0o700
    if squat == "open-mode":  # someone else's runtime folder is never re-moded by us
        assert stat.S_IMODE(os.lstat(runtime).st_mode) == 0o777
    guard = SingleInstance()
    assert guard.acquire() and guard.name == name
    guard.close()


@pytest.mark.skipif(os.name == "nt", reason="Unix socket folders")
def test_our_own_folder_left_open_is_closed(short_data_home: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    own = _own_run(short_data_home)
    own.mkdir(parents=True)
    os.chmod(own, 0o755)
    assert server_name() == str(own / "devicecheck.sock")
    assert stat.S_IMODE(os.lstat(own).st_mode) == 0o700


@needs_root
@pytest.mark.skipif(os.name == "nt", reason="Unix socket folders")
def test_no_safe_folder_means_no_guard_never_already_running(
        short_data_home: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    own = _own_run(short_data_home)
    own.mkdir(parents=True, mode=0o700)
    os.chown(own, NOBODY, NOBODY)   # squatted: made by another user before us
    with pytest.raises(NoPrivateFolder, match="belongs to another user"):
        server_name()
    guard = SingleInstance()
    with caplog.at_level(logging.WARNING):
        assert guard.acquire("precall")   # we run: nobody else decides we are "running"
    assert guard.server is None and "guard unavailable" in caplog.text
    assert os.lstat(own).st_uid == NOBODY  # refused, not taken over


SQUATTER = textwrap.dedent("""
    import socket, sys
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sys.argv[1])
    s.listen(1)
    s.settimeout(float(sys.argv[2]))
    print("listening", flush=True)
    try:
        conn, _ = s.accept()
        print("GOT:" + conn.recv(256).decode(errors="replace"), flush=True)
    except socket.timeout:
        print("nothing", flush=True)
""")


def _python_for_nobody() -> str | None:
    """Ours may sit in a folder only root can enter; the system's usually does not."""
    for exe in (sys.executable, shutil.which("python3") or "", "/usr/bin/python3"):
        try:
            if exe and subprocess.run([exe, "-c", "pass"], user=NOBODY, group=NOBODY,
                                      extra_groups=[], capture_output=True, timeout=30,
                                      check=False).returncode == 0:
                return exe
        except OSError:
            continue
    return None


@needs_root
@pytest.mark.skipif(os.name == "nt", reason="Unix socket files")
def test_another_user_listening_on_the_old_tmp_name_gets_nothing(
        short_data_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack: another user listens on ``/tmp/devicecheck-<user>`` (the old fallback
    when XDG_RUNTIME_DIR is unset); the officer's copy must neither talk to it nor exit."""
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    import getpass
    user = "".join(c for c in getpass.getuser() if c.isalnum() or c in "-_.")
    squat_path = f"/tmp/devicecheck-{user}"
    if os.path.lexists(squat_path):
        pytest.skip(f"{squat_path} already exists on this machine")
    python = _python_for_nobody()
    if python is None:
        pytest.skip("no Python interpreter the other user (nobody) may run")
    proc = subprocess.Popen([python, "-c", SQUATTER, squat_path, "3"], user=NOBODY,
                            group=NOBODY, extra_groups=[], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "listening"
        guard = SingleInstance()
        assert guard.acquire("precall")           # not "already running"
        assert not guard.name.startswith("/tmp/devicecheck-")
        guard.close()
        out, _ = proc.communicate(timeout=30)
        assert out.strip() == "nothing"           # the squatter never heard from us
    finally:
        proc.kill()
        proc.wait(timeout=10)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(squat_path)


# -- issue 29 #8: a flood of connections must not grow the tray ---------------------------
@pytest.mark.skipif(os.name == "nt", reason="a Unix socket flood")
def test_a_flood_of_connections_keeps_the_server_within_its_bounds(qtbot: Any, qapp: Any) -> None:
    """1000 connections held open, some sending 4 KiB with no newline (once 386 MB): the server holds at most MAX_PEERS peers and MAX_MESSAGE unread bytes each,
    and a real second launch still gets through once the flood's peers time out."""
    import psutil
    from PySide6.QtCore import QCoreApplication, QEvent

    from devicecheck.ui.tray.single_instance import MAX_MESSAGE, MAX_PEERS, PEER_IDLE_MS

    guard = SingleInstance()
    assert guard.acquire()
    path = server_name()
    rss_before = psutil.Process().memory_info().rss
    most_peers = most_bytes = connected = 0
    clients: list[socket.socket] = []

    def serve() -> None:
        nonlocal most_peers, most_bytes
        qapp.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        most_peers = max(most_peers, guard.peer_count)
        most_bytes = max(most_bytes, guard.buffered_bytes())

    try:
        for i in range(1000):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.setblocking(False)
            clients.append(c)
            for _attempt in range(20):            # EAGAIN: the backlog is full for now
                try:
                    c.connect(path)
                except BlockingIOError:
                    serve()
                    continue
                connected += 1
                # A third hold on silent, a third send part of a line and hold on, a
                # third send a "line" that never ends.
                with contextlib.suppress(OSError):   # dropped already: EPIPE
                    c.send(b"x" * (0, 200, 4096)[i % 3])
                break
            if i % 10 == 9:
                serve()
        for _ in range(20):
            serve()
        rss_growth = psutil.Process().memory_info().rss - rss_before
        assert connected >= 900                   # the flood really reached the server
        assert 0 < most_peers <= MAX_PEERS
        assert 0 < most_bytes <= MAX_PEERS * MAX_MESSAGE
        assert guard.dropped >= connected // 3    # most holders arrived past the cap
        print(f"flood: {connected} connected, {guard.dropped} dropped at the cap, most "
              f"{most_peers} peers / {most_bytes} unread bytes held, RSS +{rss_growth >> 10} KiB")
        assert rss_growth < 32 * 1024 * 1024, rss_growth
        # The flood ends (its sockets close) and its held peers are let go; a second
        # launch is heard again.
        for c in clients:
            c.close()
        def served_and_idle() -> bool:
            serve()
            return guard.peer_count == 0

        qtbot.waitUntil(served_and_idle, timeout=PEER_IDLE_MS * 3)
        with qtbot.waitSignal(guard.messageReceived, timeout=5000) as blocker:
            assert not SingleInstance().acquire("precall")
        assert blocker.args == ["precall"]
    finally:
        for c in clients:
            c.close()
        guard.close()


def test_one_line_per_connection_and_an_endless_line_is_dropped(qtbot: Any, qapp: Any) -> None:
    from devicecheck.ui.tray.single_instance import MAX_MESSAGE

    guard = SingleInstance()
    assert guard.acquire()
    got: list[str] = []
    guard.messageReceived.connect(got.append)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(server_name())
    c.sendall(b"precall\nreport\nprecall\n")
    qtbot.waitUntil(lambda: got == ["precall"], timeout=5000)
    qtbot.waitUntil(lambda: guard.peer_count == 0, timeout=5000)
    long = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    long.connect(server_name())
    long.sendall(b"y" * (MAX_MESSAGE * 4))
    qtbot.waitUntil(lambda: guard.peer_count == 0 and guard.dropped == 0, timeout=5000)
    qtbot.wait(100)
    assert got == ["precall"]
    c.close()
    long.close()
    guard.close()
