"""Parsing Teams local API frames: every bad input gets a kind, never an exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devicecheck.teams import protocol
from tests.teams.fakeserver import GARBAGE_TEXT, meeting_update


def test_meeting_update_as_teams_sends_it() -> None:
    msg = protocol.parse(json.dumps(meeting_update(in_meeting=True, recording=True)))
    assert (msg.kind, msg.in_meeting, msg.recording, msg.can_pair) == (
        protocol.MEETING_UPDATE, True, True, True)


def test_token_refresh_and_repr_hides_the_token() -> None:
    msg = protocol.parse('{"tokenRefresh": "s3cret-token"}')
    assert msg.kind == protocol.TOKEN_REFRESH and msg.token == "s3cret-token"
    assert "s3cret" not in repr(msg)


def test_response_and_unknown_fields() -> None:
    assert protocol.parse('{"requestId": 1, "response": "Success"}').kind == protocol.RESPONSE
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
