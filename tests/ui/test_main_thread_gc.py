"""The cyclic garbage collector runs in the GUI thread only (ui/main_thread_gc.py)."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

from devicecheck.qtsupport.main_thread_gc import MainThreadGC, install


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def make_garbage() -> weakref.ref[Node]:
    return weakref.ref(Node())


def test_install_once_per_application_and_automatic_gc_off(qapp: Any) -> None:
    collector = install(qapp)
    assert install(qapp) is collector
    assert collector.parent() is qapp and collector.timer.isActive()
    assert not gc.isenabled()


def test_a_worker_thread_never_collects_the_gui_threads_garbage(qapp: Any) -> None:
    collector = install(qapp)
    garbage = make_garbage()
    kept: list[list[int]] = []

    def allocate() -> None:
        # Far past the thresholds: CPython would collect here, in this thread.
        kept.extend([i] for i in range(50_000))

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert garbage() is not None  # not collected in the worker
    assert collector.check() >= 1  # but here, in the GUI thread
    assert garbage() is None
    kept.clear()


def test_collects_on_its_timer_with_cpythons_thresholds(qapp: Any, qtbot: Any) -> None:
    collector = MainThreadGC(interval_ms=10)
    try:
        collector.thresholds = (0, 10, 10)  # gen 0 is due at once
        garbage = make_garbage()
        qtbot.waitUntil(lambda: garbage() is None, timeout=2000)
        assert collector.collected >= 1
    finally:
        collector.stop()
        assert not gc.isenabled()  # stop() restores what it found: off, under the suite's
        collector.deleteLater()
