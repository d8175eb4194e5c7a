"""Run the stand-in Teams client (``fake_teams_client.py``) from tests and benchmarks.

Every stand-in carries a unique ``--tag`` in its argv; ``control_for_tag`` gives a
``LinuxControl`` that sees only processes with that tag, so a test never signals another
test's (or the officer's) real ``teams-for-linux``, and ``stop_tagged`` ends everything
with the tag, relaunched copies included.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from devicecheck.cleaner.control import ClientProcess, LinuxControl
from tests.helpers.named_python import named_python

FAKE = Path(__file__).with_name("fake_teams_client.py")


@dataclass
class StandIn:
    root: Path
    ready: Path
    tag: str
    proc: subprocess.Popen[bytes]
    argv: list[str] = field(default_factory=list)

    def starts(self) -> list[dict[str, Any]]:
        """One entry per start of the main process (children left out), oldest first."""
        try:
            lines = self.ready.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [d for d in (json.loads(x) for x in lines if x.strip()) if not d["child"]]

    def tagged(self) -> list[psutil.Process]:
        return tagged(self.tag)

    def control(self, **kwargs: Any) -> LinuxControl:
        return control_for_tag(self.tag, **kwargs)


def tagged(tag: str) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline", "status"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if tag in (p.info["cmdline"] or ()) and p.info["status"] != psutil.STATUS_ZOMBIE:
                out.append(p)
    return out


def control_for_tag(tag: str, **kwargs: Any) -> LinuxControl:
    def accept(row: ClientProcess) -> bool:
        return tag in row.cmdline

    return LinuxControl(accept=accept, **kwargs)


def wait_for(cond: Any, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def start(root: Path, ready: Path, *, ignore_term: bool = False, children: int = 0,
          cwd: Path | None = None) -> StandIn:
    tag = f"standin-{uuid.uuid4().hex}"
    # Run by an interpreter whose file is named teams-for-linux: DeviceCheck knows the
    # client by its executable, as it knows the real one (named_python.py).
    argv = [str(named_python()), str(FAKE), "--root", str(root), "--ready", str(ready),
            "--tag", tag, "--children", str(children),
            *(["--ignore-term"] if ignore_term else [])]
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL)
    s = StandIn(root, ready, tag, proc, argv)
    # Visible under its Teams name, with its children, and its data folder seeded.
    control = s.control()
    wait_for(lambda: len(control.find("teams-for-linux")) == 1 + children
             and len(s.starts()) == 1, what="the stand-in to start")
    return s


def stop_tagged(tag: str) -> None:
    for p in tagged(tag):
        with contextlib.suppress(psutil.Error, OSError):
            os.kill(p.pid, signal.SIGKILL)


@contextlib.contextmanager
def running(root: Path, ready: Path, **kwargs: Any) -> Iterator[StandIn]:
    s = start(root, ready, **kwargs)
    try:
        yield s
    finally:
        stop_tagged(s.tag)
        with contextlib.suppress(subprocess.TimeoutExpired):
            s.proc.wait(timeout=10)
        s.proc.poll()
