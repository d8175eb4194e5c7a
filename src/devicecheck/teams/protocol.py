"""The Teams third-party app API, protocol 2.0.0: connection parameters and messages.
Pure: parsing never raises on bad input, it says what kind of bad it was.

Teams pushes ``{"meetingUpdate": {"meetingState": {...}, "meetingPermissions": {...}}}``,
``{"tokenRefresh": "<token>"}`` after the officer allows a pairing, and
``{"requestId": n, "response": "..."}`` replies to our actions. Unknown fields are
ignored: Teams adds them between releases.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = "2.0.0"

# What a parsed frame turned out to be.
MEETING_UPDATE, TOKEN_REFRESH, RESPONSE, UNKNOWN, MALFORMED = (
    "meeting-update", "token-refresh", "response", "unknown", "malformed")


def query_params(*, token: str, manufacturer: str, device: str, app: str,
                 app_version: str) -> list[tuple[str, str]]:
    """The query parameters of the connection URL, in the documented order."""
    return [("token", token), ("protocol-version", PROTOCOL_VERSION),
            ("manufacturer", manufacturer), ("device", device), ("app", app),
            ("app-version", app_version)]


@dataclass(frozen=True)
class Message:
    kind: str
    in_meeting: bool | None = None      # meeting-update: isInMeeting (None: absent/bad)
    recording: bool | None = None       # meeting-update: isRecordingOn
    can_pair: bool = False              # meeting-update: meetingPermissions.canPair
    token: str = ""                     # token-refresh (never log a Message's token)
    problem: str = ""                   # malformed: why, without echoing the input

    def __repr__(self) -> str:
        token = "<hidden>" if self.token else ""
        return (f"Message(kind={self.kind!r}, in_meeting={self.in_meeting}, "
                f"recording={self.recording}, can_pair={self.can_pair}, token={token!r}, "
                f"problem={self.problem!r})")


def _flag(obj: Mapping[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    return value if isinstance(value, bool) else None


def parse(text: str) -> Message:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return Message(MALFORMED, problem="not JSON")
    if not isinstance(data, dict):
        return Message(MALFORMED, problem=f"a JSON {type(data).__name__}, not an object")
    if "meetingUpdate" in data:
        update = data["meetingUpdate"]
        if not isinstance(update, dict):
            return Message(MALFORMED, problem="meetingUpdate is not an object")
        state = update.get("meetingState")
        perms = update.get("meetingPermissions")
        state = state if isinstance(state, dict) else {}
        perms = perms if isinstance(perms, dict) else {}
        return Message(MEETING_UPDATE, in_meeting=_flag(state, "isInMeeting"),
                       recording=_flag(state, "isRecordingOn"),
                       can_pair=_flag(perms, "canPair") is True)
    if "tokenRefresh" in data:
        token = data["tokenRefresh"]
        if not isinstance(token, str) or not token:
            return Message(MALFORMED, problem="tokenRefresh is not a string")
        return Message(TOKEN_REFRESH, token=token)
    if "requestId" in data and "response" in data:
        return Message(RESPONSE)
    return Message(UNKNOWN)


def action(name: str, request_id: int, parameters: Mapping[str, Any] | None = None) -> str:
    """An action frame, e.g. ``pair`` (the pairing trigger reported for 2.0.0)."""
    return json.dumps({"action": name, "parameters": dict(parameters or {}),
                       "requestId": request_id})
