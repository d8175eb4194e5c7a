"""Which recording safeguards the report says are in force (recording/layers.py), and the
window source's alert text."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from devicecheck.policy import Policy
from devicecheck.policy.model import Severity, TeamsPolicy
from devicecheck.recording import layers
from devicecheck.recording.alerts import SOURCE_WINDOW, alert_text


def by_layer(items: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {x["layer"]: x for x in items}


def test_all_three_in_force_on_linux_with_a_session_bus() -> None:
    got = by_layer(layers.summary(Policy(), "linux", {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}))
    assert [k for k, v in got.items() if v["in_force"]] == [
        "policy-attestation", "recording-software", "live-watch"]
    assert "at-spi" in str(got["live-watch"]["why"])


def test_live_watch_not_in_force_says_why() -> None:
    no_bus = by_layer(layers.summary(Policy(), "linux", {}))["live-watch"]
    assert no_bus["in_force"] is False and "session bus" in str(no_bus["why"])
    off = replace(Policy(), teams=TeamsPolicy(disabled_sources=("window",)))
    assert "disabled_sources" in str(by_layer(layers.summary(off, "linux", {}))["live-watch"]["why"])
    # Windows and macOS need comtypes / pyobjc, which this machine lacks: said, not raised.
    win = by_layer(layers.summary(Policy(), "windows", {}))["live-watch"]
    assert win["in_force"] is False and "comtypes" in str(win["why"])


def test_checks_switched_off_are_not_in_force() -> None:
    severity = MappingProxyType({**Policy().severity, "recording-policy": Severity.OFF})
    got = by_layer(layers.summary(replace(Policy(), severity=severity), "macos", {}))
    assert got["policy-attestation"]["in_force"] is False
    assert got["recording-software"]["in_force"] is True
    line = layers.sentence(list(got.values()))
    assert line.startswith("Recording safeguards in force: recording-software")
    assert "not in force: policy-attestation" in line


def test_window_alert_text_names_the_indicator_and_both_ways_out() -> None:
    text = alert_text(SOURCE_WINDOW, seen="Recording")
    assert '"Recording"' in text.what
    assert any("ask the organiser to stop the recording" in s for s in text.steps)
    assert any(s.startswith("Stop the call now") for s in text.steps)
