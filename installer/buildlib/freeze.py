"""``build.py freeze``: the PyInstaller onedir for the OS we run on."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from buildlib.common import BUILD, DIST, INSTALLER, BuildError, run

SPEC = INSTALLER / "pyinstaller" / "devicecheck.spec"
#: The unpacked budget from the issue; freeze fails rather than ship something bigger.
BUDGET_BYTES = 200 * 1024 * 1024


def program_name() -> str:
    return "devicecheck.exe" if sys.platform == "win32" else "devicecheck"


def tree_size(folder: Path) -> int:
    """Bytes on disk the unpacked folder takes (symlinks counted once, as links)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def freeze(distpath: Path = DIST) -> Path:
    """Run PyInstaller on the spec; return the onedir folder (``dist/devicecheck``)."""
    if importlib.util.find_spec("PyInstaller") is None:
        raise BuildError("PyInstaller is not installed in this Python: "
                         "run `.venv/bin/pip install -e '.[build]'`")
    out = distpath / "devicecheck"
    if out.exists():
        shutil.rmtree(out)
    run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", distpath, "--workpath", BUILD / "pyinstaller", SPEC])
    exe = out / program_name()
    if not exe.exists():
        raise BuildError(f"PyInstaller finished but {exe} is missing")
    size = tree_size(out)
    if size > BUDGET_BYTES:
        raise BuildError(f"{out} is {size / 2**20:.0f} MB unpacked, over the "
                         f"{BUDGET_BYTES / 2**20:.0f} MB budget")
    print(f"froze {exe} ({size / 2**20:.1f} MB unpacked)")
    return out
