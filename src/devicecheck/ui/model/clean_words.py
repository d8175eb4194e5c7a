"""What the "clear meeting data" dialogs say, in officers' words (issue 19): pure, no Qt.

Each state of the two dialogs (the menu's "Clear meeting data now…" and the after-meeting
"Clear this meeting's data?") is a ``Screen``: icon, heading, paragraphs, buttons. The
dialog (``ui/windows/clean_dialog.py``) only draws it, so the words are tested here
without a window and the same ``Screen`` opens a dialog in its fullest state for the
screen-fit tests (``fullest_screens``).

Officers know the clients by the names Microsoft and the community use ("Microsoft Teams",
"Teams for Linux"), never by our ids or folder labels; counts of files are not news to
them, so results say what happened, not how many files went.

What goes and what stays follows the catalogue (``cleaner/catalogue.py``) and
``shared/reference/teams.md`` ("Where each client keeps meeting data"):

- ``personal-data`` clears IndexedDB (conversations, contacts, call history), the logs
  (call events and names), new Teams' per-account stores and contact photos, and the
  caches; ``caches-only`` clears the caches alone.
- Backgrounds and the settings files are in the catalogue's KEEP list: they stay.
- Sign-in: new Teams keeps it outside the data folder (OneAuth, IdentityCache, Windows
  WAM, the macOS keychain), so it survives a clean unless policy clears the cookies.
  Teams for Linux keeps its session in the Chromium stores that ``personal-data`` clears
  (its maintainers saw daily re-authentication when IndexedDB/WebStorage were deleted),
  and for classic Teams no source says where its sign-in lives: for those the dialog says
  "you may need to sign in again" rather than promise it stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from devicecheck.clients import CLIENTS
from devicecheck.policy import Policy
from devicecheck.teams.events import FORCED_CACHES_ONLY, Cleaned, CleanRefused, TeamsEvent
from devicecheck.ui.model.notifications import clean_refused_message

#: Icons a screen may wear. A failure is always WARNING, never INFO; success is PLAIN.
QUESTION, WARNING, INFO, PLAIN = "question", "warning", "info", "plain"

#: Button keys (what the dialog reports back when one is pressed).
CLEAR, RESTART, CANCEL, LATER, RETRY, CLOSE = (
    "clear", "restart", "cancel", "later", "retry", "close")

#: Clients whose sign-in is known to live outside what a clean deletes (module docstring;
#: the client entry's ``sign_in_outside_data``, ``devicecheck/clients.py``).
SIGN_IN_OUTSIDE = frozenset(c.id for c in CLIENTS.values() if c.sign_in_outside_data)

MENU_TITLE = "Clear meeting data"
PROMPT_TITLE = "Clear this meeting's data?"


@dataclass(frozen=True)
class Button:
    key: str
    text: str              # with its mnemonic ("&Clear now")
    description: str = ""  # for screen readers
    enabled: bool = True


@dataclass(frozen=True)
class Screen:
    """One state of a clean dialog. ``default`` is what Enter presses, ``escape`` what
    Escape and the window's close button do."""

    title: str
    icon: str
    heading: str
    paragraphs: tuple[str, ...]
    buttons: tuple[Button, ...]
    default: str
    escape: str
    #: Whether the dialog waits for a clean to finish (no result yet).
    working: bool = False

    def button(self, key: str) -> Button | None:
        return next((b for b in self.buttons if b.key == key), None)

    def text(self) -> str:
        """Everything the screen says, for tests and accessible descriptions."""
        return "\n".join((self.heading, *self.paragraphs))


# ----- client names and what a clean touches ------------------------------------------
def client_name(client_id: str) -> str:
    """The name officers know, from the client's entry (new Teams is simply "Microsoft
    Teams" to them); "Teams" for anything that is no client."""
    client = CLIENTS.get(client_id)
    return client.officer_name if client is not None else "Teams"


