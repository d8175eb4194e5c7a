"""Test-only guard for a PySide6 6.12.0 bug on CPython < 3.12.

There, every call of a void Qt method drops one reference to ``None`` and every signal
``emit()`` one to ``True`` (before 3.12 these objects are not immortal). A test session
that drives timers and signals hard, as the Teams link tests do, then aborts at exit with
"Fatal Python error: none_dealloc / bool_dealloc" (exit code 134). PySide6 6.11.3 is not
affected (checked with the same calls). The fix is to keep PySide6 below 6.12 until a fixed
release; until then ``refcount_guard`` gives back, after each test, the references the
test lost, and importing this module lends the process a reserve of references for
whatever is lost outside a test (fixture teardown, pytest-qt's own event processing,
interpreter shutdown): 100 000 each, under 3 MB. On an unaffected PySide6 or Python it
does nothing.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import PySide6
import pytest

AFFECTED = PySide6.__version__ == "6.12.0" and sys.version_info < (3, 12)
_SLACK = 32   # pytest-qt processes events after our teardown: cover that too
_RESERVE = 100_000
_bank: list[object] = [None, True, False] * _RESERVE if AFFECTED else []


@pytest.fixture(autouse=True)
def refcount_guard() -> Iterator[None]:
    if not AFFECTED:
        yield
        return
    watched = (None, True, False)
    before = [sys.getrefcount(o) for o in watched]
    yield
    gc.collect()
    for obj, was in zip(watched, before, strict=True):
        lost = was - sys.getrefcount(obj)
        if lost > 0:
            _bank.extend([obj] * (lost + _SLACK))
