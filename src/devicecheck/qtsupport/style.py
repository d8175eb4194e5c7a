"""The one look every DeviceCheck window shares (issue 19).

* Spacing and heading sizes, so windows line up with each other.
* A 2 px highlight-coloured frame on whatever has the focus: the platform's own focus hint
  is a 1 px dotted line that many officers could not see in the walk that filed issue 19.
* The state colours, always with an icon and words beside them (a status is never told by
  colour alone: colour-blind officers and screen readers get the same answer).
* ``apply_app_style(app)``: the application-wide part (the focus frame, and no stock icons
  on dialog buttons: a green arrow on "OK" and a red cross on "Cancel" read as verdicts),
  so message boxes and any window built later get it without asking.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from devicecheck.qtsupport.icons import state_icon
from devicecheck.ui.model.states import TrayState

#: Width of the focus frame, in device-independent pixels.
FOCUS_WIDTH = 2
#: Space between related controls, and round a window's content.
SPACING = 8
MARGIN = 12
#: Heading sizes as a factor of the system font (the officer's own size setting).
TITLE_FACTOR = 1.5
HEADING_FACTOR = 1.3
SUBHEADING_FACTOR = 1.15

#: Tone of a state: the banner's colours (background, border / text) per tone. Light
#: backgrounds with dark text keep WCAG contrast above 4.5:1 on every tone.
TONES: dict[str, tuple[str, str]] = {
    "good": ("#e8f5e9", "#1b5e20"),
    "soon": ("#fff8e1", "#5d4300"),
    "bad": ("#ffebee", "#8e0000"),
    "neutral": ("#eceff1", "#263238"),
    "recording": ("#b71c1c", "#ffffff"),
}
STATE_TONES: dict[TrayState, str] = {
    TrayState.READY: "good",
    TrayState.ATTENTION: "soon",
    TrayState.NOT_READY: "bad",
    TrayState.POLICY_ERROR: "bad",
    TrayState.CHECKING: "neutral",
    TrayState.IN_MEETING: "neutral",
    TrayState.RECORDING: "recording",
}

_FOCUS = f"{FOCUS_WIDTH}px solid palette(highlight)"

FOCUS_STYLE = f"""
QCheckBox, QRadioButton {{ padding: 3px; border: {FOCUS_WIDTH}px solid transparent;
                           border-radius: 4px; }}
QCheckBox:focus, QRadioButton:focus {{ border: {_FOCUS}; }}
QPushButton, QToolButton {{ padding: 4px 12px; border: {FOCUS_WIDTH}px solid palette(mid);
                           border-radius: 4px; background: palette(button); min-height: 1.4em; }}
QPushButton:default {{ border-color: palette(dark); }}
QPushButton:focus, QToolButton:focus {{ border: {_FOCUS}; background: palette(light); }}
QPushButton:pressed, QToolButton:pressed, QToolButton:checked {{ background: palette(midlight); }}
QPushButton:disabled, QToolButton:disabled {{ border-color: palette(midlight); }}
QTextBrowser, QTreeWidget, QLineEdit, QPlainTextEdit, QComboBox, QSpinBox {{
    border: {FOCUS_WIDTH}px solid palette(mid); }}
