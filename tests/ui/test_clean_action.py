""""Clear meeting data now…": plan shown, confirmation asked, clean run off the GUI thread."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox

from devicecheck.audit import AuditLog
from devicecheck.cleaner.plan import human_bytes
from devicecheck.policy.model import Policy
from devicecheck.ui.windows.clean_action import CleanFlow, plan_text, result_text
from tests.ui.tray_helpers import make_harness

__all__ = ["make_harness"]  # the fixture, imported for pytest


@dataclass
class T:
    files: int
    bytes: int


@dataclass
class Root:
    label: str
    deletable: list[T]
    running: bool = False
    refused: str | None = None


@dataclass
class Plan:
    clients: list[Root] = field(default_factory=list)


@dataclass
class Result:
    removed_files: int = 12
    removed_bytes: int = 5 * 1024 * 1024
    refused: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def fake_cleaner(monkeypatch: pytest.MonkeyPatch) -> Any:
    mod = types.ModuleType("devicecheck.cleaner")
    mod.calls = []  # type: ignore[attr-defined]
    mod.plan = Plan([Root("New Teams", [T(10, 2048), T(2, 5 * 1024 * 1024)])])  # type: ignore[attr-defined]

    def plan_clean(policy: Policy) -> Plan:
        mod.calls.append("plan")  # type: ignore[attr-defined]
        return mod.plan  # type: ignore[attr-defined, no-any-return]

    def clean(policy: Policy, *, audit: AuditLog) -> Result:
        mod.calls.append("clean")  # type: ignore[attr-defined]
        return Result()

    mod.plan_clean = plan_clean  # type: ignore[attr-defined]
    mod.clean = clean  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "devicecheck.cleaner", mod)
    return mod


def flow(qtbot: Any, tmp_path: Any) -> CleanFlow:
    f = CleanFlow(Policy(), AuditLog(tmp_path / "audit.jsonl"))
    return f


def click(box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text().replace("&", "") == text)
    button.click()


def test_plan_confirm_clean(qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    f = flow(qtbot, tmp_path)
    f.start()
    qtbot.waitUntil(lambda: f.box is not None and f.box.isVisible(), timeout=5000)
    box = f.box
    assert "New Teams: 12 files, 5.0 MB" in box.text()
    assert box.defaultButton().text() == "Cancel"  # deleting is never the default
    assert fake_cleaner.calls == ["plan"]
    with qtbot.waitSignal(f.done, timeout=5000) as blocker:
        click(box, "Clear now")
    assert fake_cleaner.calls == ["plan", "clean"]
    assert blocker.args[0].removed_files == 12
    assert f.box is not None and "Removed 12 files (5.0 MB)." in f.box.text()
    f.box.close()
    QThreadPool.globalInstance().waitForDone(5000)


def test_cancel_cleans_nothing(qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    f = flow(qtbot, tmp_path)
    f.start()
    qtbot.waitUntil(lambda: f.box is not None and f.box.isVisible(), timeout=5000)
    with qtbot.waitSignal(f.done, timeout=5000) as blocker:
        click(f.box, "Cancel")
    assert blocker.args == [None] and fake_cleaner.calls == ["plan"]


def test_nothing_to_clear(qtbot: Any, tmp_path: Any, fake_cleaner: Any) -> None:
    fake_cleaner.plan = Plan([Root("Teams classic", [])])
    f = flow(qtbot, tmp_path)
    f.start()
    qtbot.waitUntil(lambda: f.box is not None and f.box.isVisible(), timeout=5000)
    assert f.box.text() == "There is no meeting data to clear."
    f.box.close()


def test_cleaner_missing_is_explained(qtbot: Any, tmp_path: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "devicecheck.cleaner", None)
    f = flow(qtbot, tmp_path)
    f.start()
    assert f.box is not None and "not available" in f.box.text()
    f.box.close()


def test_real_cleaner_on_an_empty_home(qtbot: Any, tmp_path: Any) -> None:
    pytest.importorskip("devicecheck.cleaner")
    f = flow(qtbot, tmp_path)
    f.start()
    qtbot.waitUntil(lambda: f.box is not None and f.box.isVisible(), timeout=10_000)
    assert f.box.text() == "There is no meeting data to clear."
    f.box.close()
    QThreadPool.globalInstance().waitForDone(5000)


def test_texts() -> None:
    assert human_bytes(10) == "10 bytes" and human_bytes(1536) == "1.5 KB"
    text, anything = plan_text(Plan([Root("Teams", [T(1, 10)], running=True),
                                     Root("Browser", [], refused="not a folder")]))
    assert anything and "running now" in text and "Browser: left alone (not a folder)" in text
    assert result_text(Result(refused=["teams-new"], failures=[{}])) == (
        "Removed 12 files (5.0 MB). Left alone because it is running: teams-new. "
        "1 item(s) could not be removed.")


def test_tray_menu_entry_runs_the_flow(qtbot: Any, fake_cleaner: Any, make_harness: Any) -> None:
    from devicecheck.checks.base import Status
    from tests.ui.tray_helpers import policy_with, scripted

    h = make_harness(policy_with(), scripted(Status.PASS))
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):
        h.app.start()
    h.app.menu.clean.trigger()
    f = h.app.windows["clean"]
    qtbot.waitUntil(lambda: f.box is not None and f.box.isVisible(), timeout=5000)
    with qtbot.waitSignal(h.app.reportReady, timeout=10_000):  # meeting-data checked again
        click(f.box, "Clear now")
    assert fake_cleaner.calls == ["plan", "clean"]
    f.box.close()
