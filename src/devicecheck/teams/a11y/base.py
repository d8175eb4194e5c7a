"""The one interface the accessibility back-ends implement, and the pure search over it.

A back-end (AT-SPI on Linux, UI Automation on Windows, AX on macOS) turns the windows of a
set of processes into ``Node`` trees: each node has an accessible ``name``, a ``role`` in
the small common vocabulary below (each back-end maps its native roles onto it), an
``ident`` (the element's automation id: UIA ``AutomationId``, AX ``AXDOMIdentifier``; ""
where the platform has none) and ``children()``. ``find_indicator`` walks those trees, breadth first, against a deadline,
and returns the first node whose name is one of the recording indicator names and whose
role is an indicator role. Everything here is pure given the nodes, so the Windows and
macOS back-ends are tested through injected trees.

Why these rules:
- Only *indicator* roles count (status, label, image, button): the recording indicator
  and banner Teams shows are controls with an accessible name; the same word typed in the
  chat or a shared document is text content, and must never raise the alert.
- The walk does not go into text areas, paragraphs, chat logs, list items or nested
  documents at all: what is inside them is what people wrote (cheaper, and no chance of a
  match there). The web page of an Electron/WebView client is itself a document, so only
  documents *below* the first one are skipped.
- Names match whole (case, spacing and trailing punctuation aside), never as a substring:
  "Recording" must not match "Stop recording" or "Recording and transcription" (a menu
  entry); IT lists every wording it wants in ``[recording] indicator_names``.
- A walk has a deadline (200 ms): a huge or hung tree is abandoned and counted, and the
  status is then *unknown*, never "not recording".
- Call controls are found by ``ident``, never by name: new Teams' meeting toolbar carries
  stable, language-independent automation ids (``hangup-button``, ``microphone-button``,
  ``video-button``, ``share-button``: danswett/streamdeck-teams-control README, "Controls
  are found by AutomationId"; jimmyeao/TEAMS2HA ``uia_monitor.rs``), while names are
  translated ("Mute mic" / "Unmute mic"). A window holding ``hangup-button`` is a call in
  progress, whatever the UI language (``look``).
"""

from __future__ import annotations

import importlib
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# The common role vocabulary (back-ends map their native roles onto these words).
STATUS = "status"        # status bar, ARIA status/alert/notification/info bar
LABEL = "label"          # label, static text
IMAGE = "image"          # image, icon
BUTTON = "button"        # push button
TEXT = "text"            # text area, entry, edit, password, terminal
PARAGRAPH = "paragraph"
LOG = "log"              # chat history (ARIA log), article, comment, block quote
LIST_ITEM = "list-item"  # a chat message or a person in a list
DOCUMENT = "document"    # a document frame (web page, text, e-mail, spreadsheet)
WINDOW = "window"
OTHER = "other"

#: Roles whose accessible name can be the recording indicator.
INDICATOR_ROLES: frozenset[str] = frozenset({STATUS, LABEL, IMAGE, BUTTON})
#: Roles whose insides are people's content: never walked into.
CONTENT_ROLES: frozenset[str] = frozenset({TEXT, PARAGRAPH, LOG, LIST_ITEM})

#: The meeting toolbar's Leave button: present exactly while a call is on.
HANGUP = "hangup-button"
#: Automation ids that say "a call is in progress" (language-independent).
CALL_CONTROLS: frozenset[str] = frozenset({HANGUP})

WALK_DEADLINE_S = 0.200
MAX_NODES = 20_000       # a runaway tree stops here even inside the deadline
MAX_DEPTH = 80


