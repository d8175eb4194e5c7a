"""The meeting window as a meeting source: new Teams' ``hangup-button`` automation id says a
call is on whatever the UI language (danswett/streamdeck-teams-control README; TEAMS2HA),
read through UI Automation (after a WM_GETOBJECT nudge) or AX (``AXDOMIdentifier``); a
macOS tree that is not built yet is "not yet", looked at again with a growing interval."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from devicecheck.audit import AuditLog
from devicecheck.policy import Policy
from devicecheck.policy.model import TeamsPolicy
from devicecheck.teams.a11y import base
from devicecheck.teams.a11y.base import HANGUP, Patience, TreeNotReady, look
from devicecheck.teams.a11y.macos import AxBackend
from devicecheck.teams.a11y.windows import UiaBackend
from devicecheck.teams.monitor import TeamsMonitor
from devicecheck.teams.sources.base import Reading, SignalSource, SourceContext
from devicecheck.teams.sources.window import IDLE_INTERVAL_S, WindowSource
from tests.teams.test_a11y import Ax, El, FakeAx, FakeUia

CLIENT = "teams-new"
NAMES = Policy().recording.indicator_names

#: The meeting toolbar in two UI languages: the names differ, the ids do not.
TOOLBAR = {
    "en": [("Mute mic", "microphone-button"), ("Turn camera off", "video-button"),
           ("Share content", "share-button"), ("Leave", HANGUP)],
    "de": [("Mikrofon stummschalten", "microphone-button"), ("Kamera ausschalten",
                                                             "video-button"),
           ("Inhalte teilen", "share-button"), ("Verlassen", HANGUP)],
    "cy": [("Tewi'r meic", "microphone-button"), ("Diffodd y camera", "video-button"),
           ("Rhannu cynnwys", "share-button"), ("Gadael", HANGUP)],
}


def uia_window(lang: str | None, indicator: El | None = None) -> dict[int, list[El]]:
    """New Teams (WebView2) as UI Automation shows it: a window, the page, the meeting
    toolbar when a call is on (``lang``), the chat (with "hangup-button" typed in it)."""
    chat = El("Chat", 50008, "log", [El("hangup-button", 50020, ident="")])
    kids: list[El] = [chat, El("Type a message", 50004)]
    if lang is not None:
        buttons = [El(name, 50000, ident=ident) for name, ident in TOOLBAR[lang]]
        kids.insert(0, El("", 50026, "", [*buttons, *([indicator] if indicator else [])]))
    page = El("Microsoft Teams", 50030, "", kids)
    return {4242: [El("Microsoft Teams", 50032, "", [page])]}


@pytest.mark.parametrize("lang", ["en", "de", "cy"])
def test_uia_hangup_button_found_by_id_in_any_language(lang: str) -> None:
    api = FakeUia(uia_window(lang))
    backend = UiaBackend(api)
    assert backend.find_idents(frozenset({4242}), frozenset({HANGUP}), 0.2) == {HANGUP}
    assert api.nudges == [frozenset({4242})]          # WM_GETOBJECT before the search
    result = look(backend.windows(frozenset({4242}), 0.2), (), {HANGUP})
    assert result.controls == {HANGUP}


def test_uia_without_the_toolbar_no_call_and_no_window_is_unknown() -> None:
    backend = UiaBackend(FakeUia(uia_window(None)))
    assert backend.find_idents(frozenset({4242}), frozenset({HANGUP}), 0.2) == frozenset()
    # The id typed in the chat is content: never walked into, never a call.
    assert look(backend.windows(frozenset({4242}), 0.2), (), {HANGUP}).controls == frozenset()
    with pytest.raises(base.TreeUnavailable, match="no window"):
        backend.find_idents(frozenset({1}), frozenset({HANGUP}), 0.2)


def ax_window(lang: str | None, built: bool = True) -> dict[int, Ax]:
    buttons = [Ax({"AXRole": "AXButton", "AXDescription": name, "AXDOMIdentifier": ident})
               for name, ident in TOOLBAR[lang]] if lang else []
    chat = Ax({"AXRole": "AXGroup", "AXSubrole": "AXApplicationLog", "AXChildren": []})
    web = Ax({"AXRole": "AXWebArea", "AXChildren": [*buttons, chat]} if built else
             {"AXRole": "AXGroup", "AXDescription": "Web content", "AXChildren": []})
    window = Ax({"AXRole": "AXWindow", "AXTitle": "Meeting", "AXChildren": [web]})
    return {777: Ax({"AXWindows": [window]})}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_ax_hangup_button_by_dom_identifier(lang: str) -> None:
    windows = AxBackend(FakeAx(ax_window(lang))).windows(frozenset({777}), 0.2)
    assert look(windows, (), {HANGUP}).controls == {HANGUP}
    assert look(AxBackend(FakeAx(ax_window(None))).windows(frozenset({777}), 0.2), (),
                {HANGUP}).controls == frozenset()


def test_ax_childless_web_content_is_not_ready_not_a_failure() -> None:
    with pytest.raises(TreeNotReady, match="not readable yet"):
        AxBackend(FakeAx(ax_window("en", built=False))).windows(frozenset({777}), 0.2)


def test_patience_doubles_to_a_cap_then_gives_up_after_ten_minutes() -> None:
    patience = Patience()
    waits = [patience.not_ready(100.0 + i) for i in range(6)]
    assert waits == [3.0, 6.0, 12.0, 24.0, 30.0, 30.0]
    assert not patience.exhausted(100.0 + 599) and patience.exhausted(100.0 + 600)
    patience.reset()
    assert patience.not_ready(900.0) == 3.0 and not patience.exhausted(900.0)


# -- the window source on Windows and macOS -----------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def window_source(backend: Any, os_name: Any, pid: int,
                  policy: Policy | None = None) -> tuple[WindowSource, Clock]:
    clock = Clock()
    ctx = SourceContext(policy=policy or Policy(), os_name=os_name, clients=(CLIENT,),
                        process_names=lambda _c, _o: frozenset({"ms-teams.exe"}), clock=clock,
                        options={"window_backend": backend, "window_clock": clock})
    source = WindowSource(ctx, lambda _r: None)
    source.processes({CLIENT: frozenset({pid})})
    source.start()
    return source, clock


def test_windows_hangup_button_is_a_meeting_looked_for_every_15_s_outside_meetings() -> None:
    api = FakeUia(uia_window(None))
    source, clock = window_source(UiaBackend(api), "windows", 4242)
    assert source.watches_calls and source.says() == {"meeting", "recording"}
    assert source.poll(clock.t) == Reading()
    clock.t += 3
    assert source.poll(clock.t) is None                     # not due: 15 s outside meetings
    api.by_pid = uia_window("de")                            # a call starts (German UI)
    clock.t += IDLE_INTERVAL_S
    assert source.poll(clock.t) == Reading.of([CLIENT])
    assert source.walks == 0                                # no walk: FindFirst by id


def test_call_control_ids_come_from_policy_as_the_pilot_offers_them() -> None:
    """IT pastes the pilot's `[teams] call_control_ids` line: a Teams build whose toolbar
    names its leave button otherwise is a call by that id, on UIA (FindFirst) and AX
    (the walk) alike; the built-in id alone would miss it."""
    renamed = {"en": [(name, "call-end-button" if ident == HANGUP else ident)
                      for name, ident in TOOLBAR["en"]]}
    policy = replace(Policy(), teams=replace(Policy().teams,
                                             call_control_ids=("call-end-button",)))
    try:
        TOOLBAR["x"] = renamed["en"]
        uia = FakeUia(uia_window("x"))
        source, clock = window_source(UiaBackend(uia), "windows", 4242, policy)
        assert source.poll(clock.t) == Reading.of([CLIENT])
        default, clock2 = window_source(UiaBackend(FakeUia(uia_window("x"))), "windows", 4242)
        assert default.poll(clock2.t) == Reading()
        ax = FakeAx(ax_window("x"))
        mac, clock3 = window_source(AxBackend(ax), "macos", 777, policy)
        assert mac.poll(clock3.t) == Reading.of([CLIENT])
    finally:
        TOOLBAR.pop("x", None)


def test_in_a_meeting_it_reads_the_recording_indicator_too() -> None:
    api = FakeUia(uia_window("en", El("Recording", 50020, "status")))
    source, clock = window_source(UiaBackend(api), "windows", 4242)
    assert source.poll(clock.t) == Reading.of([CLIENT])     # outside a meeting: calls only
    source.meeting_changed(True)
    clock.t += 3
    assert source.poll(clock.t) == Reading.of([CLIENT], [CLIENT])
    source.meeting_changed(False)
    assert source.seen is None


def test_macos_late_tree_is_not_yet_then_backs_off_then_reads() -> None:
    ax = FakeAx(ax_window("en", built=False))
    source, clock = window_source(AxBackend(ax), "macos", 777)
    source.meeting_changed(True)
    reading = source.poll(clock.t)
    assert reading is not None and not reading.recording and not reading.meeting
    assert "not readable yet" in (source.unknown_reason or "")
    assert "looking again in 3 s" in (source.unknown_reason or "")
    assert source.abandoned == 0                              # not a failure
    clock.t += 3
    source.poll(clock.t)
    assert "looking again in 6 s" in (source.unknown_reason or "")
    clock.t += 3
    assert source.poll(clock.t) is None                       # waiting the 6 s out
    ax.apps = ax_window("en")                                 # Chromium built the tree
    clock.t += 3
    assert source.poll(clock.t) == Reading.of([CLIENT])
    assert source.unknown_reason is None and source.patience.since is None


def test_linux_window_source_stays_a_recording_source() -> None:
    source, _clock = window_source(UiaBackend(FakeUia({})), "linux", 1)
    assert not source.watches_calls and source.says() == {"recording"}


# -- in a real TeamsMonitor ------------------------------------------------------------
class Other(SignalSource):
    name = "log"
    current: ClassVar[Other | None] = None

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        Other.current = self


def test_monitor_runs_the_call_watch_outside_meetings_and_a_hangup_starts_one(
        qtbot: Any, tmp_path: Path) -> None:
    api = FakeUia(uia_window(None))
    policy = replace(Policy(), teams=TeamsPolicy(meeting_end_grace_seconds=0))
    monitor = TeamsMonitor(policy, sources=[Other, WindowSource], client_ids=[CLIENT],
                           process_names=lambda _c, _o: frozenset({"ms-teams.exe"}),
                           os_name="windows", find=lambda names, **_k: [], auto_clean=False,
                           audit=AuditLog(tmp_path / "a.jsonl"), registry=None,
                           source_options={"window_backend": UiaBackend(api),
                                           "window_poll_ms": 50,
                                           "window_idle_interval_s": 0.05,
                                           "window_min_interval_s": 0.05})
    events: list[tuple[str, dict[str, Any]]] = []
    monitor.teamsEvent.connect(lambda n, d: events.append((n, d)))
    monitor._feed(monitor.machine.processes({CLIENT}, 0.0))
    monitor.sources["window"].processes({CLIENT: frozenset({4242})})
    monitor._set_active(True)
    assert "window" in monitor._active                       # runs outside meetings here
    assert "the meeting window" in monitor.detection()
    qtbot.wait(200)
    assert not any(n == "meeting-started" for n, _ in events)
    api.by_pid = uia_window("cy", El("Recording", 50020, "status"))
    qtbot.waitUntil(lambda: any(n == "meeting-started" for n, _ in events), timeout=10_000)
    assert [d for n, d in events if n == "meeting-started"][0]["source"] == "window"
    qtbot.waitUntil(lambda: monitor.recording, timeout=10_000)
    api.by_pid = uia_window(None)                             # left the call
    qtbot.waitUntil(lambda: any(n == "meeting-ended" for n, _ in events), timeout=10_000)
    assert "window" in monitor._active                       # still watching for calls
    assert not monitor.sources["window"].in_meeting           # type: ignore[attr-defined]
    monitor.stop()


def test_recording_seen_without_call_controls_never_starts_a_meeting(
        qtbot: Any, tmp_path: Path) -> None:
    # A recording indicator outside a meeting is not even looked for; and a source that
    # says recording alone holds nothing (teams/state.py).
    machine = TeamsMonitor(Policy(), sources=[], client_ids=[CLIENT],
                           process_names=lambda _c, _o: frozenset(), os_name="windows",
                           find=lambda names, **_k: [], auto_clean=False, registry=None,
                           audit=AuditLog(tmp_path / "a.jsonl")).machine
    machine.processes({CLIENT}, 0.0)
    assert machine.reading("window", Reading.of(recording=[CLIENT]), 1.0) == []
    assert not machine.in_meeting
