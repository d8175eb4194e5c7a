"""Which processes count as recorders (the ffmpeg rule) and Game Bar capture."""

from __future__ import annotations

import pytest

from devicecheck.probes.processes import ProcInfo
from devicecheck.probes.registry import DictRegistry
from devicecheck.recording.recorders import (
    ALLOW_GAMEDVR,
    APP_CAPTURE,
    GAMEDVR_ENABLED,
    classify,
    game_bar_capture,
    grabs_screen,
    read_game_bar,
    scan_recorders,
    watched_names,
)


@pytest.mark.parametrize(("cmdline", "grabs"), [
    (("ffmpeg", "-f", "x11grab", "-i", ":0.0", "out.mkv"), True),
    (("ffmpeg.exe", "-f", "gdigrab", "-i", "desktop", "call.mp4"), True),
    (("ffmpeg", "-f", "avfoundation", "-i", "1:0", "x.mov"), True),
    (("ffmpeg", "-f", "X11GRAB", "-i", ":1"), True),
    (("ffmpeg", "-i", "holiday.mp4", "-c:v", "libx264", "small.mp4"), False),
    ((), False),
])
def test_ffmpeg_counts_only_when_it_grabs_the_screen(cmdline: tuple[str, ...], grabs: bool) -> None:
    assert grabs_screen(cmdline) is grabs
    seen = classify([ProcInfo(40, "ffmpeg", cmdline)])
    assert [s.name for s in seen] == (["ffmpeg"] if grabs else [])


def test_named_recorders_count_whatever_their_command_line() -> None:
    seen = classify([ProcInfo(7, "obs", ()), ProcInfo(3, "Audacity", ("audacity", "x")),
                     ProcInfo(9, "ffmpeg.exe", ("ffmpeg.exe", "-i", "a.wav", "b.mp3"))])
    assert [(s.name, s.pid) for s in seen] == [("Audacity", 3), ("obs", 7)]


def test_ffmpeg_is_always_watched_and_policy_names_kept_once() -> None:
    names = watched_names(("obs", "kazam", "obs"))
    assert names[:2] == ("obs", "kazam") and "ffmpeg" in names and "ffmpeg.exe" in names
    assert len(names) == len(set(names))


def test_scan_asks_for_command_lines_and_classifies() -> None:
    calls: list[tuple[tuple[str, ...], dict[str, object]]] = []

    def fake_find(names: tuple[str, ...], **kw: object) -> list[ProcInfo]:
        calls.append((names, kw))
        return [ProcInfo(5, "kazam"), ProcInfo(6, "ffmpeg", ("ffmpeg", "-i", "in.wav"))]

    seen = scan_recorders(("kazam",), os_name="linux", find=fake_find)
    assert [s.name for s in seen] == ["kazam"]
    assert calls[0][1] == {"os_name": "linux", "with_cmdline": True}


@pytest.mark.parametrize(("values", "capture", "why"), [
    ({}, True, "not configured"),
    ({APP_CAPTURE: 1, GAMEDVR_ENABLED: 1}, True, "switched on"),
    ({APP_CAPTURE: 0, GAMEDVR_ENABLED: 1}, False, "AppCaptureEnabled = 0"),
    ({APP_CAPTURE: 1, GAMEDVR_ENABLED: 0}, False, "GameDVR_Enabled = 0"),
    ({APP_CAPTURE: 1, GAMEDVR_ENABLED: 1, ALLOW_GAMEDVR: 0}, False, "machine policy"),
    ({APP_CAPTURE: 0, ALLOW_GAMEDVR: 1}, False, "AppCaptureEnabled = 0"),
    ({APP_CAPTURE: "0"}, False, "AppCaptureEnabled = 0"),
])
def test_game_bar_capture(values: dict[str, object], capture: bool, why: str) -> None:
    got, reason = game_bar_capture(values)
    assert got is capture and why in reason


def test_game_bar_values_are_read_from_the_three_keys() -> None:
    reg = DictRegistry({
        r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\GameDVR": {APP_CAPTURE: 0,
                                                                    "AudioCaptureEnabled": 0},
        r"HKCU\System\GameConfigStore": {GAMEDVR_ENABLED: 1, "GameDVR_FSEBehavior": 2},
    })
    assert read_game_bar(reg) == {APP_CAPTURE: 0, GAMEDVR_ENABLED: 1, ALLOW_GAMEDVR: None}
