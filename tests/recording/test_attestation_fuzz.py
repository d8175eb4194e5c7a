"""Whatever IT (or a damaged disk) puts in the file, judging it never raises, and only a
document with every setting explicitly off can pass."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from devicecheck.recording.attestation import AttestationState, assess_attestation
from tests.recording.helpers import NOW, council_policy, fixture_text

FRESH = json.loads(fixture_text("fresh.json"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_state_not_an_exception(text: str) -> None:
    result = assess_attestation(text, council_policy(), NOW)
    assert result.state is not AttestationState.OK


@settings(max_examples=300, deadline=None)
@given(section=st.sampled_from(sorted(k for k, v in FRESH.items() if isinstance(v, dict))),
       key=st.text(max_size=30), value=json_values, data=st.data())
def test_a_changed_value_never_passes_unless_still_everything_off(section: str, key: str,
                                                                  value: object,
                                                                  data: st.DataObject) -> None:
    doc = json.loads(json.dumps(FRESH))
    key = data.draw(st.sampled_from([key, *doc[section]]))
    doc[section][key] = value
    result = assess_attestation(json.dumps(doc), council_policy(), NOW)
    if result.state is AttestationState.OK:
        meeting, calling = doc["TeamsMeetingPolicy"], doc["TeamsCallingPolicy"]
        assert meeting["AllowCloudRecording"] is False and meeting["AllowTranscription"] is False
        assert str(meeting["AutoRecording"]).lower() == "disabled"
        assert calling["AllowCloudRecordingForCalls"] is False
        assert calling["AllowTranscriptionForCalling"] is False
        assert doc["TeamsComplianceRecordingPolicy"]["applies"] is False
