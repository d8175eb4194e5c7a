"""``tray.embed.EmbedWait``: the one wait for the tray host to embed the icon."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect

from devicecheck.ui.tray.embed import EmbedWait


class FakeTray:
    """Stands in for QSystemTrayIcon: only ``geometry()`` is read (empty until the host
    has embedded the icon, as Qt documents for QSystemTrayIcon::geometry)."""

    def __init__(self) -> None:
        self.rect = QRect()

    def geometry(self) -> QRect:
        return self.rect


def test_reports_the_geometry_once_embedded(qtbot: Any, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DEVICECHECK_DEBUG_TRAY", "1")
    tray = FakeTray()
    done: list[object] = []
    wait = EmbedWait(tray, done.append, poll_ms=10, wait_ms=60_000)  # type: ignore[arg-type]
    wait.start()
    qtbot.wait(50)
    assert done == []
    tray.rect = QRect(5, 6, 24, 24)
    qtbot.waitUntil(lambda: done == [True], timeout=10_000)
    assert "devicecheck-tray: geometry 5 6 24 24" in capsys.readouterr().err
    assert not wait.timer.isActive()


def test_gives_up_after_the_wait(qtbot: Any) -> None:
    done: list[bool] = []
    wait = EmbedWait(FakeTray(), done.append, poll_ms=10, wait_ms=30)  # type: ignore[arg-type]
    wait.start()
    qtbot.waitUntil(lambda: done == [False], timeout=10_000)
