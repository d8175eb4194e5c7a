"""Work around a reference-count bug in PySide6 6.12.0 on CPython 3.11.

``SignalInstance.emit()`` returns ``True`` without taking a reference to it, and every
void Qt method returns ``None`` the same way, so a running app drops references to those
singletons all the time. After a few thousand (a tray app running all day, or a test
session) CPython frees one of them and aborts with "Fatal Python error: bool_dealloc" or
"none_dealloc". CPython 3.12+ made these objects immortal, which is what this does on
older versions when, and only when, a probe shows the bug: it gives ``None``, ``True``
and ``False`` so many extra references that no run can use them up. Importing this module
is enough; it is idempotent. PySide6 6.11.3 is not affected.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

#: Far more references than any process will ever emit signals.
_EXTRA_REFS = 1 << 40


class _Probe(QObject):
    ping = Signal()


def emit_drops_true() -> bool:
    """Whether ``emit()`` here returns ``True`` without a reference (the 6.12.0 bug)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def void_call_drops_none() -> bool:
    """Whether a void Qt method here returns ``None`` without a reference."""
    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before


def _apply() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # immortal booleans already
    if not (emit_drops_true() or void_call_drops_none()):
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _EXTRA_REFS
    return True


APPLIED: bool = _apply()
