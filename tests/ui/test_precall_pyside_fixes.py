"""The guard against PySide6 6.12.0's emit() reference-count bug: however many signals
the pre-call window and the tray emit, the ``True`` singleton is never freed."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from devicecheck.ui import pyside_fixes


class Emitter(QObject):
    changed = Signal(bool)


def test_many_emits_never_use_up_true() -> None:
    if sys.version_info < (3, 12) and pyside_fixes.emit_drops_true():
        assert pyside_fixes.APPLIED
    emitter, got = Emitter(), []
    emitter.changed.connect(got.append)
    for _ in range(20_000):  # more than True's natural reference count
        emitter.changed.emit(False)
    assert len(got) == 20_000
    assert sys.getrefcount(True) > 1_000
