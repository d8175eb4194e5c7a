"""How meetings are being detected, in one plain sentence for the officer (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from devicecheck.teams.sources import phrases


def phrase(source: str) -> str:
    """A source's words in "Meetings detected from ..." (its registry entry; "" if none)."""
    return phrases().get(source, "")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def detection_summary(live: Iterable[str], unavailable: Mapping[str, str] | None = None) -> str:
    """"Meetings detected from Teams' log and microphone use", or the plain truth that
    nothing but Teams starting and exiting can be seen."""
    # ``live``: the sources that can see a meeting here (the monitor leaves out the ones
    # that only see recording, such as the meeting window on Linux).
    # Registry order: strongest first (``teams/sources/__init__.py``).
    words = phrases()
    meeting_live = [s for s in words if s in set(live)]
    if not meeting_live:
        return ("DeviceCheck cannot tell when a meeting is on: it can only see Teams "
                "starting and exiting.")
    return "Meetings detected from " + _and([words[s] for s in meeting_live]) + "."
