"""The one look every DeviceCheck window shares: a thick highlight-coloured frame on
whatever has focus (the platform's own focus hint is a thin dotted line that many officers
cannot see), and buttons made the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QPushButton, QWidget

FOCUS_STYLE = """
QCheckBox { padding: 3px; border: 2px solid transparent; border-radius: 4px; }
QCheckBox:focus { border: 2px solid palette(highlight); }
QPushButton, QToolButton { padding: 4px 12px; border: 2px solid palette(mid);
                           border-radius: 4px; background: palette(button); min-height: 1.4em; }
QPushButton:default { border-color: palette(dark); }
QPushButton:focus, QToolButton:focus { border: 2px solid palette(highlight);
                                       background: palette(light); }
QPushButton:pressed { background: palette(midlight); }
QPushButton:disabled { border-color: palette(midlight); }
QTextBrowser:focus, QTreeWidget:focus { border: 2px solid palette(highlight); }
QFrame#checkRow { border: 1px solid palette(mid); border-radius: 6px; }
"""


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