def client_names(client_ids: Iterable[str]) -> str:
    """"Microsoft Teams", "Microsoft Teams and Teams for Linux" (each name once)."""
    names = list(dict.fromkeys(client_name(c) for c in client_ids)) or ["Teams"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _one(client_ids: Iterable[str]) -> bool:
    """Whether the names read as one client (for "is"/"are", "it"/"them")."""
    return len({client_name(c) for c in client_ids}) <= 1


def _forms(client_ids: Iterable[str]) -> tuple[str, str, str, str, str]:
    """(is, its, it, -s, was) agreeing with the client names."""
    return ("is", "its", "it", "s", "was") if _one(client_ids) else (
        "are", "their", "them", "", "were")


def what_goes(policy: Policy) -> str:
    if policy.cleaner.mode == "caches-only":
        return ("What goes: the temporary files Teams keeps. The council has chosen to keep "
                "names and chat history, so they stay.")
    return "What goes: names, e-mail addresses, chat and call history, and temporary files."


def sign_in_kept(policy: Policy, client_ids: Iterable[str]) -> bool:
    """Whether a clean leaves the officer signed in (module docstring for the sources)."""
    if policy.cleaner.clear_cookies:
        return False
    if policy.cleaner.mode == "caches-only":
        return True
    return set(client_ids) <= SIGN_IN_OUTSIDE


def what_stays(policy: Policy, client_ids: Sequence[str]) -> str:
    if sign_in_kept(policy, client_ids):
        return "What stays: your sign-in, backgrounds and settings."
    return (f"What stays: your backgrounds and settings. You may need to sign in to "
            f"{client_names(client_ids)} again.")


# ----- what a plan found ---------------------------------------------------------------
class _Root(Protocol):
    client_id: str
    running: bool
    refused: str | None

    @property
    def deletable(self) -> Sequence[object]: ...


class _Plan(Protocol):
    @property
    def clients(self) -> Sequence[_Root]: ...


@dataclass(frozen=True)
class PlanFacts:
    """A plan reduced to what the officer needs: which clients have data that can go now
    (closed), which have data but are open, which refused a folder (unsafe to touch)."""

    closed: tuple[str, ...] = ()
    open: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()

    @property
    def anything(self) -> bool:
        return bool(self.closed or self.open)

    @property
    def clients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.closed, *self.open)))


def plan_facts(plan: _Plan) -> PlanFacts:
    closed: dict[str, None] = {}
    opened: dict[str, None] = {}
    blocked: dict[str, None] = {}
    for root in plan.clients:
        if root.refused:
            blocked[root.client_id] = None
        elif root.deletable:
            (opened if root.running else closed)[root.client_id] = None
    return PlanFacts(tuple(c for c in closed if c not in opened), tuple(opened),
                     tuple(blocked))


# ----- the screens ----------------------------------------------------------------------
def _close(default_text: str = "&Close") -> Button:
    return Button(CLOSE, default_text, "Close this window")


def unavailable_screen(it_contact: str) -> Screen:
    return Screen(MENU_TITLE, WARNING, "Meeting data can't be cleared here",
                  ("This copy of DeviceCheck cannot clear meeting data. "
                   f"Contact IT: {it_contact}.",), (_close(),), CLOSE, CLOSE)


def nothing_screen() -> Screen:
    return Screen(MENU_TITLE, INFO, "No meeting data to clear",
                  ("Teams has no meeting data on this laptop.",), (_close(),), CLOSE, CLOSE)


def _blocked_line(facts: PlanFacts) -> tuple[str, ...]:
    if not facts.blocked:
        return ()
    return (f"Part of {client_names(facts.blocked)}'s data cannot be cleared safely here. "
            "IT can see why in the report.",)


def menu_screen(facts: PlanFacts, policy: Policy, *, restart: bool) -> Screen:
    """The menu's question for a plan with data. ``restart``: Teams can be closed and
    opened again by DeviceCheck (the Teams link runs here)."""
    if not facts.anything:
        screen = nothing_screen()
        blocked = _blocked_line(facts)
        if blocked:
            return Screen(MENU_TITLE, WARNING, "Meeting data can't be cleared",
                          blocked, screen.buttons, CLOSE, CLOSE)
        return screen
    names = client_names(facts.clients)
    heading = f"Clear meeting data from {names}?"
    facts_lines = (what_goes(policy), what_stays(policy, facts.clients), *_blocked_line(facts))
    cancel = Button(CANCEL, "C&ancel", "Close without clearing")
    if facts.open and restart:
        opened = client_names(facts.open)
        is_, its, it, _s, _was = _forms(facts.open)
        lines = (f"{opened} {is_} open. To clear {its} data, DeviceCheck closes {it} for a "
                 f"moment and opens {it} again.", *facts_lines)
        go = Button(RESTART, "&Restart Teams and clear",
                    "Teams closes for a moment, the data goes, and it opens again")
        # The officer chose this menu item on purpose: Enter does what they asked for.
        return Screen(MENU_TITLE, QUESTION, heading, lines, (go, cancel), RESTART, CANCEL)
    if facts.open:
        opened = client_names(facts.open)
        is_, its, it, _s, _was = _forms(facts.open)
        if facts.closed:
            lines = (f"{opened} {is_} open, so {its} data stays until you quit {it}. Quit "
                     f"{it}, then Try again to clear that too. {client_names(facts.closed)}'s "
                     "data can go now.", *facts_lines)
            clear = Button(CLEAR, "&Clear now", f"Clear {client_names(facts.closed)}'s data")
            default = CLEAR
        else:
            lines = (f"{opened} {is_} open, so {its} meeting data can't be cleared now. "
                     "Quit Teams, then Try again.", *facts_lines)
            clear = Button(CLEAR, "&Clear now", "Not possible while Teams is open",
                           enabled=False)
            default = RETRY
        retry = Button(RETRY, "&Try again", "Look again whether Teams is closed")
        return Screen(MENU_TITLE, WARNING if not facts.closed else QUESTION, heading, lines,
                      (clear, retry, cancel), default, CANCEL)
    clear = Button(CLEAR, "&Clear now", f"Clear {names}'s meeting data")
    return Screen(MENU_TITLE, QUESTION, heading, facts_lines, (clear, cancel), CLEAR, CANCEL)


