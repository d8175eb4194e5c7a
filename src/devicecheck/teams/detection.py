"""How meetings are being detected, in one plain sentence for the officer (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Each source's words in "Meetings detected from ..." (order: strongest first).
PHRASES: dict[str, str] = {
    "log": "Teams' log",
    "power": "Teams' call-in-progress signal",
    "api": "the Teams local API",
    "audiosession": "Teams' microphone capture",
    "capability": "microphone and camera use",
    "audio": "audio capture",
    "camera": "camera use",
    "window": "the meeting window",
}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def detection_summary(live: Iterable[str], unavailable: Mapping[str, str] | None = None) -> str:
    """"Meetings detected from Teams' log and microphone use", or the plain truth that
    nothing but Teams starting and exiting can be seen."""
    # ``live``: the sources that can see a meeting here (the monitor leaves out the ones
    # that only see recording, such as the meeting window on Linux).
    meeting_live = [s for s in PHRASES if s in set(live)]
    if not meeting_live:
        return ("DeviceCheck cannot tell when a meeting is on: it can only see Teams "
                "starting and exiting.")
    return "Meetings detected from " + _and([PHRASES[s] for s in meeting_live]) + "."
