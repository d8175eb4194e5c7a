"""Reading the Teams meeting window through the OS accessibility API, one back-end per OS
behind one interface (``base.Backend``): AT-SPI on Linux (``linux.py``), UI Automation on
Windows (``windows.py``), AX on macOS (``macos.py``). Used only by the recording source
(``teams/sources/window.py``), only during meetings. No Qt here: ``devicecheck check``
asks ``backend_for(...).unavailable()`` to say whether the live watch can run.
"""

from __future__ import annotations

from collections.abc import Mapping

from devicecheck.osinfo import OsName
from devicecheck.teams.a11y.base import Backend


def backend_for(os_name: OsName, env: Mapping[str, str] | None = None) -> Backend | None:
    """This OS's back-end (None: there is none). Its modules import their OS library
    only when first used, so this never fails on another OS."""
    if os_name == "linux":
        from devicecheck.teams.a11y.linux import AtspiBackend

        return AtspiBackend(env)
    if os_name == "windows":
        from devicecheck.teams.a11y.windows import UiaBackend

        return UiaBackend()
    if os_name == "macos":
        from devicecheck.teams.a11y.macos import AxBackend

        return AxBackend()
    return None


__all__ = ["backend_for"]
