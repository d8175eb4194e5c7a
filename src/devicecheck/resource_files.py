"""Where bundled resources (icons, notice text, desktop entry, sample policy) live.

Three layouts must work without the caller caring which one it runs in:

* installed wheel: ``<site-packages>/devicecheck/resources`` (pyproject force-includes
  the top-level ``resources/`` there); ``importlib.resources`` is asked as well, last,
  for unusual loaders;
* editable / source checkout: ``<repo>/resources`` next to ``src/``;
* PyInstaller bundle: ``<sys._MEIPASS>/devicecheck/resources`` (see the spec file).

The first candidate holding the requested file wins. When none holds it, the path in
the first candidate that exists is returned anyway, so the caller's own "file missing"
error names a sensible place instead of this helper raising.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["resource_path", "resource_roots"]


def resource_roots() -> list[Path]:
    """Candidate ``resources`` folders, most specific first."""
    # Next to the package: the wheel layout, and what importlib.resources.files() gives
    # for a normal install, without importing importlib.resources (and zipfile) at start-up.
    package = Path(__file__).resolve().parent
    roots: list[Path] = [package / "resources"]
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        roots.append(Path(meipass) / "devicecheck" / "resources")
        roots.append(Path(meipass) / "resources")
    # src/devicecheck/resource_files.py -> parents[2] is the repository top level.
    roots.append(package.parents[1] / "resources")
    return roots


def _importlib_root() -> Path | None:
    """The package's resources as importlib.resources sees them (other loaders)."""
    from importlib import resources

    try:
        packaged = resources.files("devicecheck") / "resources"
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - package always importable
        return None
    # A zipped install would give a Traversable that is not a Path: never shipped zipped.
    return packaged if isinstance(packaged, Path) else None


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("icons", "ready.svg")``."""
    roots = resource_roots()
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    extra = _importlib_root()
    if extra is not None and extra.joinpath(*parts).exists():
        return extra.joinpath(*parts)
    for root in roots:
        if root.is_dir():
            return root.joinpath(*parts)
    return roots[-1].joinpath(*parts)
