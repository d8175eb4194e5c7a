"""The signal-source registry: one line per source says where its class is, the officer's
words for it and its policy name; the detection sentence and the policy choices come from
it (issue 28)."""

from __future__ import annotations

from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.teams import sources
from devicecheck.teams.detection import detection_summary, phrase
from devicecheck.teams.sources.base import SignalSource


def test_every_entry_loads_a_source_named_as_its_key() -> None:
    for name in sources.REGISTRY:
        cls = sources.load(name)
        assert issubclass(cls, SignalSource) and cls.name == name


def test_the_officer_sentence_names_sources_strongest_first() -> None:
    # Registry order is the sentence's order (unchanged by moving the words to the registry).
    live = ["window", "camera", "audio", "capability", "audiosession", "api", "power", "log"]
    assert detection_summary(live) == (
        "Meetings detected from Teams' log, Teams' call-in-progress signal, the Teams local "
        "API, Teams' microphone capture, microphone and camera use, audio capture, camera "
        "use and the meeting window.")
    assert phrase("audio") == "audio capture" and phrase("nothing") == ""


def test_policy_names_switch_sources_off_and_the_api_only_comes_on() -> None:
    assert [e.policy_name for e in sources.REGISTRY.values()] == [
        "log", "power", None, "audiosession", "capability", "audio", "camera", "window"]
    off = Policy(teams=TeamsPolicy(disabled_sources=("audio", "window")))
    assert sources.enabled(off) == ["log", "power", "audiosession", "capability", "camera"]
    api_on = Policy(teams=TeamsPolicy(local_api=True))
    assert "api" in sources.enabled(api_on) and "api" not in sources.enabled(Policy())
    assert sources.runnable(off)[-1] == "window"     # the pilot runs what policy switched off