def prompt_screen(client_ids: Sequence[str], policy: Policy) -> Screen:
    """After a meeting with Teams still open. It appears by itself, perhaps while the
    officer types elsewhere: a reflex Enter means "Later" (nothing closes)."""
    ids = tuple(client_ids) or ("teams-new",)
    names = client_names(ids)
    is_, its, it, s_, _was = _forms(ids)
    if policy.cleaner.mode == "caches-only":
        still = (f"The call has ended, but {names} {is_} still open, so {its} temporary files "
                 "from the meeting are still on this laptop.")
    else:
        still = (f"The call has ended, but {names} {is_} still open, so names, e-mail "
                 "addresses, chat and call history from the meeting are still on this laptop.")
    lines = (still,
             f"Clear now: {names} close{s_} for a moment, DeviceCheck clears the data, and "
             f"{'it opens' if s_ else 'they open'} again.",
             what_stays(policy, ids),
             "Later: DeviceCheck asks again after your next meeting, or clears when Teams "
             "closes.")
    clear = Button(CLEAR, "&Clear now", "Teams closes for a moment and opens again")
    later = Button(LATER, "&Later", "Keep Teams open; clear another time")
    return Screen(PROMPT_TITLE, QUESTION, PROMPT_TITLE, lines, (clear, later), LATER, LATER)


def working_screen(title: str, client_ids: Sequence[str], *, restart: bool) -> Screen:
    names = client_names(client_ids)
    s_ = _forms(client_ids)[3]
    first = f"{names} close{s_} for a moment and open{s_} again." if restart \
        else "This takes a few seconds."
    lines = (first, "You can close this window: DeviceCheck tells you when it is done.")
    return Screen(title, PLAIN, "Clearing meeting data…", lines, (_close(),), CLOSE, CLOSE,
                  working=True)


# ----- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What a clean did, from either source (a ``CleanResult`` or the Teams link's event)."""

    cleaned: bool                   # some data was deleted
    failures: int = 0               # parts that could not be removed
    still_open: tuple[str, ...] = ()  # clients refused because they ran
    not_reopened: tuple[str, ...] = ()  # restarted clients that did not start again
    reopened: bool = False
    refusal: str = ""               # why nothing was deleted (officer's words)
    clients: tuple[str, ...] = field(default_factory=tuple)


def outcome_of_result(result: Any) -> Outcome:
    """From ``cleaner.run.CleanResult`` (the menu's direct clean)."""
    refused = tuple(getattr(result, "refused", ()) or ())
    failures = len(getattr(result, "failures", ()) or ())
    removed = int(getattr(result, "removed_files", 0) or 0) + int(
        getattr(result, "removed_links", 0) or 0)
    # Refused clients are also listed in failures: count only the other failures.
    failures = max(0, failures - len(refused))
    return Outcome(cleaned=removed > 0 or not (refused or failures), failures=failures,
                   still_open=refused)


def outcome_of_event(event: TeamsEvent) -> Outcome:
    """From the Teams link's ``cleaned`` / ``clean-refused`` event after a restart."""
    if not isinstance(event, Cleaned):
        # A restart's end is never the "quit Teams" offer (``ends_restart``): the offer
        # setting does not matter here.
        message = (clean_refused_message(event, offer_quit_teams=False)
                   if isinstance(event, CleanRefused) else None)
        why = message[1] if message is not None else (
            "Clearing the meeting data did not happen. Try again later; if this keeps "
            "happening, contact IT.")
        clients = event.clients if isinstance(event, CleanRefused) else ()
        return Outcome(cleaned=False, refusal=why, clients=clients)
    restarted = event.restart.restarted if event.restart is not None else {}
    return Outcome(cleaned=True, failures=event.failures, reopened=any(restarted.values()),
                   not_reopened=tuple(c for c, ok in restarted.items() if not ok),
                   clients=event.clients)


