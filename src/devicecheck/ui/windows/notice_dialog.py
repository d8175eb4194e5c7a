"""The privacy notice on screen: a readable, zoomable QTextBrowser whose links open in the
officer's browser (or mail / phone app). Used as step 2 of the pre-call window and on its
own (``NoticeDialog``) from the tray.

It shows ``Notice.html``, the sanitised document ``devicecheck notice`` prints (never Qt's
own Markdown reader, whose raw-HTML support hid text after ``<br>``: issue 17). The
browser loads nothing (``loadResource`` answers every request with nothing: no
``file:///dev/zero`` image, no stylesheet) and follows no link itself: an ``https:``,
``mailto:`` or ``tel:`` link goes to the OS, an in-page ``#`` anchor scrolls, anything
else is ignored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from devicecheck.notice import Notice, link_allowed
from devicecheck.qtsupport.style import FOCUS_STYLE

#: Zoom limits in QTextEdit steps (one step = one point); beyond them the layout breaks.
MIN_ZOOM, MAX_ZOOM = -4, 12


class SafeBrowser(QTextBrowser):
    """A QTextBrowser that fetches no resource at all (images, stylesheets, linked
    documents): QTextDocument asks ``loadResource`` for each (Qt docs, QTextBrowser::
    loadResource); answering None leaves it empty."""

    def loadResource(self, _type: int, _name: QUrl | str) -> Any:  # Qt: any QVariant
        return None


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


class NoticeView(QWidget):
    """The notice text with "Smaller text" / "Larger text" buttons and Ctrl+= / Ctrl+-."""

    def __init__(self, notice: Notice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = notice
        self.zoom = 0
        self.browser = SafeBrowser(self)
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

        version = QLabel(self._version_text(), self)
        version.setWordWrap(True)
        version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        tools = QHBoxLayout()
        tools.addWidget(version, 1)
        tools.addWidget(self.smaller)
        tools.addWidget(self.larger)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
        layout.addLayout(tools)
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

    def _on_anchor(self, url: QUrl) -> None:
        if open_link(url, self.browser, self.opener):
            self.opened.append(url.toString())

    def _version_text(self) -> str:
        origin = "Built-in notice" if self.notice.is_built_in else "Council notice"
        dated = f", revised {self.notice.revision_date}" if self.notice.revision_date else ""
        return f"{origin}{dated} (version {self.notice.version})"

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
        self.view = NoticeView(notice, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAccessibleDescription("Close the privacy notice")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 90,
                    self.fontMetrics().height() * 36)
        self.view.browser.setFocus()
