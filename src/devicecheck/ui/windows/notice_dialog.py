"""The privacy notice on screen: a readable, zoomable QTextBrowser whose links open in the
officer's browser (or mail / phone app). Used as step 2 of the pre-call window and on its
own (``NoticeDialog``) from the tray.

It shows ``Notice.html``, the sanitised document ``devicecheck notice`` prints (never Qt's
own Markdown reader, whose raw-HTML support hid text after ``<br>``: issue 17). The
browser loads nothing (``loadResource`` answers every request with nothing: no
``file:///dev/zero`` image, no stylesheet) and follows no link itself: an ``https:``,
``mailto:`` or ``tel:`` link goes to the OS, an in-page ``#`` anchor scrolls, anything
else is ignored.

A link reached with Tab wears the same 2 px focus frame as every other control
(``NoticeBrowser``): the platform marks it with a 1 px dotted line only (issue 19).

Read to the end (issue 29, item 6): ``NoticeView`` knows when the end of the notice has
been in view (``end_seen``, ``endSeen``): the notice's last line inside the part of the
browser the officer can see, whether it got there by scrolling (wheel, scroll bar, Page
Down, End, Space) or because the whole notice fits. The pre-call window lets the officer
acknowledge only then; with ``must_read`` the view says so in words under the notice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFocusEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QShortcut,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from devicecheck.notice import Notice, link_allowed
from devicecheck.qtsupport.screen_fit import fit_to_screen
from devicecheck.qtsupport.style import (
    FOCUS_STYLE,
    FOCUS_WIDTH,
    SPACING,
    button,
    window_frame,
)

#: Zoom limits in QTextEdit steps (one step = one point); beyond them the layout breaks.
MIN_ZOOM, MAX_ZOOM = -4, 12


class SafeBrowser(QTextBrowser):
    """A QTextBrowser that fetches no resource at all (images, stylesheets, linked
    documents): QTextDocument asks ``loadResource`` for each (Qt docs, QTextBrowser::
    loadResource); answering None leaves it empty."""

    def loadResource(self, _type: int, _name: QUrl | str) -> Any:  # Qt: any QVariant
        return None


class NoticeBrowser(SafeBrowser):
    """A ``SafeBrowser`` that frames the link Tab has reached with a ``FOCUS_WIDTH`` solid
    frame in the highlight colour, a little outside the link's text (so the frame is not
    lost in the selection's own highlight). Tab and Shift+Tab move from link to link
    (QTextBrowser's keyboard link navigation selects the anchor); the frame follows the
    selection and goes when the browser loses the focus."""

    #: Gap between the link's text box and its frame, in pixels.
    GAP = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cursorPositionChanged.connect(self._refresh)
        self.selectionChanged.connect(self._refresh)
        self.highlighted.connect(self._refresh)

    def _refresh(self, *_args: object) -> None:
        self.viewport().update()

    def focused_anchor(self) -> str:
        """The href of the link that has the keyboard focus ("" when none has)."""
        cursor = self.textCursor()
        # The window's focus widget, not hasFocus(): a window not (yet) activated by the
        # window manager still shows where its focus is, as Qt's own dotted hint does.
        focused = self.hasFocus() or self.window().focusWidget() is self
        if not focused or not cursor.hasSelection():
            return ""
        probe = QTextCursor(self.document())
        probe.setPosition(cursor.selectionStart() + 1)
        fmt = probe.charFormat()
        return fmt.anchorHref() if fmt.isAnchor() else ""

    def link_frames(self) -> list[QRect]:
        """The outer rectangles of the focus frame (one per line the link spans), in
        viewport coordinates; empty when no link has the focus."""
        if not self.focused_anchor():
            return []
        cursor = self.textCursor()
        lines: dict[int, QRect] = {}
        probe = QTextCursor(self.document())
        for pos in range(cursor.selectionStart(), cursor.selectionEnd() + 1):
            probe.setPosition(pos)
            r = self.cursorRect(probe)
            line = lines.get(r.top())
            lines[r.top()] = r if line is None else line.united(r)
        pad = self.GAP + FOCUS_WIDTH
        return [r.adjusted(-pad, -pad // 2, pad, pad // 2) for r in lines.values()
                if r.width() > 1]

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        frames = self.link_frames()
        if not frames:
            return
        colour = self.palette().color(QPalette.ColorRole.Highlight)
        painter = QPainter(self.viewport())
        w = FOCUS_WIDTH
        for r in frames:
            # Four filled strips: exactly w pixels wide whatever the pen's rounding.
            painter.fillRect(QRect(r.left(), r.top(), r.width(), w), colour)
            painter.fillRect(QRect(r.left(), r.bottom() - w + 1, r.width(), w), colour)
            painter.fillRect(QRect(r.left(), r.top(), w, r.height()), colour)
            painter.fillRect(QRect(r.right() - w + 1, r.top(), w, r.height()), colour)
        painter.end()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._refresh()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._refresh()


def _readable_date(iso: str) -> str:
    """"2026-12-01" as "1 Dec 2026" (an ISO date reads as a code to an officer)."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%b %Y}"  # not "%-d": Windows' strftime has no "-" flag


def open_link(url: QUrl, browser: QTextBrowser,
              opener: Callable[[QUrl], object] = QDesktopServices.openUrl) -> bool:
    """Follow a clicked link if a notice may: True when it was followed."""
    text = url.toString()
    if text.startswith("#"):
        browser.scrollToAnchor(url.fragment())
        return True
    if not link_allowed(text):
        return False
    opener(url)
    return True


#: Under the notice until its end has been in view (``NoticeView(must_read=True)``).
READ_TO_THE_END = ("You need to read the whole notice before you can confirm it: scroll to "
                   "its end (Page Down or End).")


class NoticeView(QWidget):
    """The notice text with "Smaller text" / "Larger text" buttons and Ctrl+= / Ctrl+-.
    ``endSeen`` is emitted once, when the end of the notice is first in view."""

    endSeen = Signal()

    def __init__(self, notice: Notice, parent: QWidget | None = None, *,
                 must_read: bool = False) -> None:
        super().__init__(parent)
        self.notice = notice
        self.zoom = 0
        self.end_seen = False
        self.browser = NoticeBrowser(self)
        # Neither Qt nor the OS follows a link on its own: anchorClicked decides.
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(False)
        self.opened: list[str] = []      # links followed (for tests)
        self.opener: Callable[[QUrl], object] = QDesktopServices.openUrl  # tests: a recorder
        self.browser.anchorClicked.connect(self._on_anchor)
        self.browser.setAccessibleName("Privacy notice")
        self.browser.setAccessibleDescription(
            "The privacy notice to read before the call. Tab moves through its links; "
            "Control plus equals and Control minus change the text size.")
        # The document takes the widget's font, which follows the system font size.
        self.browser.document().setDefaultFont(self.font())
        self.browser.setHtml(notice.html)

        self.smaller = QPushButton("Smaller text", self)
        self.smaller.setAccessibleName("Smaller text")
        self.smaller.setAccessibleDescription("Make the notice text smaller (Control minus)")
        self.smaller.setAutoDefault(False)
        self.larger = QPushButton("Larger text", self)
        self.larger.setAccessibleName("Larger text")
        self.larger.setAccessibleDescription("Make the notice text larger (Control plus)")
        self.larger.setAutoDefault(False)
        self.smaller.clicked.connect(self.zoom_out)
        self.larger.clicked.connect(self.zoom_in)

        # The officer sees whose notice it is and its date; the version (a hash) is IT's
        # and sits behind the IT door (issue 19).
        self.version_label = QLabel(self._version_text(), self)
        self.version_label.setWordWrap(True)
        self.version_label.setAccessibleName(self._version_text())
        self.it_version = QLabel(f"For IT: notice version {notice.version}", self)
        self.it_version.setObjectName("itDetailsNoticeVersion")
        self.it_version.setVisible(False)

        tools = QHBoxLayout()
        tools.setSpacing(SPACING)
        tools.addWidget(self.version_label, 1)
        tools.addWidget(self.smaller)
        tools.addWidget(self.larger)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
        layout.addLayout(tools)
        # Words, not a colour: what is needed before the box below can be ticked.
        self.end_hint = QLabel(f"\u2139 {READ_TO_THE_END}", self)
        self.end_hint.setWordWrap(True)
        self.end_hint.setAccessibleName(READ_TO_THE_END)
        self.end_hint.setVisible(must_read)
        layout.addWidget(self.end_hint)
        self._watch_end()
        self.setTabOrder(self.browser, self.smaller)
        self.setTabOrder(self.smaller, self.larger)

        # Two shortcuts on the same keys would both go dead as "ambiguous", so the
        # platform's zoom keys are merged with ours before any is made.
        for extra, standard, slot in (
                (("Ctrl+=", "Ctrl++"), QKeySequence.StandardKey.ZoomIn, self.zoom_in),
                (("Ctrl+-",), QKeySequence.StandardKey.ZoomOut, self.zoom_out)):
            keys = {QKeySequence(k).toString() for k in extra}
            keys |= {k.toString() for k in QKeySequence.keyBindings(standard)}
            for key in sorted(keys):
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)

    # -- has the end been in view? -------------------------------------------------------
    def _watch_end(self) -> None:
        """Look again whenever what the browser shows may have changed: a scroll, a new
        range (zoom, resize, the layout growing), the viewport shown, resized or painted
        (an outer scroll area moving the browser repaints it). Coalesced into one look
        after the event: the layout may be mid-change when its signals fire."""
        self._end_timer = QTimer(self)
        self._end_timer.setSingleShot(True)
        self._end_timer.setInterval(0)
        self._end_timer.timeout.connect(self._check_end)
        bar = self.browser.verticalScrollBar()
        # Not connected to start() itself: the value would be taken as the interval.
        bar.valueChanged.connect(self._look_again)
        bar.rangeChanged.connect(self._look_again)
        self.browser.viewport().installEventFilter(self)

    def _look_again(self, *_: object) -> None:
        if not self.end_seen:
            self._end_timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.Resize, QEvent.Type.Paint):
            self._look_again()
        return super().eventFilter(watched, event)

    def end_in_view(self) -> bool:
        """Whether the notice's last line lies wholly in the part of the browser the officer
        can see now (shown, not minimised, not clipped away by an outer scroll area).
        ``cursorRect`` lays the document out up to the end, so a long notice still being
        laid out never looks as if it fitted."""
        browser = self.browser
        if not browser.isVisible() or self.window().isMinimized():
            return False
        end = QTextCursor(browser.document())
        end.movePosition(QTextCursor.MoveOperation.End)
        seen = browser.viewport().visibleRegion().boundingRect()
        return seen.isValid() and seen.contains(browser.cursorRect(end))

    def _check_end(self) -> None:
        if self.end_seen or not self.end_in_view():
            return
        self.end_seen = True
        self.end_hint.setVisible(False)
        self.endSeen.emit()

    def _on_anchor(self, url: QUrl) -> None:
        if open_link(url, self.browser, self.opener):
            self.opened.append(url.toString())

    def _version_text(self) -> str:
        origin = "Built-in notice" if self.notice.is_built_in else "Council notice"
        dated = f", revised {_readable_date(self.notice.revision_date)}" \
            if self.notice.revision_date else ""
        return f"{origin}{dated}"

    def plain_text(self) -> str:
        """What the officer sees, as text (for tests and screen-reader checks)."""
        return self.browser.toPlainText()

    def zoom_in(self) -> None:
        if self.zoom < MAX_ZOOM:
            self.zoom += 1
            self.browser.zoomIn(1)
        self._update_buttons()

    def zoom_out(self) -> None:
        if self.zoom > MIN_ZOOM:
            self.zoom -= 1
            self.browser.zoomOut(1)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.larger.setEnabled(self.zoom < MAX_ZOOM)
        self.smaller.setEnabled(self.zoom > MIN_ZOOM)


class NoticeDialog(QDialog):
    """The notice on its own, for the tray's "Privacy notice" entry. Esc or Close shuts it."""

    def __init__(self, notice: Notice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("DeviceCheck - privacy notice")
        self.setAccessibleName("Privacy notice")
        self.setStyleSheet(FOCUS_STYLE)
        # The notice scrolls inside its own browser (the body), so the zoom and Close
        # buttons stay on screen; fit_to_screen bounds the window (issue 19).
        self.view = NoticeView(notice, self)
        self.close_button = button(self, "Close", "Close the privacy notice", self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        window_frame(self, self.view, buttons)
        metrics = self.fontMetrics()
        fit_to_screen(self, QSize(metrics.averageCharWidth() * 90, metrics.height() * 36))
        self.view.browser.setFocus()
