"""Driving a real app on an X server: the app as a subprocess whose debug lines on stderr
are collected in a thread, and thin wrappers round xdotool and xwininfo."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path


def xdo(display: str, *args: str) -> str:
    proc = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=20,
                          env={**os.environ, "DISPLAY": display}, check=False)
    return proc.stdout.strip()


def is_viewable(display: str, wid: str) -> bool:
    proc = subprocess.run(["xwininfo", "-id", wid], capture_output=True, text=True, timeout=10,
                          env={**os.environ, "DISPLAY": display}, check=False)
    return "Map State: IsViewable" in proc.stdout


TREE_LINE = re.compile(r'^\s*(0x[0-9a-f]+) (?:"(.*?)"|\(has no name\)).*?'
                       r'(\d+)x(\d+)[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)\s*$')


def tree(display: str) -> list[tuple[str, str, int, int, int, int]]:
    """Every window as (id, name, width, height, absolute x, absolute y), from
    ``xwininfo -root -tree`` (xdotool's name search misses Qt's balloons and tray icon)."""
    proc = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                          env={**os.environ, "DISPLAY": display}, timeout=10, check=False)
    out = []
    for line in proc.stdout.splitlines():
        if m := TREE_LINE.match(line):
            wid, name, w, h, x, y = m.groups()
            out.append((wid, name or "", int(w), int(h), int(x), int(y)))
    return out


def visible_windows(display: str, name: str) -> list[str]:
    """Mapped windows whose name matches the regex, including override-redirect ones
    (menus, notification balloons)."""
    regex = re.compile(name)
    return [wid for wid, wname, *_ in tree(display)
            if regex.search(wname) and is_viewable(display, wid)]


def wait_window(display: str, name: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = visible_windows(display, name)
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no visible window named like {name!r}")


def window_geometry(display: str, wid: str) -> tuple[int, int, int, int]:
    """Absolute x, y, width, height."""
    for w, _name, width, height, x, y in tree(display):
        if w == wid:
            return x, y, width, height
    raise AssertionError(f"window {wid} is gone")


class App:
    """``python -m devicecheck [args]`` with stderr lines queued for ``wait_line``."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "devicecheck", *args], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: list[str] = []
        #: pattern -> how many lines wait_new_line has looked at for it
        self._cursors: dict[str, int] = {}
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_line(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """The first line (new or already seen) matching ``pattern``."""
        regex = re.compile(pattern)
        for line in self.lines:
            if m := regex.search(line):
                return m
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self._queue.empty():
                    break
                continue
            self.lines.append(line)
            if m := regex.search(line):
                return m
        raise AssertionError(f"no line matching {pattern!r}; got:\n" + "\n".join(self.lines))

    def wait_new_line(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """The next line matching ``pattern`` after the last one this method returned for
        the same pattern: for trace lines that repeat, such as a scroll position (each
        pattern keeps its own place, so reading one kind of line skips no other kind)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            while self._cursors.get(pattern, 0) < len(self.lines):
                line = self.lines[self._cursors.get(pattern, 0)]
                self._cursors[pattern] = self._cursors.get(pattern, 0) + 1
                if m := regex.search(line):
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                self.lines.append(self._queue.get(timeout=min(0.1, left)))
            except queue.Empty:
                if self.proc.poll() is not None and self._queue.empty():
                    break
        raise AssertionError(f"no new line matching {pattern!r}; got:\n"
                             + "\n".join(self.lines[-40:]))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


def write_policy(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