def _still_open(client_ids: Sequence[str]) -> str:
    _is, its, it, _s, was = _forms(client_ids)
    return (f"{client_names(client_ids)} {was} open, so {its} data stays. Quit {it}, then "
            "Try again.")


def result_screen(title: str, outcome: Outcome, *, retry: bool = False) -> Screen:
    """Success is a plain confirmation; anything less wears the warning icon. ``retry``:
    offer "Try again" (the menu's flow can plan again)."""
    close = _close()
    buttons: tuple[Button, ...] = (close,)
    if retry:
        buttons = (Button(RETRY, "&Try again", "Look again and clear what is left"), close)
    again: tuple[str, ...] = ()
    if outcome.not_reopened:
        again = (f"{client_names(outcome.not_reopened)} did not open again: start "
                 f"{_forms(outcome.not_reopened)[2]} yourself when you need it.",)
    elif outcome.reopened:
        again = ("Teams is opening again.",)
    if not outcome.cleaned:
        why = outcome.refusal or _still_open(outcome.still_open)
        return Screen(title, WARNING, "Meeting data not cleared", (why, *again), buttons,
                      CLOSE, CLOSE)
    if outcome.failures or outcome.still_open:
        lines: tuple[str, ...] = ()
        if outcome.failures:
            lines += ("Some of the meeting data could not be removed. Try again later; if "
                      "this keeps happening, contact IT.",)
        if outcome.still_open:
            lines += (_still_open(outcome.still_open),)
        return Screen(title, WARNING, "Some meeting data was not cleared", (*lines, *again),
                      buttons, CLOSE, CLOSE)
    return Screen(title, PLAIN, "Meeting data cleared",
                  ("The meeting data has been deleted from this laptop.", *again), (close,),
                  CLOSE, CLOSE)


def failed_screen(title: str, *, retry: bool = False) -> Screen:
    """The clean itself raised: the officer gets no exception text (it goes to the log)."""
    return result_screen(title, Outcome(cleaned=False, refusal=(
        "Clearing the meeting data failed. Try again later; if this keeps happening, "
        "contact IT.")), retry=retry)


def refused_to_start_screen(title: str) -> Screen:
    """The Teams link did not start a restart (one is already running, or a call is on)
    and said nothing else."""
    return Screen(title, WARNING, "Meeting data not cleared",
                  ("DeviceCheck could not close Teams just now: a call may be on, or it is "
                   "already clearing. Try again after the call.",), (_close(),), CLOSE, CLOSE)


def fullest_screens(policy: Policy | None = None) -> dict[str, Screen]:
    """Every state with its longest words (two clients, one open, sign-in sentence), for
    the screen-fit tests: ``CleanDialog(screen)`` opens it."""
    policy = policy or Policy()
    both = PlanFacts(closed=("teams-new",), open=("teams-for-linux",), blocked=("teams-new",))
    opened = PlanFacts(open=("teams-new", "teams-for-linux"), blocked=("teams-classic",))
    return {
        "unavailable": unavailable_screen(policy.organisation.it_contact),
        "nothing": nothing_screen(),
        "closed": menu_screen(PlanFacts(closed=("teams-new", "teams-for-linux")), policy,
                              restart=False),
        "open-restart": menu_screen(opened, policy, restart=True),
        "open-no-restart": menu_screen(PlanFacts(open=("teams-new", "teams-for-linux")),
                                       policy, restart=False),
        "mixed": menu_screen(both, policy, restart=False),
        "prompt": prompt_screen(("teams-new", "teams-for-linux"), policy),
        "working": working_screen(MENU_TITLE, ("teams-new", "teams-for-linux"), restart=True),
        "success": result_screen(MENU_TITLE, Outcome(cleaned=True, reopened=True)),
        "partial": result_screen(MENU_TITLE, Outcome(
            cleaned=True, failures=3, still_open=("teams-for-linux",),
            not_reopened=("teams-new",)), retry=True),
        "failure": result_screen(MENU_TITLE, outcome_of_event(
            CleanRefused((), FORCED_CACHES_ONLY)), retry=True),
    }
