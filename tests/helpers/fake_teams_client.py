"""A stand-in for teams-for-linux, for the restart-to-clean tests and the benchmark.

Run it as a program (standard library only, so a relaunch by its remembered argv works
with any interpreter)::

    python fake_teams_client.py --root DIR [--ready FILE] [--ignore-term] [--children N]
                                [--tag TEXT] [--interval S]

What it copies from the real client, and where that comes from:
- its executable file is named ``teams-for-linux``: tests run it with a copy of the
  interpreter of that name (``named_python.py``; ``teams_standin.start`` does), because
  DeviceCheck knows a client by the file its process runs (psutil ``exe()``), never by
  argv[0] or a ``prctl`` name (issue 29 #8), and the real client runs
  ``/opt/teams-for-linux/teams-for-linux``. Its children run the same file
  (``sys.executable``), as Electron's do; ``exec`` sets /proc/<pid>/comm from the file's
  name, so psutil's ``name()`` says ``teams-for-linux`` too.
- it keeps a data folder like teams-for-linux's (``Partitions/teams-4-linux/IndexedDB``,
  ``Local Storage``, ``Cache``..., shared/reference/teams.md) and keeps writing into it
  while it runs, as Chromium's stores do.
- SIGTERM quits it cleanly, as Electron's main process does (its SIGTERM handler starts a
  graceful shutdown: electron ``shell/browser/electron_browser_main_parts_posix.cc``);
  its children (``--children``, like Electron's renderers: same name, parent = the main
  process) end with it. ``--ignore-term`` makes it ignore SIGTERM (a hung client).

It seeds the data folder only when the folder has no ``config.json`` yet (a client
started again after a clean finds its settings kept and its meeting data gone) and only
writes into folders that still exist, so a test can see that the data stayed gone after
the relaunch. Each start appends one JSON line ``{"pid", "argv", "cwd", "child"}`` to
``--ready`` so tests can see the relaunch and its arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PART = Path("Partitions") / "teams-4-linux"
SEED = (
    PART / "IndexedDB" / "https_teams.microsoft.com_0.indexeddb.leveldb" / "000003.log",
    PART / "Local Storage" / "leveldb" / "000005.ldb",
    PART / "Session Storage" / "000004.log",
    PART / "Cache" / "Cache_Data" / "data_0",
    PART / "Code Cache" / "js" / "index",
    PART / "GPUCache" / "data_1",
    PART / "Service Worker" / "ScriptCache" / "index",
    Path("logs") / "main.log",
)
KEPT = (Path("config.json"), PART / "Preferences")
#: Files it keeps appending to while it runs (only while their folder exists).
LIVE = (SEED[0], SEED[1], SEED[3])


def seed(root: Path) -> None:
    if (root / "config.json").exists():
        return
    for rel in SEED + KEPT:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"meeting data: resident@example.org 10.0.0.7\n")


def append_live(root: Path, n: int) -> None:
    for rel in LIVE:
        try:
            fd = os.open(root / rel, os.O_WRONLY | os.O_APPEND)  # never re-creates a file
        except OSError:
            continue
        try:
            os.write(fd, f"record {n}\n".encode())
        finally:
            os.close(fd)


def announce(ready: str | None, child: bool) -> None:
    if ready:
        line = json.dumps({"pid": os.getpid(), "argv": sys.argv, "cwd": os.getcwd(),
                           "child": child}) + "\n"
        fd = os.open(ready, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--ready")
    ap.add_argument("--ignore-term", action="store_true")
    ap.add_argument("--children", type=int, default=0)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tag", default="")
    ap.add_argument("--interval", type=float, default=0.05)
    args = ap.parse_args()
    stop = False

    def on_term(_sig: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, signal.SIG_IGN if args.ignore_term else on_term)
    root = Path(args.root)
    kids: list[subprocess.Popen[bytes]] = []
    if not args.child:
        seed(root)
        base = [sys.executable, os.path.abspath(__file__), "--root", args.root, "--child",
                "--tag", args.tag, *(["--ignore-term"] if args.ignore_term else [])]
        kids = [subprocess.Popen(base, stdin=subprocess.DEVNULL)
                for _ in range(args.children)]
    announce(args.ready, args.child)
    n = 0
    while not stop:
        if not args.child:
            append_live(root, n)
            n += 1
        time.sleep(args.interval)
    for kid in kids:  # as Electron's main process takes its renderers down with it
        kid.terminate()
    for kid in kids:
        try:
            kid.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kid.kill()
            kid.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
