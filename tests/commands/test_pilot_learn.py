"""Learning from the Teams window: only interface names (roles and lengths), never the chat
or people's words, only what shows while recording; the policy lines to paste."""

from __future__ import annotations

import tomllib

from devicecheck.teams.a11y.base import (
    BUTTON,
    DOCUMENT,
    IMAGE,
    LABEL,
    LIST_ITEM,
    LOG,
    STATUS,
    TEXT,
    WINDOW,
    FakeNode,
)
from devicecheck.teams.pilot.controls import Control, interface_names
from devicecheck.teams.pilot.learn import (
    Snapshot,
    learn,
    policy_lines,
    usable_ident,
    usable_name,
)

CHAT = "Is this call recording? Please do not record me"


def meeting_window(recording: str | None, *, in_call: bool = True) -> FakeNode:
    """A Teams-like window: header, toolbar (with automation ids), chat, roster."""
    header = FakeNode("", "other", [FakeNode("Meeting with Jane Doe 12:04", LABEL)])
    if recording:
        header.kids.append(FakeNode(recording, STATUS))
    toolbar = FakeNode("", "other", [FakeNode("Chat", BUTTON, ident="chat-button")])
    if in_call:
        toolbar.kids += [FakeNode("Leave", BUTTON, ident="hangup-button"),
                         FakeNode("Mute mic", BUTTON, ident="microphone-button")]
    chat = FakeNode("Chat", LOG, [FakeNode(CHAT, LIST_ITEM, [FakeNode("Recording", LABEL)]),
                                  FakeNode("Recording", TEXT)])
    roster = FakeNode("", "other", [FakeNode("Jane Doe", LIST_ITEM)])
    page = FakeNode("Teams", DOCUMENT, [header, toolbar, chat, roster,
                                        FakeNode("Recording", TEXT)])
    return FakeNode("Microsoft Teams", WINDOW, [page])


def snap(step: str, window: FakeNode, complete: bool = True) -> Snapshot:
    controls, whole = interface_names([window])
    return Snapshot(step, controls, complete and whole)


def pilot(recording: str = "Yn recordio") -> list[Snapshot]:
    return [snap("idle", meeting_window(None, in_call=False)),
            snap("join", meeting_window(None)),
            snap("record", meeting_window(recording)),
            snap("stop-record", meeting_window(None)),
            snap("leave", meeting_window(None, in_call=False)),
            snap("after", meeting_window(None, in_call=False))]


def test_interface_names_never_enter_chat_text_areas_or_lists() -> None:
    controls, whole = interface_names([meeting_window("Recording")])
    assert whole
    names = {c.name for c in controls}
    assert "Recording" in names                     # the status in the header
    assert Control(STATUS, "Recording") in controls
    assert CHAT not in names and "Jane Doe" not in names
    # The chat's label inside a list item and the text areas named "Recording": never
    # read (only the header's status carries that name).
    assert [c for c in controls if c.name == "Recording"] == [Control(STATUS, "Recording")]
    assert Control(BUTTON, "Leave", "hangup-button") in controls


def test_a_walk_cut_short_says_so() -> None:
    slow = FakeNode("w", WINDOW, [FakeNode("a", "other", [FakeNode("b", BUTTON)],
                                           delay_s=0.05)], delay_s=0.05)
    _controls, whole = interface_names([slow], deadline_s=0.01)
    assert not whole


def test_the_indicator_is_learned_in_any_language_chat_never() -> None:
    learned = learn(pilot("Yn recordio"))
    assert learned.indicator_names == ("Yn recordio",)
    assert learned.call_control_ids == ("hangup-button", "microphone-button")
    assert learned.notes == ()
    text = repr(learned.as_dict())
    assert "Jane" not in text and "recording?" not in text and "12:04" not in text


def test_names_filtered_by_role_and_length() -> None:
    assert usable_name(Control(STATUS, "Recording has started"))
    assert usable_name(Control(IMAGE, "Aufnahme läuft"))
    assert usable_name(Control(BUTTON, "Stop recording"))
    assert not usable_name(Control(TEXT, "Recording"))              # content role
    assert not usable_name(Control(LIST_ITEM, "Recording"))
    assert not usable_name(Control(STATUS, "Jane: can you hear me"))  # an announcement
    assert not usable_name(Control(STATUS, "Recording 00:12"))       # a clock
    assert not usable_name(Control(LABEL, "jane.doe@example.org"))
    assert not usable_name(Control(STATUS, "This is a very long sentence somebody typed "
                                           "into the meeting chat about recording"))
    assert not usable_name(Control(LABEL, "x"))
    assert usable_ident("recording-indicator")
    assert not usable_ident("roster-8:orgid:1b2c3d4e-0000-1111-2222-333344445555")
    assert not usable_ident("tile-1234567")
    assert not usable_ident("has space")


def test_a_name_also_seen_before_recording_is_not_learned() -> None:
    snaps = pilot("Recording")
    # The word was already on screen in join (a "Recording" button in a menu): not new.
    join_menu = meeting_window(None)
    join_menu.kids[0].kids.append(FakeNode("Recording", BUTTON))
    snaps[1] = snap("join", join_menu)
    assert learn(snaps).indicator_names == ()


def test_an_unread_baseline_means_nothing_is_learned() -> None:
    snaps = pilot()
    snaps[0] = Snapshot("idle", snaps[0].controls, complete=False)
    learned = learn(snaps)
    assert learned.indicator_names == () and learned.call_control_ids == ()
    assert learned.notes and "idle" in learned.notes[0]
    assert len(learned.notes) == 1


def test_policy_lines_add_to_the_councils_list_and_parse_as_toml() -> None:
    learned = learn(pilot('Yn "recordio"'))
    lines = policy_lines(learned, ("Recording",), ("hangup-button",))
    doc = tomllib.loads("\n".join(lines))
    assert doc["recording"]["indicator_names"] == ["Recording", 'Yn "recordio"']
    assert doc["teams"]["call_control_ids"] == ["hangup-button", "microphone-button"]
    # Nothing new: no lines; no policy field for call controls: no [teams] line.
    assert policy_lines(learned, ('yn "recordio".',), None) == []
