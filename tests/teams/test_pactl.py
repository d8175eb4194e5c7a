"""pactl parsers, on real output captured on Debian 12 (tests/fixtures/linux/pactl-*):
PulseAudio 16.1 (a ``pacat`` copied as ``teams-for-linux`` and one symlinked as
``chromium``), pipewire-pulse 0.3.65 (the same copy), and a native PipeWire stream
(``pw-cat`` copied as ``teams-native``) whose process facts live on its client."""

from __future__ import annotations

import pytest

from devicecheck.teams import pactl
from tests.conftest import FIXTURES

LINUX = FIXTURES / "linux"


def fixture(name: str) -> str:
    return (LINUX / name).read_text(encoding="utf-8")


def test_pulseaudio_streams_carry_pid_binary_and_name() -> None:
    streams = pactl.parse_source_outputs(fixture("pactl-source-outputs-pulseaudio.json"))
    assert [(s.index, s.client, s.pid, s.binary, s.app_name) for s in streams] == [
        (0, 2, 11405, "pacat", "chromium"),          # a symlink: binary is the target's
        (1, 3, 11404, "teams-for-linux", "teams-for-linux"),
    ]
    assert all(s.corked is False for s in streams)


def test_pipewire_pulse_streams_have_the_same_properties() -> None:
    [stream] = pactl.parse_source_outputs(fixture("pactl-source-outputs-pipewire.json"))
    assert (stream.index, stream.client, stream.pid, stream.binary) == \
        (39, 38, 12248, "teams-for-linux")
    assert stream.corked is True      # not linked (no session manager): still a stream


def test_native_pipewire_streams_take_their_pid_from_the_client() -> None:
    streams = pactl.parse_source_outputs(fixture("pactl-source-outputs-pipewire-native.json"))
    assert [(s.pid, s.client, s.app_name) for s in streams] == [(None, 42, "teams-native")]
    assert pactl.needs_clients(streams)
    clients = pactl.parse_clients(fixture("pactl-clients-pipewire-native.json"))
    [filled] = pactl.with_clients(streams, clients)
    assert (filled.pid, filled.binary) == (12472, "teams-native")


def test_the_pipewire_sec_pid_of_a_pulse_client_is_not_taken() -> None:
    # For libpulse clients on pipewire-pulse, pipewire.sec.pid is the daemon's own PID.
    text = ('[{"index": 7, "client": "3", "properties": {"client.api": "pipewire-pulse", '
            '"pipewire.sec.pid": "900"}}]')
    [stream] = pactl.parse_source_outputs(text)
    assert stream.pid is None
    native = '[{"index": 8, "client": null, "properties": {"pipewire.sec.pid": "901"}}]'
    assert pactl.parse_source_outputs(native)[0].pid == 901


def test_no_streams_and_junk() -> None:
    assert pactl.parse_source_outputs("[]\n") == []
    assert pactl.parse_source_outputs("") == []
    assert pactl.parse_source_outputs('[{"client": "1"}, 5, {"index": "x"}]') == []
    for bad in ("Source Output #0\n\tDriver: protocol-native.c\n", '{"index": 0}'):
        with pytest.raises(pactl.PactlParseError):
            pactl.parse_source_outputs(bad)


@pytest.mark.parametrize("name", ["pactl-subscribe-pulseaudio.txt",
                                  "pactl-subscribe-pipewire.txt"])
def test_subscribe_lines(name: str) -> None:
    events = pactl.parse_events(fixture(name))
    captures = [(e.event, e.index) for e in events if e.facility == pactl.SOURCE_OUTPUT]
    assert [e for e, _ in captures] == ["new", "remove"]
    assert len({i for _, i in captures}) == 1
    assert pactl.touches_capture(events)
    assert {e.facility for e in events} >= {"client", "source-output"}


def test_event_lines_only() -> None:
    assert pactl.parse_event("Got SIGINT, exiting.") is None
    assert pactl.parse_event("Event 'change' on source #0") == pactl.ServerEvent(
        "change", "source", 0)
    # Our own pactl list runs come and go as clients: they never trigger a re-list.
    assert not pactl.touches_capture(pactl.parse_events(
        "Event 'new' on client #40\nEvent 'remove' on client #40\n"))
