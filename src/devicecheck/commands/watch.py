"""``devicecheck watch [--json] [--no-clean] [--policy FILE]`` (pinned): the Teams watcher,
headless (QCoreApplication). One line per event; with ``--json`` one JSON object a line:
``{"time": ISO-8601, "event": ..., "detail": {...}}``. ``--no-clean`` only watches.
SIGINT and SIGTERM end it cleanly with exit 0.

Signals: Qt's event loop runs in C++, so a Python signal handler would only run at the
next Python callback. ``signal.set_wakeup_fd`` writes to one end of a socket pair the
moment a signal arrives; a QSocketNotifier on the other end wakes the loop, which then
quits. Nothing polls.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from devicecheck.commands import add_policy_option

EXIT_OK, EXIT_USAGE = 0, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("watch", help="watch Teams meetings and clean up after them (headless)")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.add_argument("--no-clean", action="store_true",
                   help="only watch: never run the cleaner")
    add_policy_option(p)
    p.set_defaults(func=lambda a: run_watch(policy_file=a.policy, as_json=a.json,
                                            clean=not a.no_clean))


def format_event(name: str, detail: dict[str, Any], *, as_json: bool,
                 now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")
    if as_json:
        return json.dumps({"time": stamp, "event": name, "detail": detail}, ensure_ascii=False,
                          default=str)
    extra = " ".join(f"{k}={json.dumps(v, ensure_ascii=False, default=str)}"
                     for k, v in detail.items())
    return f"{stamp}  {name:<18} {extra}".rstrip()


class EventPrinter:
    """Writes each event as one flushed line (the reader may be a pipe)."""

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self.out, self.as_json = out, as_json

    def __call__(self, name: str, detail: dict[str, Any]) -> None:
        self.out.write(format_event(name, detail, as_json=self.as_json) + "\n")
        self.out.flush()


def install_quit_on_signals(quit_: Callable[[], None]) -> Callable[[], None]:
    """Make SIGINT/SIGTERM call ``quit_`` from the Qt loop; returns an undo function."""
    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    old_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    wanted = [s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None]
    old = {s: signal.signal(s, lambda *_: None) for s in wanted}
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def on_wake() -> None:
        try:
            reader.recv(64)
        except OSError:
            pass
        quit_()

    notifier.activated.connect(on_wake)

    def undo() -> None:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(old_fd)
        for s, handler in old.items():
            signal.signal(s, handler)
        reader.close()
        writer.close()

    return undo


def run_watch(*, policy_file: Path | str | None, as_json: bool, clean: bool) -> int:
    from PySide6.QtCore import QCoreApplication

    from devicecheck.policy import load_policy
    from devicecheck.teams.monitor import TeamsMonitor
    from devicecheck.ui.main_thread_gc import install as gc_in_gui_thread

    if policy_file is not None and not Path(policy_file).is_file():
        print(f"devicecheck watch: no such policy file: {policy_file}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="devicecheck watch: %(message)s")
    # The link's own messages are few by design (once per change of state): show them.
    logging.getLogger("devicecheck.teams").setLevel(logging.INFO)
    loaded = load_policy(Path(policy_file) if policy_file else None)
    for err in loaded.errors:
        print(f"devicecheck watch: policy problem ({err}); watching with the rest.",
              file=sys.stderr)
    app = QCoreApplication.instance() or QCoreApplication(["devicecheck-watch"])
    gc_in_gui_thread(app)  # the cleaner runs on a pool thread (see the module)
    monitor = TeamsMonitor(loaded.policy, auto_clean=clean)
    monitor.teamsEvent.connect(EventPrinter(sys.stdout, as_json=as_json))
    undo = install_quit_on_signals(app.quit)
    try:
        monitor.start()
        app.exec()
    finally:
        monitor.stop()
        undo()
    return EXIT_OK
