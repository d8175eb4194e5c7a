"""Paths and small helpers shared by the builders."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"
DIST = ROOT / "dist"
BUILD = ROOT / "build"

if str(ROOT / "src") not in sys.path:
    # build.py runs from a checkout; the package need not be installed to build it.
    sys.path.insert(0, str(ROOT / "src"))

from devicecheck import __version__ as VERSION  # noqa: E402

__all__ = ["BUILD", "DIST", "INSTALLER", "ROOT", "VERSION", "BuildError", "run"]


class BuildError(Exception):
    """A build step failed for a reason the person building should read."""


def run(args: Sequence[str | Path], *, cwd: Path | None = None, timeout: float = 1800,
        env: dict[str, str] | None = None) -> str:
    """Run a build tool (argument list, never a shell); its output on failure."""
    try:
        proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
    except FileNotFoundError as exc:
        raise BuildError(f"{args[0]} is not installed (see docs/it-deployment.md)") from exc
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}")
    return proc.stdout
