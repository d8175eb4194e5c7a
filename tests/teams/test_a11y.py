"""The accessibility back-ends and the indicator search, through injected trees: Windows
UI Automation and macOS AX cannot run here, so their native calls are faked at the edge
(``UiaApi``, ``AxApi``) with trees shaped like what Teams shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from devicecheck.policy import Policy
from devicecheck.teams.a11y import backend_for, base
from devicecheck.teams.a11y.base import FakeNode, TreeUnavailable, find_indicator
from devicecheck.teams.a11y.linux import AtspiBackend, role_of, session_bus_address
from devicecheck.teams.a11y.macos import AxBackend
from devicecheck.teams.a11y.windows import UiaBackend

NAMES = Policy().recording.indicator_names


def tree(*kids: FakeNode, name: str = "Meeting") -> list[FakeNode]:
    return [FakeNode(name, base.WINDOW, list(kids))]


# -- the search -------------------------------------------------------------------------
def test_a_label_named_recording_is_found() -> None:
    windows = tree(FakeNode("", base.DOCUMENT, [FakeNode("12:04", base.LABEL),
                                                FakeNode("Recording", base.LABEL)]))
    result = find_indicator(windows, NAMES)
    assert result.match is not None
    assert (result.match.indicator, result.match.role) == ("Recording", base.LABEL)
    assert result.match.path == (0, 0, 1) and not result.abandoned


@pytest.mark.parametrize("role", [base.STATUS, base.IMAGE, base.BUTTON])
def test_every_indicator_role_counts(role: str) -> None:
    assert find_indicator(tree(FakeNode("recording and transcribing.", role)), NAMES).match


@pytest.mark.parametrize("role", [base.TEXT, base.PARAGRAPH, base.LOG, base.LIST_ITEM,
                                  base.OTHER, base.DOCUMENT])
def test_other_roles_never_count(role: str) -> None:
    assert find_indicator(tree(FakeNode("Recording", role)), NAMES).match is None


def test_labels_inside_the_chat_or_a_shared_document_are_not_even_walked() -> None:
    chat = FakeNode("Chat", base.LOG, [FakeNode("Recording", base.LABEL)])
    message = FakeNode("", base.LIST_ITEM, [FakeNode("Recording", base.LABEL)])
    shared = FakeNode("Shared file", base.DOCUMENT, [FakeNode("Recording", base.LABEL)])
    page = FakeNode("", base.DOCUMENT, [chat, message, shared])
    result = find_indicator(tree(page), NAMES)
    assert result.match is None and result.nodes == 5


def test_names_match_whole_not_as_part_of_a_sentence() -> None:
    windows = tree(FakeNode("Stop recording", base.BUTTON),
                   FakeNode("Recording and transcription", base.BUTTON),
                   FakeNode("Recording policy", base.LABEL))
    assert find_indicator(windows, NAMES).match is None


def test_a_localised_name_added_by_policy_counts() -> None:
    windows = tree(FakeNode("Enregistrement en cours", base.STATUS))
    assert find_indicator(windows, NAMES).match is None
    found = find_indicator(windows, (*NAMES, "Enregistrement en cours")).match
    assert found is not None and found.indicator == "Enregistrement en cours"


def test_a_slow_tree_is_abandoned_at_the_deadline() -> None:
    slow = [FakeNode("", base.OTHER, [FakeNode("", base.OTHER, delay_s=0.05)
                                      for _ in range(3)], delay_s=0.05)
            for _ in range(20)]
    result = find_indicator(tree(*slow, FakeNode("Recording", base.LABEL)), NAMES,
                            deadline_s=0.2)
    assert result.abandoned and result.match is None


def test_node_count_is_bounded() -> None:
    wide = tree(*[FakeNode("x", base.OTHER) for _ in range(100)])
    assert find_indicator(wide, NAMES, max_nodes=10).abandoned


# -- Windows: UI Automation through an injected tree --------------------------------------
@dataclass
class El:
    name: str = ""
    control_type: int = 50033      # pane
    aria: str = ""
    kids: list[El] = field(default_factory=list)
    ident: str = ""                # AutomationId


class FakeUia:
    def __init__(self, windows: dict[int, list[El]]) -> None:
        self.by_pid = windows
        self.nudges: list[frozenset[int]] = []

    def nudge(self, pids: frozenset[int]) -> None:
        self.nudges.append(pids)

    def automation_id(self, element: El) -> str:
        return element.ident

    def has_descendant_id(self, element: El, ident: str) -> bool:
        return any(k.ident == ident or self.has_descendant_id(k, ident) for k in element.kids)

    def top_windows(self, pid: int) -> list[El]:
        return self.by_pid.get(pid, [])

    def children(self, element: El) -> list[El]:
        return element.kids

    def name(self, element: El) -> str:
        return element.name

    def control_type(self, element: El) -> int:
        return element.control_type

    def aria_role(self, element: El) -> str:
        return element.aria


def teams_uia(indicator: El) -> dict[int, list[El]]:
    """New Teams (WebView2): a window, a Document page, the meeting header, the chat."""
    chat = El("Chat", 50008, "log", [El("Recording", 50020)])            # a message
    header = El("", 50026, "", [El("12:04", 50020), indicator])
    page = El("Meeting | Microsoft Teams", 50030, "", [header, chat,
                                                       El("Recording", 50004)])  # compose box
    return {4242: [El("Meeting | Microsoft Teams", 50032, "", [page])]}


def test_uia_status_indicator_is_found() -> None:
    backend = UiaBackend(FakeUia(teams_uia(El("Recording", 50020, "status"))))
    result = find_indicator(backend.windows(frozenset({4242}), 0.2), NAMES)
    assert result.match is not None and result.match.role == base.STATUS


def test_uia_chat_and_compose_box_do_not_count() -> None:
    backend = UiaBackend(FakeUia(teams_uia(El("Leave", 50000))))
    assert find_indicator(backend.windows(frozenset({4242}), 0.2), NAMES).match is None


def test_uia_localised_indicator_from_policy() -> None:
    backend = UiaBackend(FakeUia(teams_uia(El("Aufzeichnung läuft", 50006))))
    windows = backend.windows(frozenset({4242}), 0.2)
    assert find_indicator(windows, NAMES).match is None
    match = find_indicator(windows, (*NAMES, "Aufzeichnung läuft")).match
    assert match is not None and match.role == base.IMAGE


def test_uia_other_process_or_no_window_is_unknown() -> None:
    backend = UiaBackend(FakeUia(teams_uia(El("Recording", 50020))))
    with pytest.raises(TreeUnavailable, match="no window"):
        backend.windows(frozenset({1}), 0.2)


def test_uia_com_error_is_unknown_with_its_kind() -> None:
    class Broken(FakeUia):
        def top_windows(self, pid: int) -> list[El]:
            raise OSError("COM timeout")

    with pytest.raises(TreeUnavailable, match="OSError"):
        UiaBackend(Broken({})).windows(frozenset({4242}), 0.2)


# -- macOS: AX through an injected tree --------------------------------------------------
@dataclass
class Ax:
    attrs: dict[str, Any]


class FakeAx:
    def __init__(self, apps: dict[int, Ax], trusted: bool = True) -> None:
        self.apps, self._trusted = apps, trusted

    def trusted(self) -> bool:
        return self._trusted

    def application(self, pid: int, timeout_s: float) -> Ax:
        return self.apps.get(pid, Ax({}))

    def attribute(self, element: Ax, name: str) -> Any:
        return element.attrs.get(name)


def teams_ax(indicator: Ax) -> dict[int, Ax]:
    message = Ax({"AXRole": "AXStaticText", "AXValue": "Recording"})
    chat = Ax({"AXRole": "AXGroup", "AXSubrole": "AXApplicationLog", "AXChildren": [message]})
    compose = Ax({"AXRole": "AXTextArea", "AXDescription": "Recording"})
    web = Ax({"AXRole": "AXWebArea", "AXChildren": [indicator, chat, compose]})
    window = Ax({"AXRole": "AXWindow", "AXTitle": "Meeting", "AXChildren": [web]})
    return {777: Ax({"AXWindows": [window]})}


def test_ax_static_text_indicator_is_found() -> None:
    backend = AxBackend(FakeAx(teams_ax(Ax({"AXRole": "AXStaticText", "AXValue": "Recording"}))))
    match = find_indicator(backend.windows(frozenset({777}), 0.2), NAMES).match
    assert match is not None and match.role == base.LABEL


def test_ax_status_group_by_description() -> None:
    status = Ax({"AXRole": "AXGroup", "AXSubrole": "AXApplicationStatus",
                 "AXDescription": "Transcription has started"})
    match = find_indicator(AxBackend(FakeAx(teams_ax(status))).windows(frozenset({777}), 0.2),
                           NAMES).match
    assert match is not None and match.role == base.STATUS


def test_ax_chat_and_compose_do_not_count_and_localised_does() -> None:
    other = Ax({"AXRole": "AXButton", "AXTitle": "Opname gestart"})
    windows = AxBackend(FakeAx(teams_ax(other))).windows(frozenset({777}), 0.2)
    assert find_indicator(windows, NAMES).match is None
    assert find_indicator(windows, (*NAMES, "Opname gestart")).match is not None


def test_ax_not_trusted_is_unknown_and_says_where_to_allow_it() -> None:
    with pytest.raises(TreeUnavailable, match="Privacy & Security"):
        AxBackend(FakeAx(teams_ax(Ax({})), trusted=False)).windows(frozenset({777}), 0.2)


# -- Linux: the pieces that need no bus (the bus itself: tests/e2e) ------------------------
def test_atspi_roles_map_to_the_common_words() -> None:
    assert role_of(29) == base.LABEL and role_of(54) == base.STATUS
    assert role_of(43) == base.BUTTON and role_of(27) == base.IMAGE
    assert role_of(61) == base.TEXT and role_of(111) == base.LOG
    assert role_of(95) == base.DOCUMENT and role_of(9999) == base.OTHER


def test_session_bus_address_as_libdbus_finds_it(tmp_path: Any) -> None:
    assert session_bus_address({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}) == "unix:path=/x"
    assert session_bus_address({"XDG_RUNTIME_DIR": str(tmp_path)}) is None
    (tmp_path / "bus").touch()
    assert session_bus_address({"XDG_RUNTIME_DIR": str(tmp_path)}) == \
        f"unix:path={tmp_path / 'bus'}"


def test_atspi_without_a_session_bus_is_unknown_with_the_reason() -> None:
    with pytest.raises(TreeUnavailable, match="no D-Bus session bus"):
        AtspiBackend({}).windows(frozenset({1}), 0.2)


def test_atspi_unreachable_bus_is_unknown(tmp_path: Any) -> None:
    env = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'nothing'}"}
    with pytest.raises(TreeUnavailable, match="cannot be reached"):
        AtspiBackend(env).windows(frozenset({1}), 0.2)


def test_one_backend_per_os() -> None:
    assert isinstance(backend_for("linux", {}), AtspiBackend)
    assert isinstance(backend_for("windows"), UiaBackend)
    assert isinstance(backend_for("macos"), AxBackend)
    # Off their OS the native libraries are missing: said, not raised.
    assert UiaBackend().unavailable() is not None
    assert AxBackend().unavailable() is not None
