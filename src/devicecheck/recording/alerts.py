"""What the live recording alert says and what it audits, without Qt.

Three sources raise it during a meeting: Teams' meeting window shows its recording
indicator (``recording-started`` from the ``window`` source, issue 18), the opt-in Teams
API reports recording (``recording-started`` from ``api``), or a recording program starts
on the laptop. The audit record holds the time, the source, how long the meeting had run,
for programs their names, and for the window the *role* of what was seen (status, label,
image, button); never a meeting title, anyone's name or text read from the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devicecheck.audit import AuditLog

AUDIT_KIND = "recording-alert"
SOURCE_TEAMS = "teams"
SOURCE_PROCESS = "process"
SOURCE_WINDOW = "window"     # the meeting window's recording indicator


@dataclass(frozen=True)
class AlertText:
    heading: str
    what: str       # what is happening
    rule: str       # what the council says
    steps: tuple[str, ...]  # what to do now


def alert_text(source: str, programs: Sequence[str] = (),
               seen: str | None = None) -> AlertText:
    """``seen``: for the window source, the configured indicator name that matched."""
    rule = ("The council does not allow calls with residents to be recorded or transcribed, "
            "and residents have been told this call is not recorded.")
    if source == SOURCE_PROCESS:
        listed = ", ".join(programs) if programs else "a recording program"
        return AlertText(
            heading="Warning: recording software is running during this call",
            what=f"A program that can record this call is running on this laptop: {listed}.",
            rule=rule,
            steps=(f"Close {listed} now, without saving any recording.",
                   "If a recording was saved, delete it and tell your manager.",
                   "Carry on with the call once the program is closed."),
        )
    if source == SOURCE_WINDOW:
        shown = f'"{seen}"' if seen else "its recording indicator"
        return AlertText(
            heading="Warning: this call is being recorded",
            what=f"The Teams meeting window shows {shown}: this call is being recorded "
                 "or transcribed.",
            rule=rule,
            steps=("Stop the call now, or ask the organiser to stop the recording "
                   "(in Teams: More (...) > Record and transcribe > Stop recording).",
                   "If the recording does not stop, end the call politely and arrange "
                   "another.",
                   "Tell your manager, so the recording can be deleted."),
        )
    return AlertText(
        heading="Warning: this call is being recorded",
        what="Microsoft Teams reports that this call is being recorded.",
        rule=rule,
        steps=("Stop the recording now: in Teams choose More (...) > Recording and "
               "transcription > Stop recording.",
               "If someone else started it, ask them to stop it. If they will not, "
               "end the call politely and arrange another.",
               "Tell your manager, so the recording can be deleted."),
    )


def meeting_seconds(started_at: datetime | None, now: datetime) -> int | None:
    """Whole seconds the meeting has run, or None when its start is not known."""
    if started_at is None:
        return None
    return max(0, int((now - started_at).total_seconds()))


def record_alert(audit: AuditLog, source: str, *, meeting_seconds: int | None,
                 programs: Iterable[str] = (), seen_role: str | None = None) -> dict[str, Any]:
    """Write the ``recording-alert`` audit record (the log adds the time). ``seen_role``:
    the window source's match role only — never the text or title read from the window."""
    fields: dict[str, Any] = {"source": source, "meeting_seconds": meeting_seconds}
    if seen_role:
        fields["seen_role"] = seen_role
    progs = sorted(set(programs), key=str.lower)
    if progs:
        # Program names are software, not people: fine to keep. ("names" is a key the
        # audit log refuses, because elsewhere it would mean attendees.)
        fields["programs"] = progs
    return audit.record(AUDIT_KIND, **fields)


class RecorderTracker:
    """Which recording programs this meeting has already been alerted about, so a
    program that keeps running raises one alert, not one every poll."""

    def __init__(self) -> None:
        self._alerted: set[str] = set()

    def reset(self) -> None:
        self._alerted.clear()

    def new(self, running: Iterable[str]) -> list[str]:
        """Names running now that have not been alerted yet this meeting (and marks them)."""
        fresh = sorted({n for n in running if n.lower() not in self._alerted}, key=str.lower)
        self._alerted.update(n.lower() for n in fresh)
        return fresh
