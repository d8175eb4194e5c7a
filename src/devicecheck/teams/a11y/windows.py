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
- Chromium builds its UI Automation tree lazily: "a UIA walk of the Teams window returns
  *zero* elements until a client asks for it"; sending ``WM_GETOBJECT`` with
  ``OBJID_CLIENT`` to every Teams window first (what a screen reader sends) makes it build
  the tree (danswett/streamdeck-teams-control README, "How it works" 1). ``WindowNudger``
  does that once per window, with ``SendMessageTimeoutW`` (``SMTO_ABORTIFHUNG``, 200 ms)
  so a hung Teams never hangs us. An Electron client may need
  ``--force-renderer-accessibility`` (yinkaisheng/Python-UIAutomation-for-Windows README).
- ``UIA_AutomationIdPropertyId`` is 30011; new Teams' toolbar ids (``hangup-button``, ...)
  are locale-independent. ``find_idents`` asks UI Automation for them with one
  ``FindFirst(TreeScope_Descendants, AutomationId == id)`` per window instead of a Python
  walk: a walk over comtypes costs a cross-process call per property per element, and the
  toolbar would often lie past the 200 ms deadline. A failed search still walks the whole
  window inside UI Automation, which is why the window source looks for calls only every
  15 s outside meetings (the streamdeck sidecar's backstop pace: 3 s in a meeting, 15 s
  otherwise).
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from typing import Any, Protocol

from devicecheck.teams.a11y import base

PROCESS_ID_PROPERTY = 30002
AUTOMATION_ID_PROPERTY = 30011
TREE_SCOPE_CHILDREN = 2
TREE_SCOPE_DESCENDANTS = 4

# WM_GETOBJECT and friends (WinUser.h, oleacc.h).
WM_GETOBJECT = 0x003D
OBJID_CLIENT = -4            # 0xFFFFFFFC as a signed LPARAM
SMTO_ABORTIFHUNG = 0x0002
NUDGE_TIMEOUT_MS = 200

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

    def automation_id(self, element: Any) -> str: ...

    def has_descendant_id(self, element: Any, ident: str) -> bool: ...

    def nudge(self, pids: frozenset[int]) -> None:
        """Ask every window of ``pids`` for its accessible object (``WM_GETOBJECT``) so
        Chromium builds its tree; each window once."""


class UiaNode:
    def __init__(self, api: UiaApi, element: Any) -> None:
        self._api, self._element = api, element
        self.name = str(api.name(element) or "")
        self.role = role_of(int(api.control_type(element)), str(api.aria_role(element) or ""))
        self.ident = str(api.automation_id(element) or "")

    def children(self, timeout_s: float) -> Sequence[UiaNode]:
        return [UiaNode(self._api, e) for e in self._api.children(self._element)]


class WindowNudger:
    """``WM_GETOBJECT`` / ``OBJID_CLIENT`` to the top-level windows of some processes and
    their child windows (WebView2's ``Chrome_RenderWidgetHostHWND`` lives in a child
    window owned by ``msedgewebview2.exe``), each window once (ctypes; Windows only)."""

    # user32 and the callback type, set in __init__ (declared here: elsewhere than on
    # Windows mypy sees __init__ stop before them).
    _user32: Any
    _proc: Any

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._ctypes, self._wintypes = ctypes, wintypes
        if sys.platform != "win32":
            raise OSError(errno.ENOSYS, "window messages exist on Windows only")
        self._user32 = ctypes.WinDLL("user32", use_last_error=True)
        self._proc = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
        self._user32.SendMessageTimeoutW.argtypes = [
            wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM, wintypes.UINT,
            wintypes.UINT, ctypes.POINTER(ctypes.c_size_t)]
        self._user32.SendMessageTimeoutW.restype = ctypes.c_size_t
        self.nudged: set[int] = set()

    def _windows_of(self, pids: frozenset[int]) -> list[int]:
        ctypes, wintypes, user32 = self._ctypes, self._wintypes, self._user32
        found: list[int] = []

        def each(hwnd: Any, _lparam: Any) -> bool:
            pid = wintypes.DWORD()
            user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
            if pid.value in pids:
                found.append(int(hwnd))
                user32.EnumChildWindows(hwnd, self._proc(children), 0)
            return True

        def children(hwnd: Any, _lparam: Any) -> bool:
            found.append(int(hwnd))
            return True

        user32.EnumWindows(self._proc(each), 0)
        return found

    def __call__(self, pids: frozenset[int]) -> int:
        """Nudge the windows not nudged yet; returns how many were."""
        ctypes = self._ctypes
        hwnds = self._windows_of(pids)
        self.nudged &= set(hwnds)          # forget closed windows (handles are reused)
        fresh = [h for h in hwnds if h not in self.nudged]
        for hwnd in fresh:
            result = ctypes.c_size_t()
            self._user32.SendMessageTimeoutW(hwnd, WM_GETOBJECT, 0, OBJID_CLIENT,
                                             SMTO_ABORTIFHUNG, NUDGE_TIMEOUT_MS,
                                             ctypes.byref(result))
            self.nudged.add(hwnd)
        return len(fresh)


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
        self._nudger = WindowNudger()

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

    def automation_id(self, element: Any) -> str:
        return str(element.CurrentAutomationId or "")

    def has_descendant_id(self, element: Any, ident: str) -> bool:
        condition = self._uia.CreatePropertyCondition(AUTOMATION_ID_PROPERTY, ident)
        return bool(element.FindFirst(TREE_SCOPE_DESCENDANTS, condition))

    def nudge(self, pids: frozenset[int]) -> None:
        self._nudger(pids)


class UiaBackend(base.ApiBackend):
    name = "ui-automation"
    module = "comtypes"
    missing = "the comtypes library is not installed (UI Automation is not reachable)"
    api_words = "UI Automation"
    no_window = "Teams has no window open (closed or minimised to the tray)"

    def make_api(self, timeout_s: float) -> UiaApi:
        return ComtypesUia(timeout_s)

    def find(self, api: UiaApi, pids: frozenset[int], timeout_s: float) -> Sequence[UiaNode]:
        api.nudge(pids)      # Chromium builds its tree only once asked (see the module text)
        return [UiaNode(api, w) for pid in sorted(pids) for w in api.top_windows(pid)]

    def find_idents(self, pids: frozenset[int], idents: frozenset[str],
                    timeout_s: float) -> frozenset[str]:
        """Which of ``idents`` some window of ``pids`` holds, searched by UI Automation
        itself (one ``FindFirst`` per window and id). Raises ``TreeUnavailable``."""
        def search(api: UiaApi) -> frozenset[str]:
            api.nudge(pids)
            windows = [w for pid in sorted(pids) for w in api.top_windows(pid)]
            if not windows:
                raise base.TreeUnavailable(self.no_window)
            return frozenset(i for i in idents
                             if any(api.has_descendant_id(w, i) for w in windows))

        return self.call(search, timeout_s)
