"""A scratch copy of ``src/devicecheck`` to make a change in, and a fresh interpreter that
imports the package from there (the architecture doc's "where do I add…" rows are proved
this way: the change as a developer would make it, then everything that should follow).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

#: Runs first in the fresh interpreter: the scratch package, never the working tree's.
PRELUDE = textwrap.dedent('''
    import json, sys
    import devicecheck
    assert devicecheck.__file__.startswith(sys.argv[1]), devicecheck.__file__
''')


def scratch_copy(tmp_path: Path) -> Path:
    """Copy the package to ``tmp_path/src``; returns the package folder of the copy."""
    target = tmp_path / "src" / "devicecheck"
    shutil.copytree(REPO / "src" / "devicecheck", target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target


def edit(path: Path, anchor: str, insert: str, *, before: bool = True) -> None:
    """Insert ``insert`` just before (or after) the one place ``anchor`` is in ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(anchor) == 1, f"{anchor!r} is not in {path.name} exactly once"
    new = insert + anchor if before else anchor + insert
    path.write_text(text.replace(anchor, new), encoding="utf-8")


def run_json(package: Path, *code: str, timeout: float = 120) -> Any:
    """Run the ``code`` parts (each dedented, after ``PRELUDE``) with the scratch package
    first on the path, and return the JSON it prints on its last line."""
    src = package.parent
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(src), str(REPO / "installer"), str(REPO)])}
    proc = subprocess.run([sys.executable, "-c", PRELUDE + "".join(textwrap.dedent(c) for c in code),
                           str(src)],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=src.parent, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
