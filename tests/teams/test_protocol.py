"""Parsing Teams local API frames: every bad input gets a kind, never an exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devicecheck.teams import protocol
from tests.teams.fakeserver import (
    GARBAGE_TEXT,
    IDLE_PERMISSIONS,
    meeting_update,
    permissions_only,
)

#: The frames of a public capture against Teams 26163.405.4842.717 (July 2026): an unpaired
#: client, not in a call, is greeted with an ack and permissions alone.
CAPTURED_ACK = '{"requestId":0,"response":"Success"}'
CAPTURED_IDLE = ('{"meetingUpdate":{"meetingPermissions":{"canReact":false,'
                 '"canToggleVideo":false,"canToggleMute":false,"canToggleHand":false,'
                 '"canToggleShareTray":false,"canLeave":false,"canToggleBlur":false,'
                 '"canToggleChat":false,"canStopSharing":false,"canPair":false}}}')


def test_meeting_update_as_teams_sends_it() -> None:
    msg = protocol.parse(json.dumps(meeting_update(in_meeting=True, recording=True)))
    assert (msg.kind, msg.in_meeting, msg.recording, msg.can_pair) == (
        protocol.MEETING_UPDATE, True, True, True)


def test_token_refresh_and_repr_hides_the_token() -> None:
    msg = protocol.parse('{"tokenRefresh": "s3cret-token"}')
    assert msg.kind == protocol.TOKEN_REFRESH and msg.token == "s3cret-token"
    assert "s3cret" not in repr(msg)


def test_response_and_unknown_fields() -> None:
    ok = protocol.parse('{"requestId": 1, "response": "Success"}')
    assert (ok.kind, ok.request_id, ok.response, ok.pairing_refused) == (
        protocol.RESPONSE, 1, "Success", False)
    msg = protocol.parse('{"meetingUpdate": {"meetingState": {"isInMeeting": false, '
                         '"isFutureFlag": 1}, "newThing": {}}, "top": 2}')
    assert (msg.kind, msg.in_meeting, msg.recording) == (protocol.MEETING_UPDATE, False, None)


@pytest.mark.parametrize("text", GARBAGE_TEXT)
def test_garbage_is_classified(text: str) -> None:
    msg = protocol.parse(text)
    assert msg.kind in (protocol.MALFORMED, protocol.UNKNOWN, protocol.MEETING_UPDATE)
    if msg.kind == protocol.MEETING_UPDATE:
        assert msg.in_meeting in (None, False)  # never a made-up "in a meeting"


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    assert protocol.parse("[" * 100_000 + "]" * 100_000).kind == protocol.MALFORMED


@given(st.text(max_size=200))
def test_parse_never_raises(text: str) -> None:
    assert protocol.parse(text).kind


def test_query_params_and_action() -> None:
    params = dict(protocol.query_params(token="t", manufacturer="m", device="d", app="a",
                                        app_version="1"))
    assert params == {"token": "t", "protocol-version": "2.0.0", "manufacturer": "m",
                      "device": "d", "app": "a", "app-version": "1"}
    assert json.loads(protocol.action("pair", 7)) == {"action": "pair", "parameters": {},
                                                      "requestId": 7}


def test_the_pairing_refusal_is_recognised() -> None:
    msg = protocol.parse('{"requestId":1,"response":"Pairing response resulted in no action"}')
    assert msg.kind == protocol.RESPONSE and msg.pairing_refused and msg.request_id == 1
    odd = protocol.parse('{"requestId": true, "response": ["x"]}')
    assert (odd.kind, odd.request_id, odd.response, odd.pairing_refused) == (
        protocol.RESPONSE, None, "", False)


def test_the_captured_greeting_says_not_in_a_meeting() -> None:
    assert protocol.parse(CAPTURED_ACK).kind == protocol.RESPONSE
    idle = protocol.parse(CAPTURED_IDLE)
    assert (idle.kind, idle.in_meeting, idle.recording, idle.can_pair, idle.can_leave,
            idle.basis) == (protocol.MEETING_UPDATE, False, None, False, False,
                            protocol.FROM_PERMISSIONS)


@pytest.mark.parametrize(("perms", "expected"), [
    ({}, True),                                      # an unpaired client in a call
    ({"canPair": False}, True),                      # paired elsewhere: canLeave still says it
    ({"canLeave": False}, True),                     # canPair: "in a meeting", not paired
    ({"canLeave": False, "canPair": False}, None),   # mixed flags: unknown, not a guess
    (dict(IDLE_PERMISSIONS), False),                 # all false: no call
])
def test_permission_only_frames(perms: dict[str, bool], expected: bool | None) -> None:
    msg = protocol.parse(json.dumps(permissions_only(**perms)))
    assert msg.kind == protocol.MEETING_UPDATE and msg.in_meeting is expected
    assert msg.recording is None       # nothing about recording without meetingState
    assert msg.basis == (protocol.FROM_PERMISSIONS if expected is not None else "")


@pytest.mark.parametrize(("update", "expected"), [
    # meetingState's isInMeeting wins over permissions when it is readable.
    ({"meetingState": {"isInMeeting": False}, "meetingPermissions": {"canLeave": True}},
     False),
    ({"meetingState": {"isInMeeting": True}, "meetingPermissions": {}}, True),
    # Unreadable isInMeeting: permissions decide, else unknown.
    ({"meetingState": {"isInMeeting": "yes"}, "meetingPermissions": {"canLeave": True}}, True),
    ({"meetingState": {"isInMeeting": "yes"}}, None),
    # Every flag false, in the state and the permissions: not in a meeting.
    ({"meetingState": {"isMuted": False, "isVideoOn": False}}, False),
    ({"meetingState": {"isMuted": False}, "meetingPermissions": {"canLeave": False,
                                                                 "canReact": False}}, False),
    # An unreadable value is not "false": unknown.
    ({"meetingPermissions": {"canLeave": False, "canReact": "no"}}, None),
    ({"meetingPermissions": {}}, None),
    ({}, None),
])
def test_in_meeting_from_state_and_permissions(update: dict[str, object],
                                               expected: bool | None) -> None:
    msg = protocol.parse(json.dumps({"meetingUpdate": update}))
    assert msg.kind == protocol.MEETING_UPDATE and msg.in_meeting is expected


def test_a_full_frame_out_of_a_meeting_has_all_permissions_false() -> None:
    msg = protocol.parse(json.dumps(meeting_update(in_meeting=False, can_pair=False)))
    assert (msg.in_meeting, msg.can_leave, msg.basis) == (False, False, protocol.FROM_STATE)
