"""A real process run by another local user (nobody), for tests that must ignore it.
Needs root (CI runs the suite as root); callers skip otherwise."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devicecheck.probes.processes import find_processes

NOBODY = 65534


@contextlib.contextmanager
def other_users_process(name: str) -> Iterator[subprocess.Popen[bytes]]:
    """A copy of ``sleep`` called ``name``, running as uid/gid nobody."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to start a process as another user")
    folder = Path(tempfile.mkdtemp(prefix="dc-other-user-"))
    os.chmod(folder, 0o755)   # nobody must reach the program
    exe = folder / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    os.chmod(exe, 0o755)
    proc = subprocess.Popen([str(exe), "60"], user=NOBODY, group=NOBODY, extra_groups=[])
    try:
        deadline = time.monotonic() + 10
        while not any(p.pid == proc.pid for p in find_processes([name], os_name="linux")):
            assert time.monotonic() < deadline, "the other user's process never showed"
            time.sleep(0.05)
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(folder)
