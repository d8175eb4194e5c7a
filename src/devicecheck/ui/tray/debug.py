"""Trace lines for the end-to-end tests and the start-up benchmark (a leaf module: every
tray module may import it)."""

from __future__ import annotations

import os
import sys

DEBUG_ENV = "DEVICECHECK_DEBUG_TRAY"


def debug_enabled() -> bool:
    return bool(os.environ.get(DEBUG_ENV))


def debug(message: str) -> None:
    """One line on stderr (``DEVICECHECK_DEBUG_TRAY=1``): the tray's real geometry,
    windows opening, states, Teams event names. Off by default; never personal data."""
    if debug_enabled():
        print(f"devicecheck-tray: {message}", file=sys.stderr, flush=True)
