"""After a meeting with Teams still open (``[cleaner] after_meeting = "ask"``): one prompt,
"Clear now" (Teams closes for a moment and opens again) or "Later"; after "Clear now" the
same window says "Clearing…" and then the result, and no balloon repeats it (the Teams
link hands the outcome here: ``OutcomeWatch``).

Non-modal, so the tray keeps running; closed without action the moment a new meeting
starts (nothing is quit or deleted then — the monitor also re-checks before it quits).
"Later" is the default button: the prompt appears by itself, perhaps while the officer
types in another window, so a reflex Enter must not close Teams. "Clear now" is one
Alt+C away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from devicecheck.policy import Policy
from devicecheck.teams.events import TeamsEvent
from devicecheck.ui.model import clean_words as words
from devicecheck.ui.windows.clean_dialog import CleanDialog

TITLE = words.PROMPT_TITLE

#: "Clear now": start the restart-and-clean, report its outcome to the callable given;
#: True when it started (False: refused).
AcceptFn = Callable[[Callable[[TeamsEvent], bool]], object]


class ClearPrompt(QObject):
    """``accept`` is called on "Clear now"; ``later`` on "Later" or Escape."""

    def __init__(self, accept: AcceptFn, later: Callable[[], object] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._accept, self._later = accept, later
        self.box: CleanDialog | None = None
        self._clients: tuple[str, ...] = ()
        self._waiting = False

    @property
    def showing(self) -> bool:
        return self.box is not None and self.box.isVisible()

    @property
    def screen(self) -> words.Screen | None:
        return self.box.screen_now if self.box is not None else None

    def show(self, parent: QWidget | None = None, *, clients: Sequence[str] = (),
             policy: Policy | None = None) -> CleanDialog:
        """Ask (again): a result still on screen from an earlier meeting is replaced."""
        self._clients = tuple(clients)
        screen = words.prompt_screen(self._clients, policy or Policy())
        if self.box is not None:
            if not self._waiting:
                self.box.show_screen(screen)
            self.box.raise_()
            self.box.activateWindow()
            return self.box
        box = CleanDialog(screen, parent)
        box.chosen.connect(self._chosen)
        self.box = box
        box.show()
        return box

    def dismiss(self) -> None:
        """A meeting started: close without doing anything."""
        box, self.box = self.box, None
        self._waiting = False
        if box is not None:
            box.chosen.disconnect(self._chosen)
            box.finish()

    def _chosen(self, key: str) -> None:
        if key == words.CLEAR:
            self._clear()
            return
        box, self.box = self.box, None
        self._waiting = False   # closed while clearing: the link's balloon tells the end
        if box is not None:
            box.finish()
        if key == words.LATER and self._later is not None:
            self._later()

    def _clear(self) -> None:
        if self.box is None:
            return
        self._waiting = True
        self.box.show_screen(words.working_screen(TITLE, self._clients, restart=True))
        started = self._accept(self.on_outcome)
        if started is False and self._waiting and self.box is not None:
            self._waiting = False
            self.box.show_screen(words.refused_to_start_screen(TITLE))

    def on_outcome(self, event: TeamsEvent) -> bool:
        """The restart-and-clean ended: show it here (False when the prompt is gone)."""
        if not self._waiting or self.box is None:
            return False
        self._waiting = False
        self.box.show_screen(words.result_screen(TITLE, words.outcome_of_event(event)))
        return True
