"""Recording software on the laptop: which running programs are recorders, and whether
Windows Game Bar can capture the screen.

Names come from policy (``Policy.recorders()``). ``ffmpeg`` is special: it is an everyday
media tool, so it only counts while its command line grabs the screen (x11grab, gdigrab,
avfoundation). Command lines are looked at here and never kept: they may hold file names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from devicecheck.osinfo import OsName
from devicecheck.probes.processes import ProcInfo, find_processes
from devicecheck.probes.registry import RegistryReader

FFMPEG_NAMES: tuple[str, ...] = ("ffmpeg", "ffmpeg.exe")
#: ffmpeg input devices that capture the screen (Linux X11, Windows GDI, macOS).
SCREEN_GRABBERS: tuple[str, ...] = ("x11grab", "gdigrab", "avfoundation")

# Windows Game Bar capture (shared/reference/probe-outputs.md).
GAMEDVR_USER_KEY = r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\GameDVR"
GAMECONFIG_USER_KEY = r"HKCU\System\GameConfigStore"
GAMEDVR_POLICY_KEY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\GameDVR"
APP_CAPTURE = "AppCaptureEnabled"
GAMEDVR_ENABLED = "GameDVR_Enabled"
ALLOW_GAMEDVR = "AllowGameDVR"

Finder = Callable[..., list[ProcInfo]]


@dataclass(frozen=True)
class SeenRecorder:
    pid: int
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "name": self.name}


def is_ffmpeg(name: str) -> bool:
    return name.lower() in FFMPEG_NAMES


def grabs_screen(cmdline: Sequence[str]) -> bool:
    """Does this ffmpeg command line read from a screen-capture device?"""
    args = [a.lower() for a in cmdline]
    return any(g in arg for arg in args for g in SCREEN_GRABBERS)


def classify(procs: Iterable[ProcInfo]) -> list[SeenRecorder]:
    """Processes found by name -> the recorders among them, ordered by name then pid."""
    out = [SeenRecorder(p.pid, p.name) for p in procs
           if not is_ffmpeg(p.name) or grabs_screen(p.cmdline)]
    return sorted(out, key=lambda s: (s.name.lower(), s.pid))


def watched_names(recorders: Iterable[str]) -> tuple[str, ...]:
    """The policy's names plus ffmpeg (judged by its command line)."""
    names = dict.fromkeys(recorders)
    names.update(dict.fromkeys(FFMPEG_NAMES))
    return tuple(names)


def scan_recorders(recorders: Iterable[str], *, os_name: OsName | None = None,
                   find: Finder = find_processes) -> list[SeenRecorder]:
    """One process pass: the recording programs running now."""
    names = watched_names(recorders)
    procs = find(names, os_name=os_name, with_cmdline=True)
    return classify(procs)


# -- Windows Game Bar -------------------------------------------------------------------

def read_game_bar(registry: RegistryReader) -> dict[str, Any]:
    """The three Game Bar values (None when absent)."""
    def value(key: str, name: str) -> Any:
        values = registry.values(key) or {}
        return values.get(name)
    return {APP_CAPTURE: value(GAMEDVR_USER_KEY, APP_CAPTURE),
            GAMEDVR_ENABLED: value(GAMECONFIG_USER_KEY, GAMEDVR_ENABLED),
            ALLOW_GAMEDVR: value(GAMEDVR_POLICY_KEY, ALLOW_GAMEDVR)}


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def game_bar_capture(values: Mapping[str, Any]) -> tuple[bool, str]:
    """(capture possible?, why). The machine policy wins; otherwise either user switch at
    0 turns capture off. Absent values mean Windows' default, which is capture *on*."""
    policy = _as_int(values.get(ALLOW_GAMEDVR))
    if policy == 0:
        return False, "switched off by machine policy (AllowGameDVR = 0)"
    app = _as_int(values.get(APP_CAPTURE))
    dvr = _as_int(values.get(GAMEDVR_ENABLED))
    if app == 0:
        return False, "switched off in the user's settings (AppCaptureEnabled = 0)"
    if dvr == 0:
        return False, "switched off in the user's settings (GameDVR_Enabled = 0)"
    if app is None:
        return True, "not configured (AppCaptureEnabled is not set), so Windows allows capture"
    return True, f"switched on in the user's settings (AppCaptureEnabled = {app})"
