"""Whatever arrives on the Teams socket, ``protocol.parse`` returns a Message, never
raises (issue 17 acceptance; item 8: a 5000-digit integer raised ValueError)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from devicecheck.teams import protocol

KEYS = ["meetingUpdate", "meetingState", "meetingPermissions", "isInMeeting",
        "isRecordingOn", "canPair", "canLeave", "tokenRefresh", "requestId", "response", "x"]
KINDS = {protocol.MEETING_UPDATE, protocol.TOKEN_REFRESH, protocol.RESPONSE,
         protocol.UNKNOWN, protocol.MALFORMED}

leaves = (st.none() | st.booleans() | st.integers() | st.floats()
          | st.text(max_size=30) | st.sampled_from(["Success", protocol.PAIRING_REFUSED]))
frames = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner,
                                        max_size=5), max_leaves=20)


def check(msg: protocol.Message) -> None:
    assert isinstance(msg, protocol.Message) and msg.kind in KINDS
    assert msg.in_meeting in (True, False, None) and msg.recording in (True, False, None)
    if msg.kind == protocol.MALFORMED:
        assert msg.problem


@settings(max_examples=500, deadline=None)
@given(frames)
def test_any_json_frame_parses(frame: Any) -> None:
    check(protocol.parse(json.dumps(frame)))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses(text: str) -> None:
    check(protocol.parse(text))


@settings(max_examples=30, deadline=None)
@given(digits=st.integers(min_value=4000, max_value=20_000),
       where=st.sampled_from(["requestId", "isInMeeting", "top"]))
def test_huge_integers_are_malformed_not_exceptions(digits: int, where: str) -> None:
    n = "9" * digits
    text = {"requestId": f'{{"requestId": {n}, "response": "Success"}}',
            "isInMeeting": f'{{"meetingUpdate": {{"meetingState": {{"isInMeeting": {n}}}}}}}',
            "top": n}[where]
    msg = protocol.parse(text)
    check(msg)
    if digits > 4300:
        assert msg.kind == protocol.MALFORMED


def test_deep_nesting_is_malformed() -> None:
    assert protocol.parse("[" * 100_000 + "]" * 100_000).kind == protocol.MALFORMED
