"""``advisory_dates``: the first sighting of an advisory problem is remembered per check
(date only), kept while the problem lasts, forgotten when the check passes; a corrupt,
oversized or linked file means "start afresh", never a crash."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time
from pathlib import Path

import pytest

from devicecheck import advisory_dates
from devicecheck.advisory_dates import FirstSeenStore, advisory_since, merge, parse
from devicecheck.checks.base import CheckResult
from devicecheck.checks.status import Status
from devicecheck.policy import Severity

DAY1, DAY2, DAY9 = date(2026, 11, 28), date(2026, 11, 29), date(2026, 12, 6)


def result(check_id: str, status: Status, severity: str = "advisory") -> CheckResult:
    return CheckResult(check_id, check_id, status, Severity(severity), "Found this.")


def advisory_fail() -> list[CheckResult]:
    return [result("meeting-data", Status.FAIL), result("firewall", Status.PASS, "required")]


def test_first_sighting_is_today_and_stored_as_a_date_only(tmp_path: Path) -> None:
    store = FirstSeenStore(tmp_path / "seen.json")
    assert store.update(advisory_fail(), DAY1) == DAY1
    data = json.loads((tmp_path / "seen.json").read_text())
    # Least personal data: the check id and a date, nothing else (no time, no evidence).
    assert data == {"version": 1, "first_seen": {"meeting-data": "2026-11-28"}}
    if hasattr(os, "geteuid"):
        assert (tmp_path / "seen.json").stat().st_mode & 0o777 == 0o600


def test_the_date_stays_on_the_next_runs(tmp_path: Path) -> None:
    store = FirstSeenStore(tmp_path / "seen.json")
    store.update(advisory_fail(), DAY1)
    assert store.update(advisory_fail(), DAY2) == DAY1
    assert store.update(advisory_fail(), DAY9) == DAY1


def test_cleared_when_the_check_passes(tmp_path: Path) -> None:
    store = FirstSeenStore(tmp_path / "seen.json")
    store.update(advisory_fail(), DAY1)
    passed = [result("meeting-data", Status.PASS), result("firewall", Status.PASS, "required")]
    assert store.update(passed, DAY2) is None
    assert store.load(DAY2) == ({}, True)
    # The problem's return is a new sighting: a fresh grace period.
    assert store.update(advisory_fail(), DAY9) == DAY9


def test_an_unreadable_check_keeps_its_date_but_a_blocking_one_does_not() -> None:
    old = {"meeting-data": DAY1}
    assert merge(old, [result("meeting-data", Status.UNKNOWN, "required")], DAY2) == old
    assert merge(old, [result("meeting-data", Status.FAIL, "required")], DAY2) == {}
    assert merge(old, [result("meeting-data", Status.SKIP)], DAY2) == {}


def test_earliest_of_several_problems(tmp_path: Path) -> None:
    store = FirstSeenStore(tmp_path / "seen.json")
    store.update([result("meeting-data", Status.WARN)], DAY1)
    both = [result("meeting-data", Status.WARN), result("screen-lock", Status.WARN)]
    assert store.update(both, DAY2) == DAY1
    assert store.load(DAY2)[0] == {"meeting-data": DAY1, "screen-lock": DAY2}


@pytest.mark.parametrize("content", [
    b"not json", b"[]", b'{"version": 2, "first_seen": {}}', b'{"version": 1}',
    b"\xff\xfe\x00", b"[" * 5000 + b"]" * 5000,
])
def test_a_corrupt_file_means_start_afresh(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "seen.json"
    path.write_bytes(content)
    store = FirstSeenStore(path)
    assert store.load(DAY2) == ({}, False)
    assert store.update(advisory_fail(), DAY2) == DAY2
    assert parse(path.read_text(), DAY2) == {"meeting-data": DAY2}  # rewritten, well formed


def test_bad_entries_are_dropped_one_by_one() -> None:
    text = json.dumps({"version": 1, "first_seen": {
        "meeting-data": "2026-11-28", "screen-lock": "yesterday", "../x": "2026-11-01",
        "firewall": "2027-01-01",  # after today: would push the deadline away
        "antivirus": 5}})
    assert parse(text, DAY2) == {"meeting-data": DAY1}


def test_an_oversized_file_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "seen.json"
    big = {"version": 1, "first_seen": {f"c{i}": "2026-01-01" for i in range(2000)}}
    path.write_text(json.dumps(big))
    assert path.stat().st_size > advisory_dates.MAX_BYTES
    assert FirstSeenStore(path).load(DAY2) == ({}, False)


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="POSIX links")
def test_a_symlink_is_refused_and_never_written_through(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps({"version": 1, "first_seen": {"meeting-data": "2026-01-01"}}))
    before = target.read_text()
    path = tmp_path / "seen.json"
    path.symlink_to(target)
    store = FirstSeenStore(path)
    assert store.load(DAY2) == ({}, False)           # the link's old date is not believed
    assert store.update(advisory_fail(), DAY2) == DAY2
    assert target.read_text() == before              # the link's target is untouched
    assert not path.is_symlink() and parse(path.read_text(), DAY2) == {"meeting-data": DAY2}


def test_an_unwritable_folder_still_gives_a_date(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = FirstSeenStore(blocker / "seen.json")   # its folder is a file: cannot be made
    assert store.update(advisory_fail(), DAY1) == DAY1


def test_advisory_since_is_local_noon_of_the_first_day_in_the_data_folder(
        isolated_dirs: Path) -> None:
    assert advisory_since(advisory_fail(), today=DAY1) == datetime.combine(DAY1, time(12)).astimezone()
    assert advisory_since(advisory_fail(), today=DAY2) == datetime.combine(DAY1, time(12)).astimezone()
    assert advisory_dates.default_path().is_file()
    assert str(advisory_dates.default_path()).startswith(str(isolated_dirs))
    assert advisory_since([result("meeting-data", Status.PASS)], today=DAY2) is None
