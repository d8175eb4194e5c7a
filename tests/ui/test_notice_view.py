"""The notice as the officer sees it: every fact in the rendered built-in notice, IT's own
Markdown or HTML file, zoom by keys and buttons, links that open outside the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from devicecheck.notice import load_notice
from devicecheck.policy import Policy
from devicecheck.ui.notice_dialog import MAX_ZOOM, NoticeDialog, NoticeView
from tests.test_notice import NOTICE_FACTS, policy_with


def show(qtbot: Any, widget: Any) -> Any:
    qtbot.addWidget(widget)
    with qtbot.waitActive(widget):  # shortcuts fire only in the active window
        widget.show()
        widget.activateWindow()
    return widget


def test_rendered_default_notice_carries_every_fact(qtbot: Any) -> None:
    view = show(qtbot, NoticeView(load_notice(Policy())))
    rendered = " ".join(view.plain_text().split())
    missing = [f"{fact}: {phrase}" for fact, phrases in NOTICE_FACTS.items()
               for phrase in phrases if phrase not in rendered]
    assert missing == []
    # Rendered, not shown as source: no Markdown or HTML syntax reaches the officer.
    assert "##" not in rendered and "](" not in rendered and "<" not in rendered


def test_links_open_in_the_browser_and_are_real_links(qtbot: Any) -> None:
    view = show(qtbot, NoticeView(load_notice(Policy())))
    assert view.browser.openExternalLinks()
    assert 'href="mailto:legal@breckland.gov.uk"' in view.browser.toHtml()
    assert 'href="tel:+441362656870"' in view.browser.toHtml()


def test_zoom_by_keys_and_buttons(qtbot: Any) -> None:
    view = show(qtbot, NoticeView(load_notice(Policy())))
    view.browser.setFocus()
    size = view.browser.font().pointSizeF()
    qtbot.keyClick(view.browser, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 1 and view.browser.font().pointSizeF() > size
    qtbot.keyClick(view.browser, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.browser, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == -1 and view.browser.font().pointSizeF() < size
    view.larger.setFocus()
    for _ in range(MAX_ZOOM + 3):
        if view.larger.isEnabled():
            qtbot.keyClick(view.larger, Qt.Key.Key_Space)
    assert view.zoom == MAX_ZOOM and not view.larger.isEnabled()


def test_text_follows_the_system_font(qtbot: Any) -> None:
    view = show(qtbot, NoticeView(load_notice(Policy())))
    assert view.browser.document().defaultFont().pointSizeF() == view.font().pointSizeF()


def test_it_markdown_and_html_files_render(qtbot: Any, tmp_path: Path) -> None:
    md = tmp_path / "n.md"
    md.write_text("# Council\n\n- **Bold** item\n", encoding="utf-8")
    view = show(qtbot, NoticeView(load_notice(policy_with(file=str(md)))))
    assert view.plain_text().splitlines()[:2] == ["Council", "Bold item"]
    page = tmp_path / "n.html"
    page.write_text("<html><body><h1>Council</h1><p>Para <i>one</i>.</p></body></html>",
                    encoding="utf-8")
    view = show(qtbot, NoticeView(load_notice(policy_with(file=str(page)))))
    assert view.plain_text().split() == ["Council", "Para", "one."]


def test_notice_dialog_closes_on_escape(qtbot: Any) -> None:
    dialog = show(qtbot, NoticeDialog(load_notice(Policy())))
    assert dialog.view.browser.hasFocus() or dialog.view.browser.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
