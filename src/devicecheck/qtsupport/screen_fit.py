"""Windows that fit the officer's screen (issue 19).

A window's wanted size comes from its font (so a larger system font gets a larger window),
but at 200 % scaling on a 1366×768 laptop, or on a 1024×600 netbook, that size is bigger
than the screen and the buttons end up off-screen. Every DeviceCheck window therefore:

* puts its body (everything but the heading and the button row) in ``scroll_body``, so
  the body scrolls inside the window instead of pushing the buttons away, and the control
  that takes the focus is scrolled into view whatever moved the focus (Tab, a mnemonic,
  code); and
* calls ``fit_to_screen`` before it is first shown: the window is at most ``SHARE`` of
  the screen's available area (the panel and dock excluded) and centred in it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QWidget

#: The largest share of the available screen a window takes when it opens.
SHARE = 0.9


def available_area(window: QWidget) -> QRect | None:
    """The available geometry of the screen the window is (or will be) on."""
    # Never ``window.screen()``: PySide6's return-value heuristic makes the returned QScreen
    # wrapper a "child" of the window's wrapper; when the window's wrapper goes first, the
    # QScreen wrapper is handed to Python, and the next garbage collection deletes the
    # application's QScreen (seen in the test suite as a segfault in
    # QScreen::virtualSiblings when the next window was built). The static look-ups below
    # have no ``self`` to attach the screen to.
    screen: QScreen | None = (QGuiApplication.screenAt(window.geometry().center())
                              or QGuiApplication.primaryScreen())
    return screen.availableGeometry() if screen is not None else None


def bounded_size(wanted: QSize, area: QRect, share: float = SHARE) -> QSize:
    """``wanted`` shrunk to at most ``share`` of ``area`` in each direction (pure)."""
    return QSize(min(wanted.width(), int(area.width() * share)),
                 min(wanted.height(), int(area.height() * share)))


def fit_to_screen(window: QWidget, wanted: QSize | None = None) -> QSize:
    """Size ``window`` to ``wanted`` (default: its current size, or its size hint if that
    is larger) bounded by ``SHARE`` of the available screen, and centre it there.

    The window's minimum size is lowered to the bound too: a layout's minimum (a long
    unwrapped label, a wide button row) would otherwise keep it bigger than the screen.
    Returns the size set."""
    if wanted is None:
        hint = window.sizeHint()
        wanted = window.size().expandedTo(hint) if hint.isValid() else window.size()
    area = available_area(window)
    if area is None or area.isEmpty():  # no screen (yet): nothing to fit to
        window.resize(wanted)
        return wanted
    size = bounded_size(wanted, area)
    window.setMinimumSize(window.minimumSize().boundedTo(size))
    window.resize(size)
    frame = window.frameGeometry()
    # Centre by the frame (title bar included) so the title bar stays on screen too.
    extra = QSize(max(0, frame.width() - window.width()),
                  max(0, frame.height() - window.height()))
    x = area.x() + max(0, (area.width() - size.width() - extra.width()) // 2)
    y = area.y() + max(0, (area.height() - size.height() - extra.height()) // 2)
    window.move(x, y)
    return size


def grow_to_content(window: QWidget, body: QScrollArea) -> QSize:
    """Make ``window`` tall enough that ``body`` shows all its content without scrolling,
    within ``SHARE`` of the screen (the body scrolls beyond that). For windows whose
    content grows after they are built (a message added, a status line longer); it only
    ever grows, so the window does not jump about while the officer reads it."""
    layout = window.layout()
    if layout is not None:
        layout.activate()  # lay out now, even before the first show
    content = body.widget()
    if content is None:
        return window.size()
    width = body.viewport().width()
    inner = content.layout()
    need = (inner.totalHeightForWidth(width) if inner is not None and inner.hasHeightForWidth()
            else content.sizeHint().height())
    extra = need - body.viewport().height()
    if extra <= 0:
        return window.size()
    return fit_to_screen(window, QSize(window.width(), window.height() + extra))


class _FocusFollower(QObject):
    """Scrolls the area to whichever of its descendants takes the focus. One per area;
    it is the area's child, so it goes when the area goes."""

    def __init__(self, area: QScrollArea) -> None:
        super().__init__(area)
        self._area = area
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        body = self._area.widget()
        if new is None or body is None or not body.isAncestorOf(new):
            return
        # Margins so the 2 px focus frame and a line of context show as well.
        margin = max(8, new.fontMetrics().height() // 2)
        self._area.ensureWidgetVisible(new, margin, margin)


def scroll_body(content: QWidget, parent: QWidget, *, name: str = "") -> QScrollArea:
    """``content`` inside a frameless, resizable scroll area that follows the focus.

    ``name`` is the area's accessible name (screen readers announce the region)."""
    area = QScrollArea(parent)
    area.setObjectName("scrollBody")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setWidget(content)
    # The area itself never takes Tab: the officer tabs through the content's controls.
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if name:
        area.setAccessibleName(name)
    _FocusFollower(area)
    return area


def inside(rect: QRect, area: QRect) -> bool:
    """Whether ``rect`` lies wholly within ``area`` (for the screen-fit tests and the
    debug trace)."""
    return area.contains(rect.topLeft()) and area.contains(rect.bottomRight())


__all__ = ["SHARE", "available_area", "bounded_size", "fit_to_screen", "grow_to_content",
           "inside", "scroll_body"]
