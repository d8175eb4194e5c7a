"""``meeting-data``: gather on real trees (bounded), judge as a pure function."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devicecheck.audit import AuditLog
from devicecheck.checks.base import Context, Status
from devicecheck.checks.meeting_data import MAX_ENTRIES, MeetingData
from devicecheck.policy import LoadedPolicy, Policy
from devicecheck.policy.model import CleanerPolicy
from devicecheck.probes.runner import ProbeRunner
from tests.cleaner.helpers import TFL_PART, make_tfl, tfl_root, write

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _ctx(home: Path, policy: Policy | None = None, now: datetime = NOW) -> Context:
    return Context(loaded=LoadedPolicy(policy or Policy()), os_name="linux", runner=ProbeRunner(),
                   home=home, env={"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")},
                   now=now)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _facts(files: int = 10, *, last_clean: datetime | None = None,
           meeting_end: datetime | None = None, complete: bool = True,
           running: bool = False, waiting: int | None = None,
           oldest_waiting: datetime | None = None) -> dict[str, Any]:
    clients = [{"id": "teams-for-linux", "label": "native", "running": running, "files": files,
                "bytes": files * 2048, "links": 0, "complete": complete,
                "oldest": _iso(NOW - timedelta(days=3)), "newest": _iso(NOW)}] if files else []
    return {"clients": clients, "browser": [], "refused_roots": [],
            "last_clean": _iso(last_clean) if last_clean else None,
            "last_meeting_end": _iso(meeting_end) if meeting_end else None,
            "meetings_waiting": waiting,
            "oldest_waiting_meeting_end": _iso(oldest_waiting) if oldest_waiting else None,
            "scan": {"complete": complete}}


def test_no_data_passes(tmp_path: Path) -> None:
    v = MeetingData().judge(_facts(0), _ctx(tmp_path))
    assert v.status is Status.PASS and "No Teams meeting data" in v.summary


def test_data_never_cleaned_warns_with_how_much_and_how_old(tmp_path: Path) -> None:
    v = MeetingData().judge(_facts(10), _ctx(tmp_path))
    assert v.status is Status.WARN
    assert "10 files" in v.summary and "3 days" in v.summary and "No clean" in v.summary
    # The officer is sent to the menu; the command is IT's (issue 19).
    assert v.remediation and "Clear meeting data now" in v.remediation.text
    assert "devicecheck clean" not in v.remediation.text
    assert "devicecheck clean" in v.remediation.it_detail


def test_not_cleaned_since_last_meeting_warns(tmp_path: Path) -> None:
    facts = _facts(5, last_clean=NOW - timedelta(hours=3), meeting_end=NOW - timedelta(hours=1))
    v = MeetingData().judge(facts, _ctx(tmp_path))
    # Facts without the count (an older gather): the last meeting alone.
    assert v.status is Status.WARN
    assert v.summary.startswith("Data from 1 meeting has been waiting 1 hour to be cleared.")


def test_says_how_many_meetings_and_how_long_the_oldest_has_waited(tmp_path: Path) -> None:
    facts = _facts(5, last_clean=NOW - timedelta(hours=5), meeting_end=NOW - timedelta(minutes=20),
                   waiting=3, oldest_waiting=NOW - timedelta(hours=2, minutes=10))
    v = MeetingData().judge(facts, _ctx(tmp_path))
    assert v.status is Status.WARN
    assert v.summary.startswith("Data from 3 meetings has been waiting 2 hours to be cleared. "
                                "teams-for-linux holds 5 files")


@pytest.mark.parametrize(("waited", "words"), [
    (timedelta(seconds=20), "1 minute"), (timedelta(minutes=1), "1 minute"),
    (timedelta(minutes=59), "59 minutes"), (timedelta(hours=1), "1 hour"),
    (timedelta(hours=47, minutes=59), "47 hours"), (timedelta(hours=48), "2 days"),
    (timedelta(days=9, hours=5), "9 days")])
def test_waiting_time_in_plain_words(tmp_path: Path, waited: timedelta, words: str) -> None:
    facts = _facts(5, meeting_end=NOW - waited, waiting=1, oldest_waiting=NOW - waited)
    v = MeetingData().judge(facts, _ctx(tmp_path))
    assert f"Data from 1 meeting has been waiting {words} to be cleared." in v.summary


def test_waiting_meetings_counts_only_those_after_the_last_clean(tmp_path: Path) -> None:
    from devicecheck.cleaner.history import waiting_meetings_in

    def rec(kind: str, t: datetime, **extra: Any) -> dict[str, Any]:
        return {"kind": kind, "time": _iso(t), **extra}

    records = [rec("meeting-ended", NOW - timedelta(hours=9)),
               rec("clean", NOW - timedelta(hours=8), clients=["teams-for-linux"], refused=[]),
               rec("meeting-ended", NOW - timedelta(hours=3)),
               # A clean that was refused for this client does not count.
               rec("clean", NOW - timedelta(hours=2), clients=["teams-for-linux"],
                   refused=["teams-for-linux"]),
               rec("meeting-ended", NOW - timedelta(hours=1)),
               {"kind": "meeting-ended", "time": "not a time"}]
    waiting = waiting_meetings_in(records, ["teams-for-linux"])
    assert waiting.count == 2 and waiting.oldest_end == NOW - timedelta(hours=3)
    assert waiting_meetings_in(records[:1], None).count == 1  # no clean yet: every meeting
    assert waiting_meetings_in([], None).count == 0 and waiting_meetings_in([]).oldest_end is None


def test_cleaned_after_last_meeting_passes(tmp_path: Path) -> None:
    facts = _facts(5, last_clean=NOW - timedelta(minutes=30), meeting_end=NOW - timedelta(hours=1))
    v = MeetingData().judge(facts, _ctx(tmp_path))
    assert v.status is Status.PASS and "after the last meeting" in v.summary


@pytest.mark.parametrize(("hours_ago", "max_age", "status"), [
    (2, 24, Status.PASS), (30, 24, Status.WARN), (30, 48, Status.PASS)])
def test_without_meeting_records_the_policy_max_age_decides(
        tmp_path: Path, hours_ago: int, max_age: int, status: Status) -> None:
    policy = Policy(cleaner=CleanerPolicy(max_age_hours=max_age))
    facts = _facts(5, last_clean=NOW - timedelta(hours=hours_ago))
    assert MeetingData().judge(facts, _ctx(tmp_path, policy)).status is status


def test_incomplete_count_is_a_lower_bound_and_running_teams_is_named(tmp_path: Path) -> None:
    v = MeetingData().judge(_facts(5000, complete=False, running=True), _ctx(tmp_path))
    assert v.status is Status.WARN and "at least 5,000 files" in v.summary
    assert v.remediation and v.remediation.text.startswith("Quit Teams")


def test_refused_root_is_not_a_pass(tmp_path: Path) -> None:
    facts = _facts(0) | {"refused_roots": [{"id": "teams-for-linux", "label": "native",
                                           "reason": "the data folder is a link"}]}
    assert MeetingData().judge(facts, _ctx(tmp_path)).status is Status.WARN


def test_gather_on_a_real_tree_then_after_a_clean(isolated_dirs: Path, tmp_path: Path) -> None:
    from devicecheck.cleaner.run import clean

    home = isolated_dirs
    make_tfl(tfl_root(home))
    old = time.time() - 5 * 86400
    os.utime(tfl_root(home) / "logs" / "main.log", (old, old))
    audit = AuditLog(tmp_path / "audit.jsonl")
    check = MeetingData(audit=audit)
    ctx = _ctx(home, now=datetime.now(UTC))
    facts = check.gather(ctx)
    [client] = facts["clients"]
    assert client["id"] == "teams-for-linux" and client["files"] == 13 and client["complete"]
    assert facts["last_clean"] is None and facts["last_meeting_end"] is None
    v = check.judge(facts, ctx)
    assert v.status is Status.WARN and "5 days" in v.summary
    for _ in range(3):
        audit.record("meeting-ended", duration_s=600, sources=["log"])
    facts = check.gather(ctx)
    assert facts["meetings_waiting"] == 3 and facts["oldest_waiting_meeting_end"] is not None
    v = check.judge(facts, ctx)
    assert v.status is Status.WARN
    assert v.summary.startswith("Data from 3 meetings has been waiting 1 minute")
    clean(ctx.policy, env=ctx.env, home=home, os_name="linux", audit=audit,
          processes=lambda names, os_name: set())
    facts = check.gather(ctx)
    assert facts["clients"][0]["files"] == 0 and facts["last_clean"] is not None
    assert facts["meetings_waiting"] == 0
    assert check.judge(facts, ctx).status is Status.PASS


def test_gather_is_bounded_on_a_huge_cache(isolated_dirs: Path, tmp_path: Path) -> None:
    cache = tfl_root(isolated_dirs) / TFL_PART / "Cache"
    cache.mkdir(parents=True)
    fd = os.open(cache, os.O_RDONLY)
    for i in range(MAX_ENTRIES + 500):
        os.close(os.open(f"f{i}", os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=fd))
    os.close(fd)
    write(tfl_root(isolated_dirs) / "logs" / "x.log")
    check = MeetingData(audit=AuditLog(tmp_path / "audit.jsonl"))
    ctx = _ctx(isolated_dirs)
    start = time.monotonic()
    facts = check.gather(ctx)
    assert time.monotonic() - start < 5
    assert facts["scan"]["complete"] is False and facts["scan"]["max_entries"] == MAX_ENTRIES
    assert sum(c["files"] for c in facts["clients"]) <= MAX_ENTRIES
    v = check.judge(facts, ctx)
    assert v.status is Status.WARN and "at least" in v.summary


@pytest.mark.parametrize("cleaned_before", [False, True])
def test_a_link_where_data_should_be_warns_with_the_reason(
        cleaned_before: bool, isolated_dirs: Path, tmp_path: Path) -> None:
    """Issue 17 #6: with ``Partitions`` a link to elsewhere the check said "No Teams meeting
    data is kept"; the data behind the link is still on the laptop."""
    from devicecheck.cleaner.run import clean

    home = isolated_dirs
    root = make_tfl(tfl_root(home))
    elsewhere = make_tfl(tmp_path / "elsewhere") / "Partitions"
    audit = AuditLog(tmp_path / "audit.jsonl")
    ctx = _ctx(home, now=datetime.now(UTC))
    if cleaned_before:  # a clean that cleared what it could still leaves the link's data
        clean(ctx.policy, env=ctx.env, home=home, os_name="linux", audit=audit,
              processes=lambda names, os_name: set())
    shutil.rmtree(root / "Partitions")
    os.symlink(elsewhere, root / "Partitions")
    check = MeetingData(audit=audit)
    facts = check.gather(ctx)
    assert facts["refused_roots"] == [{"id": "teams-for-linux", "label": "native",
                                       "path": "Partitions",
                                       "reason": facts["refused_roots"][0]["reason"]}]
    v = check.judge(facts, ctx)
    assert v.status is Status.WARN and "No Teams meeting data" not in v.summary
    assert "Partitions is a link: not followed" in v.summary
    if cleaned_before:  # nothing else left: the link is what IT must look at
        assert v.remediation and "IT" in v.remediation.text
