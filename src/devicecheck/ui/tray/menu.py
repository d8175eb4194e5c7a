"""The tray menu, built from one list of entries (``ENTRIES``). The same list gives the
no-tray window its buttons (``command_actions``) and a second launch its messages
(``entry_for_message``): a new menu item is one line here and one handler.

``refresh`` runs on ``aboutToShow`` so the status line, the autostart tick and whether
Quit is allowed are read when the officer opens the menu, not when it was built.

The first line is the verdict ("No — don't take calls on this laptop. Contact …"). It
used to be a disabled action, which every style draws as grey text: the one line an
officer must read was the hardest to read (issue 19). It is an ENABLED action now, in
bold, with the state's icon (its shape differs per state, so the status is not told by
colour alone), reachable with the arrow keys and read out by screen readers as a normal
item; choosing it opens the report, which says what to do."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtGui import QAction, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from devicecheck.qtsupport.icons import state_icon
from devicecheck.ui.model.states import STATE_WORDS, TrayState

#: What choosing the status line does, for its tool tip (screen readers read it too).
STATUS_HINT = "Open the report: what was checked and what to do"


@dataclass(frozen=True)
class MenuEntry:
    """One command of the menu (and button of the no-tray window)."""

    key: str                      # the handler's name in ``TrayMenu(handlers)``
    text: str                     # with the mnemonic ampersand
    message: str | None = None    # what a second launch may send to run it
    checkable: bool = False       # a toggle: the handler gets the new state
    separator_before: bool = False


ENTRIES: tuple[MenuEntry, ...] = (
    MenuEntry("precall", "&Run pre-call check…", message="precall", separator_before=True),
    MenuEntry("notice", "Show privacy &notice"),
    MenuEntry("clean", "&Clear meeting data now…"),
    MenuEntry("report", "&Last report…", message="report"),
    MenuEntry("logs", "Open lo&g folder"),
    # IT's guided test (``[teams] pilot_menu``): hidden unless the policy shows it.
    MenuEntry("pilot", "&Test meeting detection…"),
    MenuEntry("autostart", "&Start at log-in", checkable=True, separator_before=True),
    MenuEntry("about", "&About DeviceCheck"),
    MenuEntry("quit", "&Quit", separator_before=True),
)

#: What a second launch asks for when its message is not known (the pre-call check is
#: what an officer starting DeviceCheck again wants).
DEFAULT_MESSAGE = "precall"


def entry_for_message(message: str) -> MenuEntry:
    """The entry a second launch's message runs (unknown messages: the pre-call check)."""
    by_message = {e.message: e for e in ENTRIES if e.message is not None}
    return by_message.get(message, by_message[DEFAULT_MESSAGE])


Handler = Callable[..., object]


def elide_at_word(text: str, fits: Callable[[str], bool]) -> str:
    """``text``, or as many whole words of it as ``fits`` with "…" after them (a lone
    first word too long to fit is kept whole: a cut word reads as a different one)."""
    if fits(text):
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words).rstrip(" ,.;:\u2013\u2014-") + "\u2026"
        if fits(candidate):
            return candidate
    return words[0] + "\u2026"


class TrayMenu(QMenu):
    def __init__(self, handlers: Mapping[str, Handler], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("DeviceCheck")
        self.setAccessibleName("DeviceCheck menu")
        self.setToolTipsVisible(True)  # the status line's full words when it is shortened
        self.status = self._action(STATE_WORDS[TrayState.CHECKING])
        font = self.status.font()
        font.setBold(True)
        self.status.setFont(font)
        self.status.setIcon(state_icon(TrayState.CHECKING))
        self.status.setToolTip(STATUS_HINT)
        report = handlers["report"]
        self.status.triggered.connect(lambda _checked=False: report())
        # How meetings are seen (Teams' log, microphone use...), or that they cannot be.
        self.teams_status = self._action("")
        self.teams_status.setEnabled(False)
        self.teams_status.setVisible(False)
        self.entries: dict[str, QAction] = {}
        self.separators: dict[str, QAction] = {}
        for entry in ENTRIES:
            if entry.separator_before:
                self.separators[entry.key] = self.addSeparator()
            action = self._action(entry.text)
            handler = handlers[entry.key]
            if entry.checkable:
                action.setCheckable(True)
                action.toggled.connect(handler)
            else:
                action.triggered.connect(lambda _checked=False, h=handler: h())
            self.entries[entry.key] = action
        self.quit_separator = self.separators["quit"]
        self.entries["pilot"].setVisible(False)     # until refresh reads the policy

    def _fits(self, text: str) -> bool:
        """Whether the status line fits the screen (90 % of it, less the icon and the
        menu's margins: about six average characters)."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return True
        metrics = QFontMetrics(self.status.font())
        room = int(screen.availableGeometry().width() * 0.9) - 6 * metrics.averageCharWidth()
        return metrics.horizontalAdvance(text) <= room

    def _action(self, text: str) -> QAction:
        action = QAction(text, self)
        # Screen readers read the text without the mnemonic ampersand.
        action.setToolTip(text.replace("&", ""))
        self.addAction(action)
        return action

    # The entries the tray changes on refresh, by name.
    @property
    def precall(self) -> QAction:
        return self.entries["precall"]

    @property
    def notice(self) -> QAction:
        return self.entries["notice"]

    @property
    def clean(self) -> QAction:
        return self.entries["clean"]

    @property
    def report(self) -> QAction:
        return self.entries["report"]

    @property
    def logs(self) -> QAction:
        return self.entries["logs"]

    @property
    def autostart(self) -> QAction:
        return self.entries["autostart"]

    @property
    def about(self) -> QAction:
        return self.entries["about"]

    @property
    def quit(self) -> QAction:
        return self.entries["quit"]

    def command_actions(self) -> list[QAction]:
        """What the no-tray window offers as buttons: every entry (not the status lines)."""
        return [self.entries[e.key] for e in ENTRIES]

    def refresh(self, state: TrayState, detail: str, *, allow_quit: bool,
                autostart_visible: bool, autostart_enabled: bool, teams_line: str = "",
                data_waiting: bool = False, line: str = "",
                pilot_visible: bool = False) -> None:
        """``line``: the verdict line (``states.state_line``); the state's words without."""
        words = f"{line or STATE_WORDS[state]}{' – ' + detail if detail else ''}"
        # Never cut mid-word (issue 27: at 200 % with a real IT contact the line ran off
        # the screen and was cut mid-word): shortened at a word, the full words in the
        # tool tip, which this menu shows.
        shown = elide_at_word(words, self._fits)
        # "&&": an ampersand in the IT contact ("IT & Digital") is text, not a mnemonic.
        self.status.setText(shown.replace("&", "&&"))
        self.status.setIcon(state_icon(state))
        self.status.setToolTip(f"{words}. {STATUS_HINT}")
        self.teams_status.setText(teams_line)
        self.teams_status.setToolTip(teams_line)
        self.teams_status.setVisible(bool(teams_line))
        label = "&Clear meeting data now…" + (" (data waiting)" if data_waiting else "")
        self.clean.setText(label)
        self.clean.setToolTip(label.replace("&", ""))
        self.quit.setVisible(allow_quit)
        self.entries["pilot"].setVisible(pilot_visible)
        self.quit_separator.setVisible(allow_quit)
        self.autostart.setVisible(autostart_visible)
        self.autostart.blockSignals(True)  # reflecting the file is not a user toggle
        self.autostart.setChecked(autostart_enabled)
        self.autostart.blockSignals(False)
