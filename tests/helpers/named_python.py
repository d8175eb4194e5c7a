"""A Python interpreter whose executable file is named like a Teams client, for the
stand-ins (``fake_teams_client.py``, ``fake_meeting_window.py``).

DeviceCheck knows a client by the file its process runs (``probes/processes.py``
``executable_name``: psutil ``exe()``, i.e. the resolved ``/proc/<pid>/exe``), never by
argv[0] or a name set with ``prctl`` (issue 29 #8). The real teams-for-linux runs
``/opt/teams-for-linux/teams-for-linux`` (or its Snap/Flatpak copy), and every Electron
child process runs that same file. A symlink named ``teams-for-linux`` would resolve to
the interpreter, so the stand-in runs a *copy* of the interpreter binary under the
client's name; its children (``sys.executable``) run the same copy, like Electron's.

The copy sits in ``<tmp>/bin/`` beside a ``pyvenv.cfg`` whose ``home`` is the real
interpreter's folder, and ``<tmp>/lib`` links to this environment's ``lib``: Python's
start-up (``getpath``) then treats it as this virtual environment, so the stand-in
imports what the suite does (PySide6 for the meeting window). Outside a virtual
environment the copy finds the standard library by its built-in prefix.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

_MADE: dict[str, Path] = {}


def named_python(name: str = "teams-for-linux") -> Path:
    """The path of an interpreter copy called ``name`` (made once per test process)."""
    if name in _MADE and _MADE[name].exists():
        return _MADE[name]
    base = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    root = Path(tempfile.mkdtemp(prefix="dc-standin-"))
    atexit.register(shutil.rmtree, root, True)
    (root / "bin").mkdir()
    exe = root / "bin" / name
    shutil.copy2(base, exe)
    if sys.prefix != sys.base_prefix:
        (root / "pyvenv.cfg").write_text(
            f"home = {base.parent}\ninclude-system-site-packages = false\n"
            f"version = {sysconfig.get_python_version()}\n")
        (root / "lib").symlink_to(Path(sys.prefix) / "lib", target_is_directory=True)
    _MADE[name] = exe
    return exe
