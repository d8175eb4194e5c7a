"""Work around a reference-count bug in PySide6 6.12.0 on CPython 3.11.

``SignalInstance.emit()`` returns ``True`` without taking a reference to it, so every
signal emitted from Python drops one reference to the ``True`` singleton. After a few
thousand emits (a tray app running all day, or a test session) CPython frees ``True``
and aborts with "Fatal Python error: bool_dealloc". CPython 3.12+ made ``True`` and
``False`` immortal, which is exactly what this does on older versions when, and only
when, a probe shows the bug: it gives both singletons so many extra references that no
run can use them up. Importing this module is enough; it is idempotent.
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


def _apply() -> bool:
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # immortal booleans already
    if not emit_drops_true():
        return False
    for singleton in (True, False):
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _EXTRA_REFS
    return True


APPLIED: bool = _apply()
