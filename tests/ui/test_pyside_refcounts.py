"""The installed PySide6 keeps its references to ``None`` and ``True``.

PySide6 6.12.0 dropped one on every signal ``emit()`` and every void Qt call; on CPython
3.11, where those objects are not immortal, a tray app running all day then aborts with
"Fatal Python error: bool_dealloc / none_dealloc". pyproject.toml keeps PySide6 below
6.12 for that reason: this test fails if a release with the bug is ever installed.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

CALLS = 2_000
#: Other threads (an earlier test's pool workers) take and drop references too; the bug
#: loses one per call, so anything within this margin is noise.
SLACK = 200


class Emitter(QObject):
    changed = Signal(bool)


def test_emit_keeps_true_alive() -> None:
    emitter = Emitter()
    got: list[bool] = []
    emitter.changed.connect(got.append)
    before = sys.getrefcount(True)
    for _ in range(CALLS):
        emitter.changed.emit(False)
    assert len(got) == CALLS
    assert sys.getrefcount(True) >= before - SLACK


def test_void_calls_keep_none_alive() -> None:
    emitter = Emitter()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        emitter.setObjectName("x")  # a void Qt method returns None
    assert sys.getrefcount(None) >= before - SLACK
