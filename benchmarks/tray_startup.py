"""Tray start-up cost: DeviceCheck against a bare PySide6 tray-icon app, same run, same X.

Measures for each app (median of --runs, the two interleaved and alternating who goes
first so machine load hits both alike):

* time to icon: from process start until the tray host has embedded the icon (the app
  prints ``devicecheck-tray: geometry X Y W H`` when its icon has a real geometry; the
  bare app prints the same line the same way);
* RSS after --idle seconds (default 10) of idling with the icon shown.

Targets: DeviceCheck <= 1.5x the bare app on both. Prints both figures and the ratios;
exit status 1 when a target is missed.

Runs on the current $DISPLAY with --display, otherwise starts its own Xvfb and trayer
(Debian: xvfb trayer). DeviceCheck runs with its default policy in throwaway HOME/XDG
folders, so it does exactly what it does on a laptop with no policy installed.

Usage: python benchmarks/tray_startup.py [--runs N] [--idle S] [--display :N] [--policy F]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5
GEOMETRY = re.compile(r"devicecheck-tray: geometry -?\d+ -?\d+ (\d+) (\d+)")

BARE_APP = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

app = QApplication(["bare"])
app.setQuitOnLastWindowClosed(False)
tray = QSystemTrayIcon(QIcon(sys.argv[1]))
menu = QMenu()
menu.addAction("Quit", app.quit)
tray.setContextMenu(menu)
tray.setToolTip("bare")
tray.show()

def poll():
    g = tray.geometry()
    if g.width() > 0 and g.height() > 0:
        timer.stop()
        print(f"devicecheck-tray: geometry {g.x()} {g.y()} {g.width()} {g.height()}",
              file=sys.stderr, flush=True)

timer = QTimer()
timer.timeout.connect(poll)
timer.start(20)
app.exec()
"""


@contextmanager
def tray_display(display: str | None) -> Iterator[str]:
    if display:
        yield display
        return
    for tool in ("Xvfb", "trayer"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (Debian: apt-get install xvfb trayer), or pass --display")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        disp = ":" + pipe.readline().strip()
    trayer = subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype",
                               "request", "--height", "32"], env={**os.environ, "DISPLAY": disp},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # trayer takes the tray selection
    try:
        yield disp
    finally:
        for proc in (trayer, xvfb):
            proc.terminate()
            proc.wait(timeout=10)


class Running:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.shown_s = self._wait_icon()

    def _wait_icon(self, timeout: float = 60.0) -> float:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        for line in self.proc.stderr:  # blocks per line; the app prints few
            if GEOMETRY.search(line):
                shown = time.perf_counter() - self.start
                # Keep draining stderr so the app never blocks on a full pipe.
                threading.Thread(target=self.proc.stderr.read, daemon=True).start()
                return shown
            if time.monotonic() > deadline:
                break
        self.stop()
        raise SystemExit(f"no tray icon from {self.proc.args!r}; is a tray host running?")

    def rss_mb(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 1e6

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def environments(display: str, home: Path) -> tuple[dict[str, str], dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    base["DISPLAY"] = display
    ours = dict(base)
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    (home / "etc").mkdir(exist_ok=True)
    ours.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                XDG_DATA_HOME=str(home / ".local/share"), XDG_RUNTIME_DIR=str(home / "run"),
                XDG_CONFIG_DIRS=str(home / "etc"), DEVICECHECK_DEBUG_TRAY="1",
                PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"),
                                                       base.get("PYTHONPATH")) if p))
    return base, ours


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds idle before RSS")
    ap.add_argument("--display", help="use this X display (with a tray) instead of Xvfb+trayer")
    ap.add_argument("--policy", help="policy file for DeviceCheck (default: none)")
    args = ap.parse_args()
    icon = str(ROOT / "resources" / "icons" / "ready.svg")
    bare_argv = [sys.executable, "-c", BARE_APP, icon]
    ours_argv = [sys.executable, "-m", "devicecheck"]
    if args.policy:
        ours_argv += ["--policy", args.policy]
    times: dict[str, list[float]] = {"bare": [], "devicecheck": []}
    rss: dict[str, list[float]] = {"bare": [], "devicecheck": []}
    with tray_display(args.display) as display, tempfile.TemporaryDirectory() as tmp:
        bare_env, ours_env = environments(display, Path(tmp))
        Running(bare_argv, bare_env).stop()  # warm the page cache and .pyc files for both
        Running(ours_argv, ours_env).stop()
        for i in range(args.runs):
            order = [("bare", bare_argv, bare_env), ("devicecheck", ours_argv, ours_env)]
            if i % 2:
                order.reverse()
            running = {}
            for name, argv, env in order:
                app = Running(argv, env)
                running[name] = app
                times[name].append(app.shown_s)
            time.sleep(args.idle)  # both idle together; the later one for exactly --idle
            for name, app in running.items():
                rss[name].append(app.rss_mb())
                app.stop()
    t_bare, t_ours = statistics.median(times["bare"]), statistics.median(times["devicecheck"])
    m_bare, m_ours = statistics.median(rss["bare"]), statistics.median(rss["devicecheck"])
    t_ratio, m_ratio = t_ours / t_bare, m_ours / m_bare
    print(f"time to tray icon: devicecheck {t_ours:.3f} s, bare PySide6 {t_bare:.3f} s, "
          f"ratio {t_ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"RSS after {args.idle:g} s idle: devicecheck {m_ours:.1f} MB, bare PySide6 "
          f"{m_bare:.1f} MB, ratio {m_ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"runs: {args.runs}; times devicecheck {[round(t, 3) for t in times['devicecheck']]}, "
          f"bare {[round(t, 3) for t in times['bare']]}")
    return 0 if t_ratio <= TARGET_RATIO and m_ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
