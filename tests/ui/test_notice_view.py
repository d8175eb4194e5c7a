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


def test_tab_moves_between_links_with_a_2px_frame(qtbot: Any) -> None:
    """Issue 19: the platform marks a tabbed-to link with a 1 px dotted line; ours is a
    2 px solid frame in the highlight colour round the link, and Tab moves link to link."""
    from PySide6.QtGui import QPalette

    from devicecheck.qtsupport.style import FOCUS_WIDTH

    view = show(qtbot, NoticeView(load_notice(Policy())))
    browser = view.browser
    browser.setFocus()
    qtbot.waitUntil(browser.hasFocus, timeout=5000)
    assert browser.link_frames() == []  # focus on the text, no link yet
    seen: list[str] = []
    for _ in range(2):  # the built-in notice has two links: telephone and e-mail
        qtbot.keyClick(browser, Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda: bool(browser.focused_anchor()), timeout=5000)
        seen.append(browser.focused_anchor())
    assert seen == ["tel:+441362656870", "mailto:legal@breckland.gov.uk"]
    frames = browser.link_frames()
    assert frames
    frame = frames[0]
    image = browser.viewport().grab().toImage()
    scale = image.devicePixelRatio()
    colour = browser.palette().color(QPalette.ColorRole.Highlight).rgb()
    y = int((frame.top() + frame.height() // 2) * scale)

    def px(x: int) -> int:
        return int(image.pixelColor(int(x * scale), y).rgb())

    # The left edge: FOCUS_WIDTH pixels of the highlight colour, plain page outside it.
    assert [px(frame.left() + i) for i in range(FOCUS_WIDTH)] == [colour] * FOCUS_WIDTH
    assert px(frame.left() - 1) != colour
    # Tab past the last link leaves the browser for the zoom buttons; the frame goes.
    qtbot.keyClick(browser, Qt.Key.Key_Tab)
    qtbot.waitUntil(view.smaller.hasFocus, timeout=5000)
    assert browser.link_frames() == []


def test_notice_version_hash_is_behind_the_it_door(qtbot: Any) -> None:
    from tests.helpers.officer_text import assert_officer_clean, widget_strings

    notice = load_notice(Policy())
    dialog = show(qtbot, NoticeDialog(notice))
    texts = widget_strings(dialog)
    assert not any(notice.version in t for t in texts)
    assert_officer_clean([t for t in texts if t != dialog.view.plain_text()], strict=True)
    assert dialog.view.it_version.objectName().startswith("itDetails")
    assert notice.version in dialog.view.it_version.text()


def test_notice_dialog_fits_a_small_screen(qtbot: Any) -> None:
    from devicecheck.qtsupport.screen_fit import SHARE, available_area, inside

    dialog = show(qtbot, NoticeDialog(load_notice(Policy())))
    area = available_area(dialog)
    assert area is not None
    assert dialog.width() <= area.width() * SHARE and dialog.height() <= area.height() * SHARE
    top_left = dialog.close_button.mapToGlobal(dialog.close_button.rect().topLeft())
    assert inside(dialog.close_button.rect().translated(top_left), area)
    assert dialog.close_button.icon().isNull()


def test_revision_date_reads_as_a_date(qtbot: Any, tmp_path: Path) -> None:
    file = tmp_path / "n.md"
    file.write_text("# Council\n\nText.\n", encoding="utf-8")
    view = show(qtbot, NoticeView(load_notice(policy_with(file=str(file),
                                                          revision_date="2026-12-01"))))
    assert view.version_label.text() == "Council notice, revised 1 Dec 2026"


# -- issue 29, item 6: nothing unseen, and read to the end --------------------------------
def _html_notice(tmp_path: Path, body: str) -> Any:
    file = tmp_path / "notice.html"
    file.write_text(body, encoding="utf-8")
    notice = load_notice(policy_with(file=str(file)))
    assert not notice.problem, notice.problem
    return notice


def test_bidi_override_shows_the_words_in_file_order(qtbot: Any, tmp_path: Path) -> None:
    """The attack: U+202E made the window show "WE MAY RECORD"-looking text while the file
    and --text said the reverse. The view now holds exactly what --text prints."""
    notice = _html_notice(tmp_path, "<h1>N</h1><p>WE MAY &#x202E;DROCER TON&#x202C; THE "
                                    "CALL</p><p>zero\u200bwidth \U000e0041tag\u00adsoft</p>")
    view = show(qtbot, NoticeView(notice))
    shown = view.plain_text()
    assert "WE MAY DROCER TON THE CALL" in shown and "zerowidth tagsoft" in shown
    assert not [c for c in shown if ord(c) > 0x7e]
    # The same words as --text (which underlines headings with "=").
    assert shown.split() == [w for w in notice.text.split() if set(w) != {"="}]
    # No right-to-left text is left for the layout to reorder.
    block = view.browser.document().begin()
    while block.isValid():
        assert block.textDirection() == Qt.LayoutDirection.LeftToRight
        block = block.next()


def test_preformatted_text_stays_on_screen(qtbot: Any, tmp_path: Path) -> None:
    """The attack: 400 spaces in a <pre> pushed "NOT RECORD" far off to the right."""
    notice = _html_notice(tmp_path, "<h1>N</h1><pre>WE MAY" + " " * 400 + "NOT RECORD "
                                    + "x" * 300 + "</pre>")
    view = show(qtbot, NoticeView(notice))
    view.resize(420, 400)
    qtbot.waitUntil(lambda: view.browser.width() <= 420)
    assert view.browser.horizontalScrollBar().maximum() == 0   # nothing to scroll to
    found = view.browser.document().find("NOT RECORD")
    assert not found.isNull()
    where = view.browser.cursorRect(found)
    assert 0 <= where.left() and where.right() <= view.browser.viewport().width()


def long_notice() -> Any:
    return load_notice(Policy())   # the built-in notice: longer than a small view


def small_view(qtbot: Any, notice: Any, **kwargs: Any) -> NoticeView:
    view = NoticeView(notice, **kwargs)
    view.resize(420, 300)
    show(qtbot, view)
    qtbot.waitUntil(lambda: view.browser.verticalScrollBar().maximum() > 0, timeout=2000)
    return view


def settle(qtbot: Any) -> None:
    qtbot.wait(50)   # the end check runs just after the events that prompt it


def test_the_end_is_not_seen_until_scrolled_to(qtbot: Any) -> None:
    view = small_view(qtbot, long_notice(), must_read=True)
    settle(qtbot)
    assert not view.end_seen and not view.end_in_view()
    assert view.end_hint.isVisible() and "read the whole notice" in view.end_hint.text()
    assert "Page Down or End" in view.end_hint.accessibleName()
    bar = view.browser.verticalScrollBar()
    bar.setValue(bar.maximum() - 3 * view.fontMetrics().height())   # nearly, not quite
    settle(qtbot)
    assert not view.end_seen
    with qtbot.waitSignal(view.endSeen, timeout=2000):
        bar.setValue(bar.maximum())
    assert view.end_seen and not view.end_hint.isVisible()
    bar.setValue(0)   # scrolling back up does not take it away
    settle(qtbot)
    assert view.end_seen


def test_page_down_by_keyboard_reaches_the_end(qtbot: Any) -> None:
    view = small_view(qtbot, long_notice())
    view.browser.setFocus()
    presses = 0
    while not view.end_seen:
        assert presses < 40, "Page Down never reached the end"
        qtbot.keyClick(view.browser, Qt.Key.Key_PageDown)
        presses += 1
        settle(qtbot)
    assert presses > 1   # it did not count as read at the first page


def test_end_key_reaches_the_end(qtbot: Any) -> None:
    view = small_view(qtbot, long_notice())
    settle(qtbot)
    assert not view.end_seen
    with qtbot.waitSignal(view.endSeen, timeout=2000):
        qtbot.keyClick(view.browser, Qt.Key.Key_End)


def test_a_notice_that_fits_is_seen_at_once(qtbot: Any, tmp_path: Path) -> None:
    view = NoticeView(_html_notice(tmp_path, "<h1>Short</h1><p>All of it.</p>"),
                      must_read=True)
    view.resize(600, 500)
    with qtbot.waitSignal(view.endSeen, timeout=2000):
        show(qtbot, view)
    assert not view.end_hint.isVisible()


def test_a_hidden_view_never_counts_as_read(qtbot: Any, tmp_path: Path) -> None:
    view = NoticeView(_html_notice(tmp_path, "<h1>Short</h1><p>All of it.</p>"))
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.browser.verticalScrollBar().setValue(10**6)
    settle(qtbot)
    assert not view.end_seen and not view.end_in_view()


def test_a_long_notice_still_being_laid_out_does_not_look_read(qtbot: Any,
                                                              tmp_path: Path) -> None:
    body = "".join(f"<p>Paragraph {i} of a long notice.</p>" for i in range(5000))
    view = small_view(qtbot, _html_notice(tmp_path, f"<h1>Long</h1>{body}"))
    settle(qtbot)
    assert not view.end_seen
    with qtbot.waitSignal(view.endSeen, timeout=5000):
        qtbot.keyClick(view.browser, Qt.Key.Key_End)
    assert "Paragraph 4999" in view.plain_text()
