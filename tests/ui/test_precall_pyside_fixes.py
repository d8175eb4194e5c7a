"""The guard against PySide6 6.12.0's reference-count bug: however many signals the
pre-call window and the tray emit and void Qt calls they make, ``True`` and ``None`` are
never freed."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from devicecheck.ui import pyside_fixes


class Emitter(QObject):
    changed = Signal(bool)


def test_many_emits_never_use_up_true() -> None:
    if sys.version_info < (3, 12) and (pyside_fixes.emit_drops_true()
                                       or pyside_fixes.void_call_drops_none()):
        assert pyside_fixes.APPLIED
    emitter, got = Emitter(), []
    emitter.changed.connect(got.append)
    for _ in range(20_000):  # more than True's natural reference count
        emitter.changed.emit(False)
    assert len(got) == 20_000
    assert sys.getrefcount(True) > 1_000


def test_many_void_calls_never_use_up_none() -> None:
    emitter = Emitter()
    for _ in range(20_000):
        emitter.setObjectName("x")  # a void Qt method
    assert sys.getrefcount(None) > 1_000
