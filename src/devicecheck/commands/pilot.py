"""``devicecheck pilot [--auto SECONDS] [--json] [--out FILE] [--policy FILE]`` (pinned): a
guided test of meeting and recording detection for IT, on one laptop with Teams signed in.

Six steps (``idle``, ``join``, ``record``, ``stop-record``, ``leave``, ``after``); each says
what to do and waits for Enter, or ``--auto SECONDS`` moves on by itself (a scripted test
call, the tests). Each step begins with a ``[pilot] step NAME`` line on stderr. Every
signal source runs throughout (``teams/pilot/runner.py``); at the end the table of what
each saw, the verdict per promise, what was learned from the Teams window and the
meeting data the catalogue does not cover are printed (``--json``: the report itself) and
the report is written to ``--out`` (default: a ``pilot-<time>.json`` in DeviceCheck's log
folder). The pilot never cleans and writes nothing else.

Exit codes: 0 every step done and both meetings and recording detected by some source;
1 a promise not detected, or the pilot stopped early (Ctrl+C, end of input); 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devicecheck.commands import add_policy_option

EXIT_OK, EXIT_NOT_DETECTED, EXIT_USAGE = 0, 1, 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("pilot", help="guided test: which signals see meetings and recording "
                                     "on this laptop (for IT)")
    p.add_argument("--auto", metavar="SECONDS", type=float,
                   help="move to the next step after this many seconds instead of Enter")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--out", metavar="FILE", type=Path,
                   help="write the report here (default: DeviceCheck's log folder)")
    add_policy_option(p)
    p.set_defaults(func=lambda a: run_pilot(auto_s=a.auto, as_json=a.json, out=a.out,
                                            policy_file=a.policy))


def default_out(now: datetime | None = None) -> Path:
    from devicecheck.paths import user_log_dir

    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return user_log_dir() / f"pilot-{stamp}.json"


def write_report(report: dict[str, Any], out: Path) -> None:
    """The report, user-only (it names the laptop's Teams set-up, nothing personal)."""
    from devicecheck import safefile

    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    safefile.write_private(out, data.encode("utf-8"), tmp=out.with_name(out.name + ".tmp"))


def exit_code(report: dict[str, Any]) -> int:
    detected = all(report["verdict"].get(k) for k in ("meeting", "recording"))
    return EXIT_OK if report.get("completed") and detected else EXIT_NOT_DETECTED


class EnterReader:
    """Reads Enter presses on a thread (a console handle cannot be watched by Qt on
    Windows) and hands them to the loop through a queued signal."""

    def __init__(self, on_enter: Any, on_eof: Any) -> None:
        from PySide6.QtCore import QObject, Signal

        class _Bridge(QObject):
            line = Signal(bool)

        self.bridge = _Bridge()
        self.bridge.line.connect(lambda ok: on_enter() if ok else on_eof())
        self.thread = threading.Thread(target=self._read, name="devicecheck-pilot-enter",
                                       daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _read(self) -> None:
        while True:
            line = sys.stdin.readline()
            self.bridge.line.emit(bool(line))
            if not line:
                return


def run_pilot(*, auto_s: float | None, as_json: bool, out: Path | None,
              policy_file: Path | str | None) -> int:
    from PySide6.QtCore import QCoreApplication

    from devicecheck.policy import load_policy
    from devicecheck.qtsupport.main_thread_gc import install as gc_in_gui_thread
    from devicecheck.qtsupport.quit_signals import install_quit_on_signals
    from devicecheck.teams.pilot.render import render_text
    from devicecheck.teams.pilot.runner import PilotRunner

    if auto_s is not None and not 0 < auto_s <= 3600:
        print("devicecheck pilot: --auto takes seconds between 0 and 3600", file=sys.stderr)
        return EXIT_USAGE
    if policy_file is not None and not Path(policy_file).is_file():
        print(f"devicecheck pilot: no such policy file: {policy_file}", file=sys.stderr)
        return EXIT_USAGE
    loaded = load_policy(Path(policy_file) if policy_file else None)
    for err in loaded.errors:
        print(f"devicecheck pilot: policy problem ({err}); using the rest.", file=sys.stderr)
    app = QCoreApplication.instance() or QCoreApplication(["devicecheck-pilot"])
    gc_in_gui_thread(app)   # the audio source lists streams on a thread (see watch)
    runner = PilotRunner(loaded.policy, auto_s=auto_s)
    runner.finished.connect(lambda _report: app.quit())
    print("[pilot] Every meeting and recording signal now runs. The pilot only watches: "
          "it never clears data.", file=sys.stderr, flush=True)
    if auto_s is None:
        print("[pilot] Do what each step says, then press Enter.", file=sys.stderr,
              flush=True)
        reader = EnterReader(runner.next_step, lambda: runner.finish(stopped_early=True))
        reader.start()
    undo = install_quit_on_signals(lambda: runner.finish(stopped_early=True))
    try:
        runner.start()
        if runner.report is None:
            app.exec()
    finally:
        report = runner.finish(stopped_early=True)   # already judged: returns the report
        undo()
    target = out or default_out()
    try:
        write_report(report, target)
        print(f"[pilot] report saved: {target}", file=sys.stderr, flush=True)
    except OSError as exc:
        print(f"devicecheck pilot: could not save the report ({exc.strerror or exc})",
              file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=2) if as_json else render_text(report))
    return exit_code(report)
