"""Trace lines of the report window for the end-to-end tests (``DEVICECHECK_DEBUG_TRAY=1``):
what the first screen shows and what the keyboard reaches, said by the window itself.

Issue 27's acceptance reads the report as an officer would — which fault phrases are on
the first screen, what each Tab or arrow key lands on, whether PgDn and Home scroll —
from a process started as ``devicecheck report`` on an X server. No OCR is available
there, and AT-SPI would need an accessibility bus the report does not otherwise use, so
the window says it in one JSON line per event on stderr:

* ``report-layout {...}``: once the window has opened (sized, scrolled to the top, the
  focus placed) and after every refill while shown: the window's and the scrolling
  body's viewport rectangles, the banner's, the problem summary line's, and each problem
  item's rectangle with its fault phrase — all in global logical pixels — and the
  accessible name of the widget that has the window's focus.
* ``report-focus {...}``: the widget the focus moved to inside the window: its accessible
  name, description and class.
* ``report-scroll {...}``: the body's scroll position and maximum after each change.

The words are the officer's (phrases, status words, advice): never personal data, never
a path or evidence. Nothing is connected unless tracing is on.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPoint, QRect, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from devicecheck.ui.tray.debug import debug, debug_enabled

if TYPE_CHECKING:
    from PySide6.QtWidgets import QScrollArea

    # The window's parts are passed in, not the ReportWindow: report_window imports this
    # module, and naming it back (even for types) was an import cycle (issue 28).
    from devicecheck.ui.windows.results_view import ResultsView


def global_rect(widget: QWidget) -> list[int]:
    """``widget``'s rectangle in global logical pixels, as [x, y, width, height]."""
    r = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    return [r.x(), r.y(), r.width(), r.height()]


def layout_facts(window: QWidget, view: ResultsView, scroll_area: QScrollArea) -> dict[str, Any]:
    """What the window shows now, by rectangle (the test decides what is visible)."""
    viewport = scroll_area.viewport()
    bar = scroll_area.verticalScrollBar()
    focused = window.focusWidget()
    banner = view.banner
    return {
        "window": global_rect(window),
        "viewport": global_rect(viewport),
        "banner": {"rect": global_rect(banner), "visible": banner.isVisible(),
                   "text": banner.label.text()},
        "summary": {"rect": global_rect(view.summary), "visible": view.summary.isVisible(),
                    "text": view.summary.text()},
        "problems": [{"phrase": item.row.phrase, "status": item.row.status,
                      "rect": global_rect(item.text),
                      "line_height": item.text.fontMetrics().height()}
                     for item in view.items],
        "scroll": {"value": bar.value(), "max": bar.maximum()},
        "focus": focused.accessibleName() if focused is not None else None,
    }


class ReportTrace(QObject):
    """Emits the window's trace lines; created only when tracing is on (``attach``)."""

    def __init__(self, window: QWidget, view: ResultsView, scroll_area: QScrollArea) -> None:
        super().__init__(window)
        self._window = window
        self._view = view
        self._scroll_area = scroll_area
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus)
        scroll_area.verticalScrollBar().valueChanged.connect(self._on_scroll)

    def layout_settled(self) -> None:
        """After the window placed itself: once the event loop has laid it out."""
        QTimer.singleShot(0, self._emit_layout)

    def _emit_layout(self) -> None:
        if self._window.isVisible():
            facts = layout_facts(self._window, self._view, self._scroll_area)
            debug("report-layout " + json.dumps(facts, ensure_ascii=False))

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not self._window.isAncestorOf(new):
            return
        debug("report-focus " + json.dumps({"name": new.accessibleName(),
                                            "description": new.accessibleDescription(),
                                            "class": type(new).__name__},
                                           ensure_ascii=False))

    def _on_scroll(self, value: int) -> None:
        bar = self._scroll_area.verticalScrollBar()
        debug("report-scroll " + json.dumps({"value": value, "max": bar.maximum()}))


def attach(window: QWidget, view: ResultsView, scroll_area: QScrollArea) -> ReportTrace | None:
    """A trace for the report ``window`` (its results ``view`` in ``scroll_area``) when
    ``DEVICECHECK_DEBUG_TRAY`` is set, else None."""
    return ReportTrace(window, view, scroll_area) if debug_enabled() else None


__all__ = ["ReportTrace", "attach", "layout_facts"]
