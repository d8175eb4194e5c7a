"""The notice as the officer sees it: every fact in the rendered built-in notice, IT's own
Markdown or HTML file, zoom by keys and buttons, links that open outside the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument

from devicecheck.notice import load_notice
from devicecheck.policy import Policy
from devicecheck.ui.windows.notice_dialog import MAX_ZOOM, NoticeDialog, NoticeView, SafeBrowser
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


def recorder(view: NoticeView) -> list[str]:
    handed: list[str] = []
    view.opener = lambda url: handed.append(url.toString())
    return handed


def test_links_open_in_the_browser_and_are_real_links(qtbot: Any) -> None:
    view = show(qtbot, NoticeView(load_notice(Policy())))
    handed = recorder(view)
    assert not view.browser.openExternalLinks() and not view.browser.openLinks()
    assert 'href="mailto:legal@breckland.gov.uk"' in view.browser.toHtml()
    assert 'href="tel:+441362656870"' in view.browser.toHtml()
    view.browser.anchorClicked.emit(QUrl("mailto:legal@breckland.gov.uk"))
    view.browser.anchorClicked.emit(QUrl("tel:+441362656870"))
    view.browser.anchorClicked.emit(QUrl("https://www.breckland.gov.uk/"))
    assert handed == ["mailto:legal@breckland.gov.uk", "tel:+441362656870",
                      "https://www.breckland.gov.uk/"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "smb://server/share", "file:///etc/passwd",
                                 "http://plain.example/", "ms-settings:privacy"])
def test_other_links_are_not_opened(qtbot: Any, url: str) -> None:
    """Issue 17, item 5: javascript: and smb: links went to the OS, file: opened inside."""
    view = show(qtbot, NoticeView(load_notice(Policy())))
    handed = recorder(view)
    before = view.browser.toPlainText()
    view.browser.anchorClicked.emit(QUrl(url))
    assert handed == [] and view.opened == []
    assert view.browser.toPlainText() == before   # nothing loaded into the view either


def test_markdown_raw_html_is_visible_in_the_view(qtbot: Any, tmp_path: Path) -> None:
    """Issue 17, item 4: Qt's Markdown reader hid text after <br>, an inline <img> and
    <Placeholder>, while the acknowledgement covered the whole text."""
    file = tmp_path / "notice.md"
    file.write_text("# Notice\n\nFirst line<br>text after the break, an <img src=x.png> "
                    "image and the <Placeholder> word.\n", encoding="utf-8")
    notice = load_notice(policy_with(file=str(file)))
    view = show(qtbot, NoticeView(notice))
    shown = " ".join(view.plain_text().split())
    for part in ("text after the break", "<img src=x.png>", "<Placeholder>"):
        assert part in shown, (part, shown)
    assert "First line<br>text after the break" in shown


def test_html_notice_image_is_not_loaded(qtbot: Any, tmp_path: Path) -> None:
    file = tmp_path / "notice.html"
    file.write_text('<h1>N</h1><p>before <img src="file:///dev/zero"> after</p>',
                    encoding="utf-8")
    view = show(qtbot, NoticeView(load_notice(policy_with(file=str(file)))))
    assert "before" in view.plain_text() and "after" in view.plain_text()
    assert "dev/zero" not in view.browser.toHtml()


def test_the_browser_loads_no_resource_even_if_asked(qtbot: Any) -> None:
    browser = SafeBrowser()
    qtbot.addWidget(browser)
    browser.setHtml('<p>x<img src="file:///dev/zero"><link rel="stylesheet" '
                    'href="file:///etc/passwd"></p>')
    assert browser.loadResource(int(QTextDocument.ResourceType.ImageResource),
                                QUrl("file:///dev/zero")) is None
    assert "x" in browser.toPlainText()


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
    assert [line.rstrip() for line in view.plain_text().splitlines()[:2]] == \
        ["Council", "Bold item"]
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