class Node(Protocol):
    """One accessible element. ``children()`` may talk to the application (it is where a
    back-end spends its time); ``name`` and ``role`` are read when the node is made."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def ident(self) -> str: ...

    def children(self, timeout_s: float) -> Sequence[Node]: ...


class TreeUnavailable(Exception):
    """The tree cannot be read; ``str(exc)`` says why, in words for the officer and IT."""


class TreeNotReady(TreeUnavailable):
    """The window is there but its content tree is not built *yet* (macOS: Chromium's
    web content stays a childless group for minutes after a meeting starts, TEAMS2HA
    ``examples/ax_probe.rs``). Not a failure and not "no recording": look again later."""


class ApiBackend:
    """A back-end over an OS accessibility API reached through one injectable object
    (tests pass a fake; the real one is made on first use): the shape the Windows and
    macOS back-ends share. Subclasses say which module proves the API is reachable, how
    to make the API object, and how to find the windows with it."""

    name = ""
    module = ""        # imported by ``unavailable`` to tell whether the API is reachable
    missing = ""       # why not, when that import fails
    api_words = ""     # "UI Automation", for messages
    no_window = ""     # what an empty result means on this OS

    def __init__(self, api: Any = None) -> None:
        self._api = api

    def unavailable(self) -> str | None:
        if self._api is not None:
            return None
        try:
            importlib.import_module(self.module)
        except ImportError:
            return self.missing
        return None

    def make_api(self, timeout_s: float) -> Any:
        raise NotImplementedError

    def find(self, api: Any, pids: frozenset[int], timeout_s: float) -> Sequence[Node]:
        raise NotImplementedError

    def call(self, what: Callable[[Any], T], timeout_s: float) -> T:
        """``what(api)``, with the API made on first use; any API failure becomes
        ``TreeUnavailable`` saying which kind of failure it was."""
        try:
            if self._api is None:
                self._api = self.make_api(timeout_s)
            return what(self._api)
        except TreeUnavailable:
            raise
        except Exception as exc:  # any API failure is "cannot read", and says which
            raise TreeUnavailable(f"{self.api_words} could not read Teams' windows "
                                  f"({type(exc).__name__})") from exc

    def windows(self, pids: frozenset[int], timeout_s: float) -> Sequence[Node]:
        found = self.call(lambda api: self.find(api, pids, timeout_s), timeout_s)
        if not found:
            raise TreeUnavailable(self.no_window)
        return found

    def close(self) -> None:
        """Nothing is held between walks but the API object, which is reused."""


class Backend(Protocol):
    """Finds the top-level accessible windows of the given processes."""

    name: str

    def unavailable(self) -> str | None:
        """Why this back-end cannot work here (None: it can). Cheap: no hanging I/O."""

    def windows(self, pids: frozenset[int], timeout_s: float) -> Sequence[Node]:
        """The windows (or application roots) of ``pids``; raises ``TreeUnavailable``."""

    def close(self) -> None:
        """Drop connections (called when the meeting ends)."""


@dataclass
class FakeNode:
    """An injected tree node (tests, and back-ends that build plain trees)."""

    name: str = ""
    role: str = OTHER
    kids: list[FakeNode] = field(default_factory=list)
    delay_s: float = 0.0     # a slow application answering children()
    ident: str = ""          # the automation id (UIA AutomationId, AX AXDOMIdentifier)

    def children(self, timeout_s: float) -> Sequence[FakeNode]:
        if self.delay_s:
            time.sleep(min(self.delay_s, max(timeout_s, 0.0)))
        return self.kids


_SPACE = re.compile(r"\s+")
_TRAIL = ".:!…"


def normalise(name: str) -> str:
    """Case, inner spacing and trailing punctuation do not matter ("Recording." and
    "recording" are the same indicator); everything else does."""
    return _SPACE.sub(" ", name).strip().rstrip(_TRAIL).strip().casefold()


def indicator_set(names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (normalise(x) for x in names) if n)


@dataclass(frozen=True)
class Match:
    """What was seen: the role and the indicator name *as configured* (never the text
    read from the tree, which is the application's; the alert and audit use these)."""

    role: str
    indicator: str
    path: tuple[int, ...] = ()   # child indexes from the window (for the cache)


@dataclass(frozen=True)
class WalkResult:
    match: Match | None
    nodes: int
    abandoned: bool           # the deadline (or MAX_NODES) stopped it before the end
    seconds: float


def is_indicator(node_name: str, role: str, wanted: frozenset[str]) -> bool:
    return role in INDICATOR_ROLES and normalise(node_name) in wanted


def find_indicator(windows: Sequence[Node], names: Iterable[str], *,
                   deadline_s: float = WALK_DEADLINE_S,
                   clock: Callable[[], float] = time.monotonic,
                   max_nodes: int = MAX_NODES) -> WalkResult:
    """Breadth first over ``windows`` until an indicator is found or the deadline passes.
    Breadth first because Teams' indicator sits in the meeting header, near the top,
    while the chat and the roster (deep lists) come later."""
    wanted = indicator_set(names)
    labels = {normalise(n): n for n in names}
    walk = Walk(windows, deadline_s=deadline_s, clock=clock, max_nodes=max_nodes)
    for node, path in walk:
        if is_indicator(node.name, node.role, wanted):
            return WalkResult(Match(node.role, labels.get(normalise(node.name), node.name),
                                    path), walk.nodes, False, clock() - walk.started)
    return WalkResult(None, walk.nodes, walk.abandoned, clock() - walk.started)


class Walk:
    """The one breadth-first walk (``find_indicator``, ``interface_names``): yields
    ``(node, path)``; never goes into content (``CONTENT_ROLES``, documents below the
    first), stops at the deadline or ``max_nodes`` (``abandoned``). A caller that stops
    early leaves the rest of the tree unread."""

    def __init__(self, windows: Sequence[Node], *, deadline_s: float = WALK_DEADLINE_S,
                 clock: Callable[[], float] = time.monotonic,
                 max_nodes: int = MAX_NODES) -> None:
        self.windows, self.clock, self.max_nodes = windows, clock, max_nodes
        self.started = clock()
        self.end = self.started + deadline_s
        self.nodes = 0
        self.abandoned = False

    def __iter__(self) -> Iterator[tuple[Node, tuple[int, ...]]]:
        queue: deque[tuple[Node, tuple[int, ...], int, bool]] = deque(
            (w, (i,), 0, False) for i, w in enumerate(self.windows))
        while queue:
            if self.clock() >= self.end or self.nodes >= self.max_nodes:
                self.abandoned = True
                return
            node, path, depth, in_document = queue.popleft()
            self.nodes += 1
            yield node, path
            role = node.role
            if role in CONTENT_ROLES or (role == DOCUMENT and in_document) \
                    or depth >= MAX_DEPTH:
                continue
            try:
                kids = node.children(max(0.0, self.end - self.clock()))
            except TreeUnavailable:
                raise
            except Exception:  # noqa: BLE001 - an element that vanished mid-walk is skipped
                continue
            below_document = in_document or role == DOCUMENT
            queue.extend((k, (*path, i), depth + 1, below_document)
                         for i, k in enumerate(kids))


@dataclass(frozen=True)
class Control:
    """An interface element's accessible name, common role and automation id (``ident``,
    "" where the back-end has none)."""

    role: str
    name: str
    ident: str = ""


def interface_names(windows: Sequence[Node], *, deadline_s: float = WALK_DEADLINE_S,
                    clock: Callable[[], float] = time.monotonic,
                    max_nodes: int = MAX_NODES) -> tuple[frozenset[Control], bool]:
    """The controls of ``windows`` in indicator roles (status, label, image, button), and
    whether the walk read the whole tree. Content (chat, documents, lists of people) is
    never entered, by the same walk as ``find_indicator``. Used by ``devicecheck pilot``
    to learn the names Teams shows only while recording (``teams/pilot/learn.py``)."""
    found: set[Control] = set()
    walk = Walk(windows, deadline_s=deadline_s, clock=clock, max_nodes=max_nodes)
    for node, _path in walk:
        if node.role in INDICATOR_ROLES:
            ident = getattr(node, "ident", "") or ""   # an optional Node field
            name = _SPACE.sub(" ", node.name or "").strip()
            if name or ident:
                found.add(Control(node.role, name, str(ident)))
    return frozenset(found), not walk.abandoned


@dataclass(frozen=True)
class LookResult:
    """One walk: the recording indicator (if any) and the call-control ids seen."""

    match: Match | None
    controls: frozenset[str]
    nodes: int
    abandoned: bool
    seconds: float
    #: ident -> its path (child indexes from the window), for a cache like ``Match.path``.
    control_paths: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


def look(windows: Sequence[Node], names: Iterable[str], idents: Iterable[str] = (), *,
         deadline_s: float = WALK_DEADLINE_S, clock: Callable[[], float] = time.monotonic,
         max_nodes: int = MAX_NODES) -> LookResult:
    """One ``Walk`` for the recording indicator (by name and role) and the call controls
    (by ``ident``, never in content), until everything wanted is found, the tree ends or
    the deadline passes: the window source needs both in a meeting, and one walk costs
    half of two."""
    wanted = indicator_set(names)
    labels = {normalise(n): n for n in names}
    want_ids = frozenset(i for i in idents if i)
    match: Match | None = None
    controls: dict[str, tuple[int, ...]] = {}
    walk = Walk(windows, deadline_s=deadline_s, clock=clock, max_nodes=max_nodes)
    for node, path in walk:
        role = node.role
        if match is None and wanted and is_indicator(node.name, role, wanted):
            match = Match(role, labels.get(normalise(node.name), node.name), path)
        ident = getattr(node, "ident", "") or ""     # an optional Node field
        if ident in want_ids and ident not in controls and role not in CONTENT_ROLES:
            controls[ident] = path
        if (wanted or want_ids) and (match is not None or not wanted) \
                and controls.keys() >= want_ids:
            return LookResult(match, frozenset(controls), walk.nodes, False,
                              clock() - walk.started, dict(controls))
    return LookResult(match, frozenset(controls), walk.nodes, walk.abandoned,
                      clock() - walk.started, dict(controls))


def node_at(windows: Sequence[Node], path: tuple[int, ...], timeout_s: float) -> Node | None:
    """The node at ``path`` (child indexes), or None when the tree changed under it."""
    if not path or path[0] >= len(windows):
        return None
    node: Node = windows[path[0]]
    for index in path[1:]:
        try:
            kids = node.children(timeout_s)
        except Exception:  # noqa: BLE001 - gone: the cache misses
            return None
        if index >= len(kids):
            return None
        node = kids[index]
    return node


#: native role -> common role, for back-ends whose roles are strings (UIA, AX).
RoleMap = Mapping[str, str]


class Patience:
    """How long to wait before looking again at a tree that is not built yet
    (``TreeNotReady``): 3 s, then doubling up to 30 s, for up to ``patience_s`` (10
    minutes: TEAMS2HA saw "several minutes") after the first "not yet" of this meeting;
    after that the wait is over and the tree counts as unreadable. Pure: ``now`` is
    passed in."""

    def __init__(self, first_s: float = 3.0, cap_s: float = 30.0,
                 patience_s: float = 600.0) -> None:
        self.first_s, self.cap_s, self.patience_s = first_s, cap_s, patience_s
        self.since: float | None = None
        self.tries = 0

    def not_ready(self, now: float) -> float:
        """The tree was not built at ``now``: seconds to wait before the next look."""
        if self.since is None:
            self.since = now
        delay = min(self.cap_s, self.first_s * float(2 ** self.tries))
        self.tries += 1
        return delay

    def exhausted(self, now: float) -> bool:
        return self.since is not None and now - self.since >= self.patience_s

    def waited_s(self, now: float) -> float:
        return 0.0 if self.since is None else now - self.since

    def reset(self) -> None:
        self.since = None
        self.tries = 0
