"""A stand-in Teams meeting window on a real accessibility bus, for the recording source's
end-to-end test and ``benchmarks/watch_idle.py`` case d.

Run as a program (under an X server, on a session bus with AT-SPI)::

    python fake_meeting_window.py [--ready FILE] [--recording]

then write ``show`` / ``hide`` / ``quit`` lines on its standard input. It is a small Qt
window whose process runs an executable named ``teams-for-linux`` (``window_argv`` uses
the interpreter copy of ``named_python.py``, as the Teams stand-in does: our process
watcher knows a client by its executable, never by argv[0] or a ``prctl`` name), with:
- a meeting header whose "Recording" label (a QLabel: AT-SPI role *label*) is created on
  ``show`` and destroyed on ``hide`` — the way Teams' page adds and removes its indicator;
- a chat area that mentions recording and must never count: a text area (role *text*)
  whose accessible name is "Recording", and a list whose item is "Recording" (role *list
  item*), like a chat message saying just that.
Qt exposes its widgets over AT-SPI when ``QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1`` (Qt's
``qspiaccessiblebridge``; also noted in linebender/xilem issue 1733), provided the
accessibility bus is up when it starts: ``A11ySession`` starts it first.

``A11ySession`` (used by the test and the benchmark): a private D-Bus session bus
(``dbus-daemon --session``) with its own ``XDG_RUNTIME_DIR``, so at-spi-bus-launcher's
socket is private too, and the accessibility bus started on it by activation.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class A11yUnavailable(Exception):
    pass


class A11ySession:
    """A private session bus with the AT-SPI accessibility bus on it."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.runtime = Path(tempfile.mkdtemp(prefix="a11y-run-"))
        os.chmod(self.runtime, 0o700)
        self.env: dict[str, str] = {}

    def start(self) -> A11ySession:
        daemon = shutil.which("dbus-daemon")
        launcher = [p for p in ("/usr/libexec/at-spi-bus-launcher",
                                "/usr/lib/at-spi2-core/at-spi-bus-launcher") if Path(p).exists()]
        if daemon is None or not launcher:
            raise A11yUnavailable("needs dbus-daemon and at-spi2-core (Debian: dbus, "
                                  "at-spi2-core)")
        env = {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime)}
        self.proc = subprocess.Popen([daemon, "--session", "--nofork", "--print-address=1"],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        address = self.proc.stdout.readline().strip()
        if not address:
            self.stop()
            raise A11yUnavailable("dbus-daemon did not start")
        self.env = {**env, "DBUS_SESSION_BUS_ADDRESS": address}
        self.a11y_address()    # activates at-spi-bus-launcher before any app starts
        return self

    def a11y_address(self) -> str:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        conn = open_dbus_connection(self.env["DBUS_SESSION_BUS_ADDRESS"])
        try:
            bus = DBusAddress("/org/a11y/bus", bus_name="org.a11y.Bus", interface="org.a11y.Bus")
            return str(conn.send_and_get_reply(new_method_call(bus, "GetAddress"),
                                               timeout=10).body[0])
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        # at-spi-bus-launcher and its dbus-daemon exit when the session bus goes.
        shutil.rmtree(self.runtime, ignore_errors=True)


def window_argv(ready: Path | None = None, recording: bool = False) -> list[str]:
    from tests.helpers.named_python import named_python

    argv = [str(named_python()), str(Path(__file__).resolve())]
    if ready is not None:
        argv += ["--ready", str(ready)]
    if recording:
        argv.append("--recording")
    return argv


def window_env(session: A11ySession, display: str) -> dict[str, str]:
    env = {**session.env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1"}
    env.pop("WAYLAND_DISPLAY", None)
    return env


def wait_ready(ready: Path, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready.exists() and ready.read_text().strip():
            return int(ready.read_text().split()[0])
        time.sleep(0.05)
    raise TimeoutError("the stand-in meeting window did not start")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready", type=Path)
    ap.add_argument("--recording", action="store_true")
    args = ap.parse_args()

    from PySide6.QtCore import QSocketNotifier
    from PySide6.QtWidgets import (
        QApplication,
        QHBoxLayout,
        QLabel,
        QListWidget,
        QPlainTextEdit,
        QPushButton,
        QVBoxLayout,
        QWidget,
    )

    app = QApplication(sys.argv)
    window = QWidget()
    window.setWindowTitle("Meeting")
    layout = QVBoxLayout(window)
    header = QHBoxLayout()
    header.addWidget(QLabel("12:04"))
    layout.addLayout(header)
    chat = QPlainTextEdit("Resident: is this call recording? Officer: no, it is not.")
    chat.setAccessibleName("Recording")        # text area: never counts
    layout.addWidget(chat)
    messages = QListWidget()
    messages.addItem("Recording")              # a chat message saying just that
    layout.addWidget(messages)
    layout.addWidget(QPushButton("Leave"))
    state: dict[str, QLabel | None] = {"label": None}

    def show_indicator() -> None:
        if state["label"] is None:
            label = QLabel("Recording")
            header.addWidget(label)
            state["label"] = label

    def hide_indicator() -> None:
        label, state["label"] = state["label"], None
        if label is not None:
            header.removeWidget(label)
            label.setParent(None)
            label.deleteLater()

    def on_stdin() -> None:
        line = sys.stdin.readline()
        word = line.strip()
        if not line or word == "quit":
            app.quit()
        elif word == "show":
            show_indicator()
        elif word == "hide":
            hide_indicator()

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_stdin)
    if args.recording:
        show_indicator()
    window.resize(480, 360)
    window.show()
    if args.ready is not None:
        args.ready.write_text(f"{os.getpid()}\n")
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
