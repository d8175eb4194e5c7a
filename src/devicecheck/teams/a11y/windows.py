"""Windows back-end: UI Automation through ``comtypes`` (tested through an injected tree).

Why comtypes and not ``uiautomation`` or ``pywinauto``: both of those are built on
comtypes and add what we do not need (input synthesis, window management, search
helpers with their own retry loops and global timeouts). We need five UI Automation calls
— the desktop root, a process-id condition, a tree walker, and each element's name and
control type — and comtypes is maintained (1.4.x, 2026), pure Python, and generates the
``UIAutomationClient`` interfaces from Windows' own ``UIAutomationCore.dll`` type
library. See docs/architecture.md, "Recording indicator".

UI Automation facts used (Microsoft Learn, "UI Automation Control Types", "Control Type
Identifiers", IUIAutomation2::TransactionTimeout):
- control type ids: Button 50000, Edit 50004, Image 50006, ListItem 50007, StatusBar
  50017, Text 50020 (static text: what other toolkits call a label), Group 50026,
  Document 50030, Window 50032; ``UIA_ProcessIdPropertyId`` is 30002 and
  ``UIA_AriaRolePropertyId`` 30101 (Chromium and WebView2 report the ARIA role there, so
  ``role="status"``, ``"log"``, ``"article"`` and ``"paragraph"`` refine the control type);
- a cross-process call waits for the provider; ``IUIAutomation2.TransactionTimeout``
  (Windows 8+) bounds it, so it is set to the walk's deadline.
- Chromium builds its UI Automation tree on the first UIA client request, so a WebView2
  client (new Teams) answers; an Electron client may need
  ``--force-renderer-accessibility`` (yinkaisheng/Python-UIAutomation-for-Windows README).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from devicecheck.teams.a11y import base

PROCESS_ID_PROPERTY = 30002
TREE_SCOPE_CHILDREN = 2

CONTROL_TYPES: dict[int, str] = {
    50000: base.BUTTON, 50006: base.IMAGE, 50017: base.STATUS, 50020: base.LABEL,
    50004: base.TEXT, 50007: base.LIST_ITEM, 50030: base.DOCUMENT, 50032: base.WINDOW,
}
#: ARIA roles (from UIA_AriaRolePropertyId) that say more than the control type.
ARIA_ROLES: dict[str, str] = {
    "status": base.STATUS, "alert": base.STATUS, "log": base.LOG, "article": base.LOG,
    "comment": base.LOG, "blockquote": base.LOG, "paragraph": base.PARAGRAPH,
    "listitem": base.LIST_ITEM, "textbox": base.TEXT, "img": base.IMAGE,
    "image": base.IMAGE, "button": base.BUTTON,
}


def role_of(control_type: int, aria_role: str = "") -> str:
    aria = ARIA_ROLES.get(aria_role.strip().lower())
    return aria or CONTROL_TYPES.get(control_type, base.OTHER)


class UiaApi(Protocol):
    """The few UI Automation calls used; ``ComtypesUia`` is the real one."""

    def top_windows(self, pid: int) -> Sequence[Any]: ...

    def children(self, element: Any) -> Sequence[Any]: ...

    def name(self, element: Any) -> str: ...

    def control_type(self, element: Any) -> int: ...

    def aria_role(self, element: Any) -> str: ...


class UiaNode:
    def __init__(self, api: UiaApi, element: Any) -> None:
        self._api, self._element = api, element
        self.name = str(api.name(element) or "")
        self.role = role_of(int(api.control_type(element)), str(api.aria_role(element) or ""))

    def children(self, timeout_s: float) -> Sequence[UiaNode]:
        return [UiaNode(self._api, e) for e in self._api.children(self._element)]


class ComtypesUia:
    """UI Automation through comtypes (Windows only; imported when first used)."""

    def __init__(self, timeout_s: float = base.WALK_DEADLINE_S) -> None:
        import comtypes.client  # type: ignore[import-not-found]

        comtypes.client.GetModule("UIAutomationCore.dll")
        from comtypes.gen import UIAutomationClient as uia  # type: ignore[import-not-found]

        self._uia = comtypes.client.CreateObject(uia.CUIAutomation, interface=uia.IUIAutomation)
        try:
            uia2 = self._uia.QueryInterface(uia.IUIAutomation2)
            uia2.TransactionTimeout = max(1, int(timeout_s * 1000))
        except Exception:  # noqa: BLE001 - Windows 7: no IUIAutomation2, no bound
            pass
        self._walker = self._uia.ControlViewWalker

    def top_windows(self, pid: int) -> Sequence[Any]:
        condition = self._uia.CreatePropertyCondition(PROCESS_ID_PROPERTY, pid)
        found = self._uia.GetRootElement().FindAll(TREE_SCOPE_CHILDREN, condition)
        return [found.GetElement(i) for i in range(found.Length)]

    def children(self, element: Any) -> Sequence[Any]:
        out: list[Any] = []
        child = self._walker.GetFirstChildElement(element)
        while child:
            out.append(child)
            child = self._walker.GetNextSiblingElement(child)
        return out

    def name(self, element: Any) -> str:
        return str(element.CurrentName or "")

    def control_type(self, element: Any) -> int:
        return int(element.CurrentControlType)

    def aria_role(self, element: Any) -> str:
        return str(element.CurrentAriaRole or "")


class UiaBackend(base.ApiBackend):
    name = "ui-automation"
    module = "comtypes"
    missing = "the comtypes library is not installed (UI Automation is not reachable)"
    api_words = "UI Automation"
    no_window = "Teams has no window open (closed or minimised to the tray)"

    def make_api(self, timeout_s: float) -> UiaApi:
        return ComtypesUia(timeout_s)

    def find(self, api: UiaApi, pids: frozenset[int], timeout_s: float) -> Sequence[UiaNode]:
        return [UiaNode(api, w) for pid in sorted(pids) for w in api.top_windows(pid)]
