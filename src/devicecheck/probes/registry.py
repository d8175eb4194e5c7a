"""The Windows registry behind one small interface.

Probes and the policy loader read the registry only through ``RegistryReader`` so tests
(and this Linux machine) can feed plain dicts; the real reader uses ``winreg`` in the
64-bit view, because a 32-bit Python would otherwise be redirected to WOW6432Node and
miss both the policy and the MDM enrolment keys.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Protocol


class RegistryReader(Protocol):
    def values(self, path: str) -> dict[str, Any] | None:
        """Values of key ``path`` (``HKLM\\SOFTWARE\\...``), or None when the key is absent."""

    def subkeys(self, path: str) -> list[str]:
        """Names of the direct subkeys of ``path`` (empty when absent)."""


class DictRegistry:
    """A registry made of ``{"HKLM\\Path\\Key": {"Value": data}}``; case-insensitive like
    the real one. Subkeys are implied by the paths given."""

    def __init__(self, data: Mapping[str, Mapping[str, Any]]) -> None:
        self._data = {k.rstrip("\\").lower(): (k.rstrip("\\"), dict(v)) for k, v in data.items()}

    def values(self, path: str) -> dict[str, Any] | None:
        hit = self._data.get(path.rstrip("\\").lower())
        return dict(hit[1]) if hit else None

    def subkeys(self, path: str) -> list[str]:
        prefix = path.rstrip("\\").lower() + "\\"
        names: dict[str, None] = {}
        for low, (orig, _) in self._data.items():
            if low.startswith(prefix):
                names[orig[len(prefix):].split("\\", 1)[0]] = None
        return list(names)


def _winreg() -> Any:
    # Typed as Any: typeshed only declares winreg's contents when checking for Windows.
    import importlib

    return importlib.import_module("winreg")


class WinRegistry:  # pragma: no cover - exercised on Windows only
    """The real registry via ``winreg``."""

    def _open(self, path: str) -> Any:
        winreg = _winreg()

        hive_name, _, sub = path.partition("\\")
        hive = {"HKLM": winreg.HKEY_LOCAL_MACHINE, "HKCU": winreg.HKEY_CURRENT_USER,
                "HKU": winreg.HKEY_USERS}[hive_name.upper()]
        return winreg.OpenKey(hive, sub, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY)

    def values(self, path: str) -> dict[str, Any] | None:
        winreg = _winreg()

        try:
            key = self._open(path)
        except OSError:
            return None
        out: dict[str, Any] = {}
        with key:
            i = 0
            while True:
                try:
                    name, data, _type = winreg.EnumValue(key, i)
                except OSError:
                    break
                out[name] = data
                i += 1
        return out

    def subkeys(self, path: str) -> list[str]:
        winreg = _winreg()

        try:
            key = self._open(path)
        except OSError:
            return []
        names = []
        with key:
            i = 0
            while True:
                try:
                    names.append(winreg.EnumKey(key, i))
                except OSError:
                    break
                i += 1
        return names


class UserHiveRegistry:
    r"""One user's view of the registry for a run as SYSTEM: ``HKCU\…`` is read from
    ``HKU\<SID>\…`` (their loaded hive; a signed-in user's hive is always loaded under
    HKEY_USERS), everything else passes through. SYSTEM's own HKCU would describe the
    wrong account."""

    def __init__(self, base: RegistryReader, sid: str) -> None:
        self._base, self.sid = base, sid

    def _map(self, path: str) -> str:
        hive, sep, rest = path.partition("\\")
        if hive.upper() in ("HKCU", "HKEY_CURRENT_USER"):
            return f"HKU\\{self.sid}" + (sep + rest if sep else "")
        return path

    def values(self, path: str) -> dict[str, Any] | None:
        return self._base.values(self._map(path))

    def subkeys(self, path: str) -> list[str]:
        return self._base.subkeys(self._map(path))


def default_registry() -> RegistryReader | None:
    """The real registry on Windows, none elsewhere."""
    return WinRegistry() if sys.platform.startswith("win") else None
