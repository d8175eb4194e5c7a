"""Windows: is a Teams client using the microphone or camera right now?

Windows records each app's use of a device under
``HKCU\\...\\CapabilityAccessManager\\ConsentStore\\<device>``: packaged apps (new Teams) by
package family name (its client entry's ``windows_package``, ``devicecheck/clients.py``),
desktop apps under ``NonPackaged`` by
executable path with ``#`` for ``\\``. ``LastUsedTimeStop == 0`` (with a start time set)
means the device is open now. Reading goes through ``RegistryReader`` so the parser is
tested with fixtures here; a device test also opens the microphone, which is why the state
machine treats this as one signal among several.

It is a fallback, not the judge: Windows build 26220 left ``LastUsedTimeStop`` non-zero
while the microphone was in use (hass-agent/HASS.Agent PR #476, which moved to Core Audio
capture sessions), the value stays 0 after a crash or a suspend, and a virtual camera
(NVIDIA Broadcast) never updates Teams' entry (jimmyeao/TEAMS2HA). Where Core Audio
capture sessions can be read (``teams/coreaudio.py``), ``consent_vs_capture`` distrusts
the microphone entry of a client whose sessions disagree with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.clients import CONSENT_PACKAGES
from devicecheck.probes.registry import RegistryReader

CONSENT_STORE = (r"HKCU\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager"
                 r"\ConsentStore")
DEVICES: tuple[str, ...] = ("microphone", "webcam")

#: Package family names of packaged clients, lower case (from the clients' entries). The
#: consumer app (``MicrosoftTeams_`` of the same publisher) is a different product and not
#: a client.
PACKAGES: Mapping[str, str] = CONSENT_PACKAGES


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def in_use(values: Mapping[str, Any] | None) -> bool:
    """One app key: device open now? Unreadable values count as not open (this is a
    supporting signal; the state machine never treats its absence as "no meeting" alone)."""
    if not values:
        return False
    start, stop = _as_int(values.get("LastUsedTimeStart")), _as_int(values.get("LastUsedTimeStop"))
    return start is not None and start > 0 and stop == 0


def _client_for_exe(key_name: str, exe_clients: Mapping[str, str]) -> str | None:
    exe = key_name.replace("\\", "#").rsplit("#", 1)[-1].lower()
    return exe_clients.get(exe)


def devices_in_use(reader: RegistryReader,
                   client_processes: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """``{client_id: {"microphone", "webcam"}}`` for Teams clients holding a device now.
    ``client_processes`` maps client ids to their Windows process names."""
    exe_clients = {name.lower(): cid for cid, names in client_processes.items()
                   for name in names}
    found: dict[str, set[str]] = {}
    for device in DEVICES:
        base = f"{CONSENT_STORE}\\{device}"
        for sub in reader.subkeys(base):
            cid = PACKAGES.get(sub.lower())
            if cid is not None and cid in client_processes and in_use(reader.values(
                    f"{base}\\{sub}")):
                found.setdefault(cid, set()).add(device)
        for sub in reader.subkeys(f"{base}\\NonPackaged"):
            cid = _client_for_exe(sub, exe_clients)
            if cid is not None and in_use(reader.values(f"{base}\\NonPackaged\\{sub}")):
                found.setdefault(cid, set()).add(device)
    return {cid: frozenset(devs) for cid, devs in found.items()}


def consent_vs_capture(using: Mapping[str, frozenset[str]],
                       capturing: frozenset[str] | None) -> tuple[frozenset[str], tuple[str, ...]]:
    """The ConsentStore's microphone readings against the capture sessions (pure).

    ``using``: ``devices_in_use`` (client -> devices); ``capturing``: the clients holding
    an active capture session now, or None when sessions cannot be read (then the
    ConsentStore stands alone). Returns the clients whose *microphone* entry is not
    trusted now (it says "in use" while the client captures nothing: a value left behind
    by a crash or a suspend), and notes for both kinds of disagreement. The camera entry
    is not judged here: capture sessions say nothing about cameras."""
    if capturing is None:
        return frozenset(), ()
    distrusted = frozenset(c for c, devs in using.items()
                           if "microphone" in devs and c not in capturing)
    notes = [f"{c}: ConsentStore says the microphone is open but no capture session is "
             "active (not trusted)" for c in sorted(distrusted)]
    notes += [f"{c}: capturing audio while ConsentStore says the microphone is idle (a "
              "known Windows fault; the capture sessions decide)"
              for c in sorted(capturing) if "microphone" not in using.get(c, frozenset())]
    return distrusted, tuple(notes)
