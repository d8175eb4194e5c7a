"""Windows microphone/camera use from CapabilityAccessManager, read from registry fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devicecheck.probes.registry import DictRegistry
from devicecheck.teams.capability import devices_in_use, in_use

WINDOWS_NAMES = {"teams-new": frozenset({"ms-teams.exe", "ms-teams_modulehost.exe"}),
                 "teams-classic": frozenset({"Teams.exe"})}


def registry(fixtures: Path, name: str) -> DictRegistry:
    return DictRegistry(json.loads((fixtures / "windows" / name).read_text()))


@pytest.mark.parametrize(("fixture", "expected"), [
    ("capability-new-teams-call.json", {"teams-new": {"microphone", "webcam"}}),
    ("capability-new-teams-idle.json", {}),
    ("capability-classic-mic.json", {"teams-classic": {"microphone"}}),
    # Zoom and the consumer Teams app hold the microphone: neither is a catalogued client.
    ("capability-other-apps.json", {}),
    ("capability-never-used.json", {}),
])
def test_devices_in_use_from_fixtures(fixtures: Path, fixture: str,
                                      expected: dict[str, set[str]]) -> None:
    found = devices_in_use(registry(fixtures, fixture), WINDOWS_NAMES)
    assert {c: set(d) for c, d in found.items()} == expected


def test_only_watched_clients_are_reported(fixtures: Path) -> None:
    reg = registry(fixtures, "capability-new-teams-call.json")
    assert devices_in_use(reg, {"teams-classic": frozenset({"Teams.exe"})}) == {}


def test_empty_registry_means_nothing_in_use() -> None:
    assert devices_in_use(DictRegistry({}), WINDOWS_NAMES) == {}


@pytest.mark.parametrize(("values", "expected"), [
    ({"LastUsedTimeStart": 5, "LastUsedTimeStop": 0}, True),
    ({"LastUsedTimeStart": "5", "LastUsedTimeStop": "0"}, True),
    ({"LastUsedTimeStart": 5, "LastUsedTimeStop": 6}, False),
    ({"LastUsedTimeStart": 0, "LastUsedTimeStop": 0}, False),
    ({"LastUsedTimeStop": 0}, False),
    ({"LastUsedTimeStart": b"\x01", "LastUsedTimeStop": 0}, False),
    ({"LastUsedTimeStart": True, "LastUsedTimeStop": False}, False),
    (None, False),
])
def test_in_use_reads_only_sound_values(values: dict[str, object] | None,
                                        expected: bool) -> None:
    assert in_use(values) is expected
