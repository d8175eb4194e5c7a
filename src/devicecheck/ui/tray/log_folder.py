"""The menu's "Open log folder": DeviceCheck's own folder (the audit log) in the desktop's
file manager, and what the officer is told when there is none.

``QDesktopServices.openUrl`` "indicate[s] whether [it] succeeded or failed" (Qt's
QDesktopServices documentation, doc.qt.io/qt-6/qdesktopservices.html: ``bool
openUrl(const QUrl &url)``); on Linux it hands the folder to ``xdg-open`` and returns false
when nothing can open it (a kiosk desktop, a minimal install without a file manager).
Issue 19: that click used to do nothing at all. Now a small window says so, with the
folder's location for IT behind the "For IT" line (a path is IT's detail, not the
officer's), selectable so it can be copied into an e-mail or a ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from devicecheck.ui.tray.debug import debug

log = logging.getLogger(__name__)

TITLE = "The log folder could not be opened"


def open_folder(folder: Path, opener: Callable[[QUrl], object]) -> bool:
    """Make ``folder`` (our own, 0700) if needed and ask ``opener`` to show it. False
    only when the opener said it failed: an opener that returns nothing (a test's
    recorder) is taken at its word."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        log.warning("log folder not creatable: %s", exc.strerror or type(exc).__name__)
    return opener(QUrl.fromLocalFile(str(folder))) is not False


def failure_box(folder: Path, it_contact: str, parent: QWidget | None = None) -> QMessageBox:
    """The officer's words for a folder that would not open: what happened, what to do,
    and the location for IT."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)  # a failure: the warning icon (issue 19)
    box.setWindowTitle(TITLE)
    box.setTextFormat(Qt.TextFormat.PlainText)  # the path is shown, never interpreted
    box.setText(f"{TITLE}: this laptop has no program that can show folders.")
    box.setInformativeText(
        f"Nothing is wrong with your checks. If {it_contact} asks for DeviceCheck's "
        f"records, tell them the folder below.\n\nFor IT: {folder}")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    close = box.addButton("&Close", QMessageBox.ButtonRole.RejectRole)
    close.setAccessibleName("Close")
    box.setDefaultButton(close)
    box.setEscapeButton(close)
    box.setAccessibleName(TITLE)
    box.setModal(False)
    from devicecheck.qtsupport.screen_fit import fit_to_screen  # not at tray start

    fit_to_screen(box)
    return box


def open_log_folder(opener: Callable[[QUrl], object], it_contact: str,
                    show_dialog: Callable[[str, QDialog], object]) -> Path:
    """The menu action: open the folder with ``opener``, or say that it could not be
    opened (``show_dialog``: the tray's window manager keeps the box, one per key)."""
    from devicecheck import paths

    folder = paths.user_data_dir()
    if open_folder(folder, opener):
        debug("logs-opened")
    else:
        log.warning("no application opened the log folder")
        show_dialog("logs", failure_box(folder, it_contact))
        debug("logs-failed")
    return folder
