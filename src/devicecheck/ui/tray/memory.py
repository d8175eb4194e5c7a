"""Giving memory back after a check run (a leaf module, no Qt)."""

from __future__ import annotations

import sys


def release_memory() -> None:
    """Give the heap that a check run's threads used back to the OS (glibc keeps freed
    per-thread arenas otherwise): the tray idles for hours between runs."""
    if sys.platform != "linux":
        return
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to trim
        pass