QTextBrowser:focus, QTreeWidget:focus, QLineEdit:focus, QPlainTextEdit:focus,
QComboBox:focus, QSpinBox:focus {{ border: {_FOCUS}; }}
QLabel {{ border: {FOCUS_WIDTH}px solid transparent; }}
QLabel:focus {{ border: {_FOCUS}; border-radius: 3px; }}
QFrame#checkRow {{ border: 1px solid palette(mid); border-radius: 6px; }}
QDialog#recordingAlert {{ border: 4px solid {TONES["recording"][0]}; }}
""" + "".join(
    f"QFrame#verdictBanner[tone=\"{tone}\"] {{ background: {bg}; border: 2px solid {fg};"
    f" border-radius: 6px; }}\n"
    f"QFrame#verdictBanner[tone=\"{tone}\"] QLabel {{ color: {fg}; background: transparent; }}\n"
    for tone, (bg, fg) in TONES.items())

#: The application-wide sheet. ``dialogbuttonbox-buttons-have-icons`` is Qt's style sheet
#: property for SH_DialogButtonBox_ButtonsHaveIcons (Qt Style Sheets Reference, "List of
#: Properties"); 0 drops the stock icons from every QDialogButtonBox, which includes the
#: one inside each QMessageBox.
APP_STYLE = FOCUS_STYLE + "QDialogButtonBox { dialogbuttonbox-buttons-have-icons: 0; }\n"


def apply_app_style(app: QCoreApplication | None) -> None:
    """Give every window of ``app`` the shared look (idempotent; an existing application
    sheet is kept and ours follows it). Call it once at start-up, before any window is
    built; without widgets (a QCoreApplication) there is nothing to style."""
    if not isinstance(app, QApplication):
        return
    current = app.styleSheet()
    if APP_STYLE not in current:
        app.setStyleSheet(f"{current}\n{APP_STYLE}" if current else APP_STYLE)


def heading_font(widget: QWidget, factor: float = HEADING_FACTOR, bold: bool = True) -> QFont:
    """``widget``'s font scaled by ``factor`` (so it follows the officer's font size)."""
    font = QFont(widget.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    else:  # a pixel-sized font (some platform themes)
        font.setPixelSize(max(1, round(font.pixelSize() * factor)))
    font.setBold(bold)
    return font


class VerdictBanner(QFrame):
    """The answer at the top of an officer window: the state's icon, then its words, on the
    state's tone. Screen readers hear "Verdict: <words>"."""

    def __init__(self, parent: QWidget | None = None, *, icon_px: int = 40,
                 factor: float = HEADING_FACTOR, name_prefix: str = "Verdict: ") -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self._icon_px = icon_px
        self._prefix = name_prefix
        self.icon = QLabel(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setFont(heading_font(self, factor))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, SPACING, MARGIN, SPACING)
        layout.setSpacing(MARGIN)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.state: TrayState | None = None

    def set_verdict(self, state: TrayState, words: str, icon: QIcon | None = None) -> None:
        self.state = state
        self.setProperty("tone", STATE_TONES.get(state, "neutral"))
        # A dynamic property selector is matched when the sheet is polished: re-polish.
        self.style().unpolish(self)
        self.style().polish(self)
        for child in (self.icon, self.label):
            child.style().unpolish(child)
            child.style().polish(child)
        shown = icon if icon is not None else state_icon(state)
        self.icon.setPixmap(shown.pixmap(self._icon_px, self._icon_px))
        self.icon.setAccessibleName(words)
        self.label.setText(words)
        self.label.setAccessibleName(f"{self._prefix}{words}")

    def tone(self) -> str:
        return str(self.property("tone") or "")


def window_frame(window: QWidget, body: QWidget, buttons: QLayout,
                 top: QWidget | None = None) -> QVBoxLayout:
    """The shape officer windows share (issue 19): ``top`` (a verdict banner) above the
    ``body`` (the part that scrolls: it takes all spare height), the button row at the
    bottom, outside the body so it is always on screen; the shared margins and spacing."""
    layout = QVBoxLayout(window)
    layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
    layout.setSpacing(SPACING)
    if top is not None:
        layout.addWidget(top)
    layout.addWidget(body, 1)
    layout.addLayout(buttons)
    return layout


def button(parent: QWidget, text: str, description: str,
           slot: Callable[[], object]) -> QPushButton:
    """A push button that names itself to screen readers (its text without the mnemonic
    ampersand) and is never an auto-default (Enter presses only the chosen default)."""
    b = QPushButton(text, parent)
    b.setAccessibleName(text.replace("&", ""))
    b.setAccessibleDescription(description)
    b.setAutoDefault(False)
    b.clicked.connect(slot)
    return b


__all__ = ["APP_STYLE", "FOCUS_STYLE", "FOCUS_WIDTH", "HEADING_FACTOR", "MARGIN", "SPACING",
           "STATE_TONES", "SUBHEADING_FACTOR", "TITLE_FACTOR", "TONES", "VerdictBanner",
           "apply_app_style", "button", "heading_font"]
