"""macOS back-end: the Accessibility API (AX) through pyobjc's ``ApplicationServices``
(tested through an injected tree).

AX facts used (Apple, "AXUIElement.h" reference; ``AXRoleConstants.h``,
``AXAttributeConstants.h``):
- ``AXUIElementCreateApplication(pid)`` gives the application element; its ``AXWindows``
  attribute the windows; each element's ``AXChildren``, ``AXRole``, ``AXSubrole``,
  ``AXTitle``, ``AXDescription`` and (static text) ``AXValue``;
- ``AXUIElementSetMessagingTimeout(element, seconds)`` bounds each call to a slow
  application, so it is set to the walk's deadline;
- nothing is readable until the officer (or IT's PPPC profile) allows DeviceCheck under
  Privacy & Security > Accessibility: ``AXIsProcessTrusted()``;
- web content reports ARIA roles as ``AXGroup`` with a subrole: ``AXApplicationStatus``
  (role=status), ``AXApplicationAlert``, ``AXApplicationLog`` (role=log),
  ``AXDocumentArticle``; a web page is an ``AXWebArea``.
Chromium-based apps build their AX tree once an assistive client sets
``AXEnhancedUserInterface`` (Chromium's accessibility design notes, quoted in
onboard-osk/onboard issue 2); we do not set it (it changes how the app behaves for
everyone), so such a client may show an empty window: that is *unknown*.

Two facts from people watching new Teams on macOS in 2026:
- Chromium exposes the Windows automation ids (``hangup-button``, ...) on
  ``AXDOMIdentifier`` (danswett/streamdeck-teams-control README, "macOS"); native
  controls carry ``AXIdentifier``. ``AxNode.ident`` is the first of the two that is set.
- Right after a meeting starts, the meeting's web content can stay a childless "Web
  content" group for *several minutes*; neither ``AXManualAccessibility`` nor
  ``AXEnhancedUserInterface`` sped it up, "it just needs patience" (jimmyeao/TEAMS2HA
  ``examples/ax_probe.rs``). ``unbuilt`` notices that shape with a shallow, bounded look
  and ``find`` raises ``TreeNotReady``: the window source then says "not yet" and looks
  again with a growing interval for minutes (``a11y/base.Patience``), never "no
  recording" and never a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from devicecheck.teams.a11y import base
from devicecheck.teams.a11y.base import TreeNotReady, TreeUnavailable

ROLES: dict[str, str] = {
    "AXStaticText": base.LABEL, "AXImage": base.IMAGE, "AXButton": base.BUTTON,
    "AXTextArea": base.TEXT, "AXTextField": base.TEXT, "AXWebArea": base.DOCUMENT,
    "AXWindow": base.WINDOW,
}
SUBROLES: dict[str, str] = {
    "AXApplicationStatus": base.STATUS, "AXApplicationAlert": base.STATUS,
    "AXApplicationLog": base.LOG, "AXDocumentArticle": base.LOG,
}


#: Where web content sits in a Teams window (a web area, or the group Chromium shows
#: before the page's tree is built).
WEB_ROLES = frozenset({"AXWebArea", "AXGroup"})
WEB_CONTENT = "web content"
#: ``unbuilt`` looks no deeper or wider than this (it runs before every walk).
UNBUILT_MAX_DEPTH = 8
UNBUILT_MAX_NODES = 60


def role_of(role: str, subrole: str = "") -> str:
    return SUBROLES.get(subrole) or ROLES.get(role, base.OTHER)


class AxApi(Protocol):
    """The few AX calls used; ``PyobjcAx`` is the real one. ``attribute`` returns None
    for a missing attribute."""

    def trusted(self) -> bool: ...

    def application(self, pid: int, timeout_s: float) -> Any: ...

    def attribute(self, element: Any, name: str) -> Any: ...


class AxNode:
    def __init__(self, api: AxApi, element: Any) -> None:
        self._api, self._element = api, element
        role = str(api.attribute(element, "AXRole") or "")
        self.role = role_of(role, str(api.attribute(element, "AXSubrole") or ""))
        # A control's name is its title, else its description; static text carries its
        # words in AXValue.
        name = api.attribute(element, "AXTitle") or api.attribute(element, "AXDescription")
        if not name and role == "AXStaticText":
            name = api.attribute(element, "AXValue")
        self.name = name if isinstance(name, str) else ""
        ident = (api.attribute(element, "AXDOMIdentifier")
                 or api.attribute(element, "AXIdentifier"))
        self.ident = ident if isinstance(ident, str) else ""

    def children(self, timeout_s: float) -> Sequence[AxNode]:
        return [AxNode(self._api, e) for e in self._api.attribute(self._element,
                                                                  "AXChildren") or ()]


class PyobjcAx:
    """AX through pyobjc (macOS only; imported when first used)."""

    def __init__(self) -> None:
        import ApplicationServices as ax  # type: ignore[import-not-found]

        self._ax = ax

    def trusted(self) -> bool:
        return bool(self._ax.AXIsProcessTrusted())

    def application(self, pid: int, timeout_s: float) -> Any:
        app = self._ax.AXUIElementCreateApplication(pid)
        self._ax.AXUIElementSetMessagingTimeout(app, max(0.01, timeout_s))
        return app

    def attribute(self, element: Any, name: str) -> Any:
        error, value = self._ax.AXUIElementCopyAttributeValue(element, name, None)
        return value if error == 0 else None


class AxBackend(base.ApiBackend):
    name = "ax"
    module = "ApplicationServices"
    missing = "pyobjc's ApplicationServices is not installed (no Accessibility API)"
    api_words = "the Accessibility API"
    no_window = "Teams has no window open (closed or minimised to the menu bar)"

    def make_api(self, timeout_s: float) -> AxApi:
        return PyobjcAx()

    def find(self, api: AxApi, pids: frozenset[int], timeout_s: float) -> Sequence[AxNode]:
        if not api.trusted():
            raise TreeUnavailable("DeviceCheck is not allowed to use accessibility "
                                  "(System Settings > Privacy & Security > Accessibility)")
        windows = [w for pid in sorted(pids)
                   for w in api.attribute(api.application(pid, timeout_s), "AXWindows") or ()]
        if windows and unbuilt(api, windows):
            raise TreeNotReady("the meeting window's content is not readable yet (Teams "
                               "builds it a few minutes into a meeting on macOS)")
        return [AxNode(api, w) for w in windows]


def _is_web(api: AxApi, element: Any) -> bool:
    role = str(api.attribute(element, "AXRole") or "")
    if role == "AXWebArea":
        return True
    if role != "AXGroup":
        return False
    label = api.attribute(element, "AXDescription") or api.attribute(element, "AXTitle")
    return isinstance(label, str) and label.strip().casefold() == WEB_CONTENT


def unbuilt(api: AxApi, windows: Sequence[Any]) -> bool:
    """True when the windows' web content is there but empty (the late-tree shape) and no
    web content anywhere has children yet. Breadth first, at most ``UNBUILT_MAX_NODES``
    elements and ``UNBUILT_MAX_DEPTH`` levels: cheap enough to run before every walk."""
    queue: list[tuple[Any, int]] = [(w, 0) for w in windows]
    seen = empty_web = 0
    while queue and seen < UNBUILT_MAX_NODES:
        element, depth = queue.pop(0)
        seen += 1
        kids = list(api.attribute(element, "AXChildren") or ())
        if _is_web(api, element):
            if kids:
                return False        # some web content is built: walk it
            empty_web += 1
            continue
        if depth < UNBUILT_MAX_DEPTH:
            queue += [(k, depth + 1) for k in kids]
    return empty_web > 0
