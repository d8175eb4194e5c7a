"""``qtsupport.workers.WorkerKeeper``: a pool worker stays alive until it has reported,
then is let go (no module-level lists, no hand-kept references)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QThreadPool

from devicecheck.qtsupport.workers import WorkerKeeper


def test_keeps_a_call_until_it_reports_its_result(qtbot: Any) -> None:
    keeper = WorkerKeeper(QThreadPool.globalInstance())
    got: list[object] = []
    keeper.call(lambda: 6 * 7, got.append)
    assert len(keeper) == 1  # held while on the pool
    qtbot.waitUntil(lambda: got == [42], timeout=10_000)
    assert len(keeper) == 0


def test_keeps_a_call_until_it_reports_its_failure(qtbot: Any) -> None:
    keeper = WorkerKeeper()
    failed: list[str] = []

    def boom() -> None:
        raise OSError("disk gone")

    keeper.call(boom, on_failed=failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=10_000)
    assert failed == ["OSError: disk gone"]
    assert len(keeper) == 0
