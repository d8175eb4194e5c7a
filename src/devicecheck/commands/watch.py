"""``devicecheck watch [--json] [--no-clean] [--policy FILE]`` (pinned): the Teams watcher,
headless (QCoreApplication). One line per event; with ``--json`` one JSON object a line:
``{"time": ISO-8601, "event": ..., "detail": {...}}``. ``--no-clean`` only watches.
SIGINT and SIGTERM end it cleanly with exit 0.

Two one-shot forms (pinned), both exit 0:
- ``watch --signals [--json]``: which meeting sources are live on this laptop and what
  each sees now (JSON: ``{"sources": [...], "summary": "..."}``);
- ``watch --replay-log FILE [--json]``: a saved new-Teams log through the log parser and
  the meeting state machine, printing the meeting events it yields, timed by the log's
  own timestamps (``teams/logreplay.py``). A missing file exits 2. No log content is
  ever printed: only events, counts and the meeting still open at the end (on stderr).

Signals: Qt's event loop runs in C++, so a Python signal handler would only run at the
next Python callback. ``signal.set_wakeup_fd`` writes to one end of a socket pair the
moment a signal arrives; a QSocketNotifier on the other end wakes the loop, which then
quits. Nothing polls (``qtsupport/quit_signals.py``, shared with the tray).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
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
    once = p.add_mutually_exclusive_group()
    once.add_argument("--signals", action="store_true",
                      help="print which meeting signals are live and what each sees, then exit")
    once.add_argument("--replay-log", metavar="FILE", type=Path,
                      help="replay a saved new-Teams log: print the meeting events it yields")
    add_policy_option(p)
    p.set_defaults(func=_dispatch)


def _dispatch(a: argparse.Namespace) -> int:
    if a.signals:
        return run_signals(policy_file=a.policy, as_json=a.json)
    if a.replay_log is not None:
        return run_replay(a.replay_log, policy_file=a.policy, as_json=a.json)
    return run_watch(policy_file=a.policy, as_json=a.json, clean=not a.no_clean)


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


def run_watch(*, policy_file: Path | str | None, as_json: bool, clean: bool) -> int:
    from PySide6.QtCore import QCoreApplication

    from devicecheck.policy import load_policy
    from devicecheck.qtsupport.main_thread_gc import install as gc_in_gui_thread
    from devicecheck.qtsupport.quit_signals import install_quit_on_signals
    from devicecheck.teams.monitor import TeamsMonitor

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


def _load_policy(policy_file: Path | str | None, command: str) -> Any:
    """The policy (None after a message when the named file does not exist)."""
    from devicecheck.policy import load_policy

    if policy_file is not None and not Path(policy_file).is_file():
        print(f"devicecheck {command}: no such policy file: {policy_file}", file=sys.stderr)
        return None
    loaded = load_policy(Path(policy_file) if policy_file else None)
    for err in loaded.errors:
        print(f"devicecheck {command}: policy problem ({err}); using the rest.",
              file=sys.stderr)
    return loaded.policy


def _plain(text: object) -> str:
    """A reason without its technical tail: "no audio server answers (Connection failure:
    Connection refused)" -> "no audio server answers" (the tail stays in ``--json``)."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", str(text)).strip().rstrip(".")


def _source_name(s: dict[str, Any]) -> str:
    """What a source watches, in words ("Audio capture"), never its id where words exist."""
    from devicecheck.teams.detection import phrase

    words = _plain(s.get("describes") or "") or phrase(str(s["source"]))
    words = words or str(s["source"]).replace("-", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


def signal_line(s: dict[str, Any]) -> str:
    """One source in a sentence: what it is, whether it works here, and why not."""
    name = _source_name(s)
    if not s.get("live"):
        return f"{name}: not used on this laptop \u2014 {_plain(s.get('reason', ''))}."
    sees = s.get("sees") or {}
    if sees.get("problem"):
        return f"{name}: not available \u2014 {_plain(sees['problem'])}."
    seen = []
    if sees.get("meeting"):
        seen.append("a meeting is on")
    if isinstance(sees.get("recording"), list) and sees["recording"]:
        seen.append("a recording is on")
    if seen:
        return f"{name}: working \u2014 {' and '.join(seen)}."
    if sees.get("reason"):
        return f"{name}: working, nothing to read now \u2014 {_plain(sees['reason'])}."
    return f"{name}: working \u2014 no meeting now."


def format_signals(sources: list[dict[str, Any]], summary: str) -> str:
    """``watch --signals`` as text: the officer's sentence on how meetings are detected,
    then one sentence a source: available or not, and why (issue 27: no raw values, no
    source ids or back-end names; ``--json`` keeps the detail)."""
    return "\n".join([summary, *(signal_line(s) for s in sources)])


def run_signals(*, policy_file: Path | str | None, as_json: bool) -> int:
    """Build the monitor (no event loop, no clean), ask every source once, print, exit 0."""
    from PySide6.QtCore import QCoreApplication

    from devicecheck.teams.monitor import TeamsMonitor

    policy = _load_policy(policy_file, "watch --signals")
    if policy is None:
        return EXIT_USAGE
    # The text says in a sentence what each source cannot do; its warnings would say it
    # twice (``--json`` readers get them, as the detail they are).
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING if as_json else logging.ERROR,
                        format="devicecheck watch: %(message)s")
    # QTimers need an application object; nothing runs its loop.
    _app = QCoreApplication.instance() or QCoreApplication(["devicecheck-watch"])
    monitor = TeamsMonitor(policy, auto_clean=False)
    try:
        sources = monitor.snapshot()
        summary = monitor.detection()
    finally:
        monitor.stop()
    if as_json:
        print(json.dumps({"sources": sources, "summary": summary}, ensure_ascii=False,
                         default=str))
    else:
        print(format_signals(sources, summary))
    return EXIT_OK


def run_replay(path: Path | str, *, policy_file: Path | str | None, as_json: bool) -> int:
    """Replay a saved new-Teams log; events on stdout, what is left open on stderr."""
    import os
    import stat

    from devicecheck.teams.logreplay import replay_lines
    from devicecheck.teams.logtail import iter_lines

    policy = _load_policy(policy_file, "watch --replay-log")
    if policy is None:
        return EXIT_USAGE
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            print(f"devicecheck watch: not a log file: {path}", file=sys.stderr)
            return EXIT_USAGE
        with open(path, "rb") as f:     # a file the user named: all of it, a chunk at a time
            result = replay_lines(iter_lines(f.read), policy.teams.meeting_end_grace_seconds,
                                  name=Path(path).name)   # its start time: the UTC quirk
    except FileNotFoundError:
        print(f"devicecheck watch: no such log file: {path}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"devicecheck watch: cannot read the log file ({type(exc).__name__}): {path}",
              file=sys.stderr)
        return EXIT_USAGE
    for when, name, detail in result.events:
        sys.stdout.write(format_event(name, detail, as_json=as_json, now=when) + "\n")
    sys.stdout.flush()
    if result.call_lines == 0:
        print("devicecheck watch: no call lines in this log (is it a new-Teams "
              "MSTeams_*.log?).", file=sys.stderr)
    if result.untimed:
        print(f"devicecheck watch: {result.untimed} call line(s) before the first timestamp "
              "were not replayed.", file=sys.stderr)
    if result.in_meeting:
        print(f"devicecheck watch: a meeting is still on at the end of the log "
              f"({result.open_calls} open call(s)); no end is invented.", file=sys.stderr)
    return EXIT_OK
