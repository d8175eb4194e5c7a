"""The Teams third-party app API, protocol 2.0.0: connection parameters and messages.
Pure: parsing never raises on bad input, it says what kind of bad it was.

Teams pushes ``{"meetingUpdate": {"meetingState": {...}, "meetingPermissions": {...}}}``,
``{"tokenRefresh": "<token>"}`` after the officer allows a pairing, and
``{"requestId": n, "response": "..."}`` replies to our actions. Unknown fields are
ignored: Teams adds them between releases.

What a frame says about "in a meeting" (public evidence, no Microsoft documentation exists):
- ``meetingUpdate`` frames are partial. An *unpaired* client is sent ``meetingPermissions``
  alone, with no ``meetingState`` (svrooij/teams-monitor README.md, "At first you have
  limited access"; raycast/extensions extensions/microsoft-teams-calling/src/teams/
  meetingClient.ts types ``meetingState`` as optional). A public capture against Teams
  26163.405.4842.717 (July 2026) shows the idle frame as permissions only, every flag false,
  and notes that Teams grants ``canLeave``/``canToggleMute`` only while there is a call.
- So, with no readable ``meetingState.isInMeeting``: ``canLeave`` (or ``canPair``, which
  teams-monitor documents as "the user is in a meeting" and not yet paired) true means a
  call is on; a frame whose flags are all false means "not in a meeting"; anything else
  (no flags, mixed flags without canLeave/canPair) is unknown (``None``).
- The refusal ``{"requestId": n, "response": "Pairing response resulted in no action"}``
  ("Pairing failed" in svrooij/teams-monitor README.md; several public clients re-arm
  pairing on exactly this string and try again at the next chance).
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

#: Teams' answer when a pairing did not happen (declined, unanswered, or not needed).
PAIRING_REFUSED = "Pairing response resulted in no action"

#: Where ``in_meeting`` came from (for logs and tests; never personal data).
FROM_STATE, FROM_PERMISSIONS = "state", "permissions"

_MAX_RESPONSE_CHARS = 200   # Teams' replies are short fixed phrases; keep no more


def query_params(*, token: str, manufacturer: str, device: str, app: str,
                 app_version: str) -> list[tuple[str, str]]:
    """The query parameters of the connection URL, in the documented order."""
    return [("token", token), ("protocol-version", PROTOCOL_VERSION),
            ("manufacturer", manufacturer), ("device", device), ("app", app),
            ("app-version", app_version)]


@dataclass(frozen=True)
class Message:
    kind: str
    in_meeting: bool | None = None      # meeting-update (None: the frame does not say)
    recording: bool | None = None       # meeting-update: isRecordingOn (None: absent/bad)
    can_pair: bool = False              # meeting-update: meetingPermissions.canPair
    can_leave: bool | None = None       # meeting-update: meetingPermissions.canLeave
    basis: str = ""                     # meeting-update: FROM_STATE | FROM_PERMISSIONS | ""
    request_id: int | None = None       # response
    response: str = ""                  # response: Teams' text ("Success", the refusal)
    token: str = ""                     # token-refresh (never log a Message's token)
    problem: str = ""                   # malformed: why, without echoing the input

    @property
    def pairing_refused(self) -> bool:
        return self.kind == RESPONSE and self.response == PAIRING_REFUSED

    def __repr__(self) -> str:
        token = "<hidden>" if self.token else ""
        return (f"Message(kind={self.kind!r}, in_meeting={self.in_meeting}, "
                f"recording={self.recording}, can_pair={self.can_pair}, "
                f"can_leave={self.can_leave}, basis={self.basis!r}, "
                f"request_id={self.request_id}, response={self.response!r}, "
                f"token={token!r}, problem={self.problem!r})")


def _flag(obj: Mapping[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    return value if isinstance(value, bool) else None


def _flags(obj: Mapping[str, Any]) -> list[bool]:
    return [v for v in obj.values() if isinstance(v, bool)]


def meeting_from(state: Mapping[str, Any], perms: Mapping[str, Any]) -> tuple[bool | None, str]:
    """``(in_meeting, basis)`` from one frame's ``meetingState`` and ``meetingPermissions``
    (either may be empty). See the module docstring for the evidence."""
    in_meeting = _flag(state, "isInMeeting")
    if in_meeting is not None:
        return in_meeting, FROM_STATE
    if _flag(perms, "canLeave") is True or _flag(perms, "canPair") is True:
        return True, FROM_PERMISSIONS
    # No readable isInMeeting: a frame whose flags are all false is Teams' idle frame.
    # Unreadable (non-bool) values are neither true nor false: they leave it unknown.
    values = {**perms, **state}
    flags = _flags(values)
    if flags and len(flags) == len(values) and not any(flags):
        return False, FROM_PERMISSIONS if perms else FROM_STATE
    return None, ""


def parse(text: str) -> Message:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return Message(MALFORMED, problem="not JSON")
    except ValueError:
        # e.g. an integer of more than sys.int_info.str_digits_check_threshold (4300)
        # digits: json raises a plain ValueError (issue 17: 15,500 tracebacks).
        return Message(MALFORMED, problem="a number too long to read")
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
        in_meeting, basis = meeting_from(state, perms)
        return Message(MEETING_UPDATE, in_meeting=in_meeting,
                       recording=_flag(state, "isRecordingOn"),
                       can_pair=_flag(perms, "canPair") is True,
                       can_leave=_flag(perms, "canLeave"), basis=basis)
    if "tokenRefresh" in data:
        token = data["tokenRefresh"]
        if not isinstance(token, str) or not token:
            return Message(MALFORMED, problem="tokenRefresh is not a string")
        return Message(TOKEN_REFRESH, token=token)
    if "requestId" in data and "response" in data:
        rid, response = data["requestId"], data["response"]
        return Message(RESPONSE,
                       request_id=rid if isinstance(rid, int) and not isinstance(rid, bool)
                       else None,
                       response=response[:_MAX_RESPONSE_CHARS] if isinstance(response, str)
                       else "")
    return Message(UNKNOWN)


def action(name: str, request_id: int, parameters: Mapping[str, Any] | None = None) -> str:
    """An action frame, e.g. ``pair`` (the pairing trigger reported for 2.0.0)."""
    return json.dumps({"action": name, "parameters": dict(parameters or {}),
                       "requestId": request_id})
