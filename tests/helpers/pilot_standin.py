"""A stand-in teams-for-linux for ``devicecheck pilot``'s end-to-end test, driven by the
pilot's own ``[pilot] step NAME`` lines on its standard input.

Run as a program, under an X server, on a session bus with AT-SPI (``A11ySession`` in
``fake_meeting_window.py``) and with ``PULSE_SERVER`` naming a test audio server::

    <named_python()> pilot_standin.py --root DATA --ready FILE --pacat PACAT --source MONITOR

What it models, and why:
- one main process running an executable named ``teams-for-linux`` (run it with the
  interpreter copy of ``named_python.py``: DeviceCheck knows a client by the file it runs,
  never by argv[0] or ``prctl``) with a Qt window exposed over AT-SPI
  (``QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1``);
- in the meeting (``join`` to ``leave``) a *child* process captures audio: plain
  ``pacat`` recording from the null sink's monitor, a real PulseAudio capture stream whose
  own name says nothing — an Electron client captures from a helper below its main
  process, found only through the parent chain (``teams/sources/audio.py``);
- the call controls ("Leave", "Mute mic") appear in ``join`` and go in ``leave``;
- in ``record`` the meeting header shows "Recording" and the Welsh "Yn recordio" (labels:
  AT-SPI role *label*); the chat (a list of messages and a text area) talks about
  recording with a resident's name and e-mail address: it must never be learned;
- during the meeting it writes files into its data folder: into ``IndexedDB`` (catalogued)
  and into ``shared_proto_db`` (a Chromium store the catalogue does not know), one file
  named after a resident — the pilot must report the folder, never the file;
- ``quit`` or the end of input ends it (and its child).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

STEP = re.compile(r"\[pilot\] step (\S+)")
PART = Path("Partitions") / "teams-4-linux"
CATALOGUED = PART / "IndexedDB" / "https_teams.microsoft.com_0.indexeddb.leveldb"
UNKNOWN_STORE = PART / "shared_proto_db"
SECRET_FILE = "resident-jane-doe.ldb"
CHAT_TEXT = "Jane Doe: please do not start recording me (jane.doe@example.org)"
LABELS = ("Recording", "Yn recordio")


def seed(root: Path) -> None:
    for rel in (Path("config.json"), PART / "Preferences", CATALOGUED / "000003.log"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("{}\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--ready", type=Path, required=True)
    ap.add_argument("--pacat", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--steps", type=Path, help="append each step seen (for the test)")
    args = ap.parse_args()
    seed(args.root)

    from PySide6.QtCore import QSocketNotifier, QTimer
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
    window.setWindowTitle("Microsoft Teams")
    layout = QVBoxLayout(window)
    header = QHBoxLayout()
    toolbar = QHBoxLayout()
    layout.addLayout(header)
    layout.addLayout(toolbar)
    toolbar.addWidget(QPushButton("Chat"))
    toolbar.addWidget(QPushButton("Calendar"))
    messages = QListWidget()
    messages.addItem("Welcome to the team")
    layout.addWidget(messages)
    compose = QPlainTextEdit()
    layout.addWidget(compose)
    added: dict[str, list[QWidget]] = {"call": [], "record": []}
    child: dict[str, subprocess.Popen[bytes] | None] = {"pacat": None}
    counter = {"n": 0}

    def write_files() -> None:
        counter["n"] += 1
        for folder, name in ((args.root / CATALOGUED, "000003.log"),
                             (args.root / UNKNOWN_STORE, SECRET_FILE),
                             (args.root / UNKNOWN_STORE, "000001.log")):
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / name).open("a") as f:
                f.write(f"call data {counter['n']}: jane.doe@example.org 10.0.0.7\n")

    writer = QTimer()
    writer.setInterval(200)
    writer.timeout.connect(write_files)

    def remove(kind: str) -> None:
        for widget in added[kind]:
            widget.setParent(None)
            widget.deleteLater()
        added[kind] = []

    def step(name: str) -> None:
        if args.steps is not None:
            with args.steps.open("a") as f:
                f.write(name + "\n")
        if name == "join":
            for text in ("Leave", "Mute mic"):
                button = QPushButton(text)
                toolbar.addWidget(button)
                added["call"].append(button)
            child["pacat"] = subprocess.Popen(   # the helper process that captures
                [args.pacat, "--record", "-d", args.source, "/dev/null"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            writer.start()
        elif name == "record":
            for text in LABELS:
                label = QLabel(text)
                header.addWidget(label)
                added["record"].append(label)
            messages.addItem(CHAT_TEXT)
            messages.addItem("Recording")
            compose.setPlainText("Is this recording? " + CHAT_TEXT)
        elif name == "stop-record":
            remove("record")
        elif name == "leave":
            remove("call")
            writer.stop()
            proc, child["pacat"] = child["pacat"], None
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)

    def on_stdin() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            app.quit()
            return
        found = STEP.search(line)
        if found:
            step(found.group(1))

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_stdin)
    window.resize(520, 380)
    window.show()
    args.ready.write_text(f"{os.getpid()}\n")
    try:
        return int(app.exec())
    finally:
        if child["pacat"] is not None:
            child["pacat"].kill()
            child["pacat"].wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
