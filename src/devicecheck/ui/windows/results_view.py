"""One presentation of device-check results, shared by the report window and pre-call
step 1 (issue 27): the verdict banner, the problems worst first, one line for the rest.

* ``banner``: the verdict (``VerdictBanner``) — its owner places it (the report window
  keeps it above its scrolling body; pre-call puts it at the top of step 1).
* The body (this widget): a line naming every problem ("Problems: Disk not encrypted ·
  Firewall off"), so all of them are on the first screen whatever its size; then one
  item a problem, each focusable, showing the status word and icon, the fault phrase,
  why it blocks when that is not plain, and "What to do" (a screen reader hears all of
  it: ``RowWords.spoken``), with "Open settings" and, for meeting data, "Clear meeting
  data now…"; then "7 other checks OK · 2 not checked", a toggle that shows them.
* No scroll area of its own: the window's one body scrolls (``scroll_body``), and
  ``BodyKeys`` scrolls it with PgUp, PgDn, Home, End and the arrow keys (Up and Down on
  a problem move to the previous or next one).

The words are ``ui/model/rows.py``'s, so a row reads as the CLI's and never contradicts
the verdict.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from devicecheck.qtsupport.icons import status_icon
from devicecheck.qtsupport.style import SPACING, VerdictBanner
from devicecheck.ui.model.rows import Rows, RowWords
from devicecheck.ui.model.states import TrayState

#: The action a meeting-data problem offers (issue 27: step 1 named the menu entry but
#: gave no button for it).
CLEAN = "clean"
CLEAN_TEXT = "C&lear meeting data now\u2026"
#: Rows whose fix is clearing the meeting data now (not "could not be checked").
CLEANABLE = frozenset({"meeting-data"})


class ProblemItem(QFrame):
    """One problem: icon, then the words in one focusable label, then its buttons."""

    def __init__(self, row: RowWords, parent: QWidget, *, offer_clean: bool,
                 on_link: Callable[[str], object], on_action: Callable[[str], object]) -> None:
        super().__init__(parent)
        self.setObjectName("checkRow")
        self.row = row
        icon = QLabel(self)
        size = max(16, self.fontMetrics().height())
        icon.setPixmap(status_icon(row.look.icon).pixmap(size, size))
        icon.setAccessibleName(row.look.word)
        parts = [f"<b>{html.escape(row.phrase)}</b> \u2014 {row.look.symbol} "
                 f"{html.escape(row.status)}"]
        parts += [html.escape(p) for p in (row.why, row.advice) if p]
        self.text = QLabel("<br>".join(parts), self)
        self.text.setObjectName("problemText")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        # Tab stops here and a screen reader reads the whole problem (issue 27).
        self.text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.text.setAccessibleName(row.spoken())
        self.text.setAccessibleDescription("A problem found on this laptop")
        head = QHBoxLayout(self)
        head.setContentsMargins(SPACING, SPACING // 2, SPACING, SPACING // 2)
        head.setSpacing(SPACING)
        head.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.text, 1)
        self.buttons: list[QPushButton] = []
        column = QVBoxLayout()
        if offer_clean and row.check_id in CLEANABLE and row.advice \
                and "could not" not in row.phrase:
            self._add(column, CLEAN_TEXT, "Clear the meeting data Teams keeps on this laptop",
                      lambda: on_action(CLEAN))
        if row.link:
            link = row.link
            self._add(column, "Open settings", f"Open the settings page for {row.phrase}",
                      lambda: on_link(link))
        column.addStretch(1)
        head.addLayout(column)

    def _add(self, column: QVBoxLayout, text: str, description: str,
             slot: Callable[[], object]) -> None:
        b = QPushButton(text, self)
        b.setAccessibleName(text.replace("&", "").rstrip("\u2026"))
        b.setAccessibleDescription(description)
        b.setAutoDefault(False)
        b.clicked.connect(slot)
        column.addWidget(b)
        self.buttons.append(b)


class ResultsView(QWidget):
    """The body of the results; ``banner`` is placed by the owner."""

    actionRequested = Signal(str)

    def __init__(self, parent: QWidget, *, open_url: Callable[[QUrl], object],
                 offer_clean: bool = True, banner_parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self._open_url = open_url
        self._offer_clean = offer_clean
        self.banner = VerdictBanner(banner_parent or parent)
        self.items: list[ProblemItem] = []
        self.rows: Rows = Rows((), ())
        self.detail = self._label("resultsDetail")
        self.summary = self._label("problemSummary")
        self.problems_box = QVBoxLayout()
        self.problems_box.setSpacing(SPACING // 2)
        self.others_toggle = QToolButton(self)
        self.others_toggle.setObjectName("othersToggle")
        self.others_toggle.setCheckable(True)
        self.others_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.others_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.others_toggle.setAccessibleDescription("Show or hide the checks that found no "
                                                    "problem")
        self.others_toggle.toggled.connect(self._show_others)
        self.others = self._label("otherChecks")
        self.others.setVisible(False)
        self.contact = self._label("contactLine")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        for w in (self.detail, self.summary):
            layout.addWidget(w)
        layout.addLayout(self.problems_box)
        layout.addWidget(self.others_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.others)
        layout.addWidget(self.contact)

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setVisible(False)
        return label

    @staticmethod
    def _say(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setAccessibleName(text)
        label.setVisible(bool(text))

    # -- filling in ----------------------------------------------------------------------
    def set_results(self, state: TrayState, headline: str, shown: Rows | None, *,
                    detail: str = "", contact: str = "", pending: int = 0) -> None:
        """Show the verdict ``headline`` in ``state``'s look, ``detail`` under it (when
        it was checked, a settings notice), and ``shown``'s rows (None: none yet).
        ``pending``: checks still running (step 1 fills in as they finish)."""
        self.banner.set_verdict(state, headline)
        self.rows = shown if shown is not None else Rows((), ())
        self._say(self.detail, detail)
        names = [r.phrase for r in self.rows.problems]
        head = "Problems" if state in (TrayState.NOT_READY, TrayState.POLICY_ERROR) \
            else "To fix"
        dot = " \u00b7 "
        self._say(self.summary, f"{head}: {dot.join(names)}" if names else "")
        for item in self.items:
            # Hidden first, inside the window: a focused item hands the focus on now. An
            # item taken out of the window with the focus (setParent(None)) took it with
            # it, and the window had none left once the item was deleted.
            item.hide()
            self.problems_box.removeWidget(item)
            item.deleteLater()
        self.items = []
        for row in self.rows.problems:
            item = ProblemItem(row, self, offer_clean=self._offer_clean,
                               on_link=self._open_link, on_action=self.actionRequested.emit)
            self.problems_box.addWidget(item)
            # A layout shows a child added to a visible parent only later (queued): show
            # it now, so it is there for the next paint, the focus and screen readers.
            item.show()
            self.items.append(item)
        line = self.rows.others_line()
        if pending:
            line = " \u00b7 ".join(p for p in (line, f"{pending} still being checked") if p)
        self.others_toggle.setText(line)
        self.others_toggle.setAccessibleName(line)
        self.others_toggle.setVisible(bool(self.rows.others))
        self.others_toggle.setEnabled(bool(self.rows.others))
        self.others.setText("\n".join(f"{r.look.symbol} {r.status}: {r.phrase}"
                                      for r in self.rows.others))
        self.others.setAccessibleName(self.others.text())
        self._show_others(self.others_toggle.isChecked())
        if pending and not self.rows.others:
            self._say(self.contact, line)
        else:
            self._say(self.contact, f"Need help? Contact {contact}." if contact else "")
            self.contact.setAccessibleName(f"IT contact: {contact}" if contact else "")

    def _show_others(self, shown: bool) -> None:
        self.others.setVisible(shown and bool(self.rows.others))
        self.others_toggle.setArrowType(Qt.ArrowType.DownArrow if shown
                                        else Qt.ArrowType.RightArrow)

    def _open_link(self, link: str) -> None:
        self._open_url(QUrl(link))

    # -- focus and keys ------------------------------------------------------------------
    def first_focus(self) -> QWidget | None:
        """The first problem, or None when there is none (the owner's main action then)."""
        return self.items[0].text if self.items else None

    def tab_chain(self) -> list[QWidget]:
        """Tab order down the screen: each problem, its buttons, the other checks."""
        chain: list[QWidget] = []
        for item in self.items:
            chain.append(item.text)
            chain.extend(item.buttons)
        if self.others_toggle.isVisible() or not self.others_toggle.isHidden():
            chain.append(self.others_toggle)
        return chain

    def neighbour(self, widget: QObject, step: int) -> QWidget | None:
        texts = [i.text for i in self.items]
        if widget in texts:
            at = texts.index(widget) + step
            if 0 <= at < len(texts):
                return texts[at]
        return None


class BodyKeys(QObject):
    """PgUp, PgDn, Home, End and the arrow keys scroll ``area`` (issue 27: only Tab moved
    before, and only to the buttons). Installed on the widgets that do not use those keys
    themselves (labels, buttons); Up and Down on a problem go to the previous or next one,
    and the body follows the focus (``scroll_body``)."""

    ACTIONS = {
        Qt.Key.Key_PageUp: QAbstractSlider.SliderAction.SliderPageStepSub,
        Qt.Key.Key_PageDown: QAbstractSlider.SliderAction.SliderPageStepAdd,
        Qt.Key.Key_Home: QAbstractSlider.SliderAction.SliderToMinimum,
        Qt.Key.Key_End: QAbstractSlider.SliderAction.SliderToMaximum,
        Qt.Key.Key_Up: QAbstractSlider.SliderAction.SliderSingleStepSub,
        Qt.Key.Key_Down: QAbstractSlider.SliderAction.SliderSingleStepAdd,
    }

    def __init__(self, area: QScrollArea, view: ResultsView | None = None) -> None:
        super().__init__(area)
        self._area = area
        self._view = view
        self._watched: list[QWidget] = []

    def watch(self, widgets: list[QWidget]) -> None:
        for w in widgets:
            if w not in self._watched:
                w.installEventFilter(self)
                self._watched.append(w)
                w.destroyed.connect(lambda _=None, w=w: self._forget(w))

    def _forget(self, widget: QWidget) -> None:
        if widget in self._watched:
            self._watched.remove(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = Qt.Key(event.key())
        action = self.ACTIONS.get(key)
        if action is None:
            return False
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self._view is not None:
            target = self._view.neighbour(watched, -1 if key == Qt.Key.Key_Up else 1)
            if target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        self._area.verticalScrollBar().triggerAction(action)
        return True


__all__ = ["CLEAN", "BodyKeys", "ProblemItem", "ResultsView"]
