"""Where bundled resources (icons, notice text, desktop entry, sample policy) live.

Three layouts must work without the caller caring which one it runs in:

* installed wheel: ``<site-packages>/devicecheck/resources`` (pyproject force-includes
  the top-level ``resources/`` there);
* editable / source checkout: ``<repo>/resources`` next to ``src/``;
* PyInstaller bundle: ``<sys._MEIPASS>/devicecheck/resources`` (see the spec file).

The first candidate holding the requested file wins. When none holds it, the path in
the first candidate that exists is returned anyway, so the caller's own "file missing"
error names a sensible place instead of this helper raising.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

__all__ = ["resource_path", "resource_roots"]


def resource_roots() -> list[Path]:
    """Candidate ``resources`` folders, most specific first."""
    roots: list[Path] = []
    try:
        # A wheel is a normal directory install, so files() is a real Path here;
        # a zipped install would give a Traversable, which we skip (never shipped zipped).
        packaged = resources.files("devicecheck") / "resources"
        if isinstance(packaged, Path):
            roots.append(packaged)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - package always importable
        pass
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        roots.append(Path(meipass) / "devicecheck" / "resources")
        roots.append(Path(meipass) / "resources")
    # src/devicecheck/resource_files.py -> parents[2] is the repository top level.
    roots.append(Path(__file__).resolve().parents[2] / "resources")
    return roots


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("icons", "ready.svg")``."""
    roots = resource_roots()
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    for root in roots:
        if root.is_dir():
            return root.joinpath(*parts)
    return roots[-1].joinpath(*parts)
