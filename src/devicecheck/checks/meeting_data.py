"""``meeting-data``: Teams keeps names, e-mail and IP addresses on disk; the notice says they
are deleted after use. Warns when a catalogued client holds data the policy clears and no
clean has run since the last meeting ended (``meeting-ended`` audit records, written by
the Teams link when it is in use) or within ``cleaner.max_age_hours``.

Gathering is bounded: caches can hold hundreds of thousands of files, and the report must
stay quick, so counting stops after ``MAX_ENTRIES`` entries or ``SECONDS`` seconds and the
evidence says the figures are lower bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from devicecheck.audit import AuditLog
from devicecheck.checks.base import Check, Context, Remediation, Status, Verdict
from devicecheck.checks.per_user import judging_console_user, user_env, user_home

MAX_ENTRIES = 5_000
SECONDS = 1.0

#: The officer's way to clear (the tray menu item); the command is IT's (issue 19).
CLEAR = "Choose \"Clear meeting data now\" from the DeviceCheck icon's menu."
QUIT_THEN_CLEAR = "Quit Teams, then choose \"Clear meeting data now\" from the DeviceCheck " \
                  "icon's menu."
CLEAR_IT = "Or run 'devicecheck clean' as the signed-in user ('devicecheck clean --dry-run' " \
           "lists what would go)."


def _iso(t: datetime | float | None) -> str | None:
    if t is None:
        return None
    if isinstance(t, float | int):
        t = datetime.fromtimestamp(t, UTC)
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _ago(delta: timedelta) -> str:
    """A span in plain words: minutes under an hour, hours up to 48, days beyond."""
    secs = max(0, int(delta.total_seconds()))
    if secs < 3600:
        return _plural(max(1, secs // 60), "minute")
    if secs < 2 * 86400:
        return _plural(secs // 3600, "hour")
    return _plural(secs // 86400, "day")


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024) if n else 0} KB"


class MeetingData(Check):
    id = "meeting-data"
    timeout_s = 10.0
    per_user = True

    def __init__(self, audit: AuditLog | None = None) -> None:
        self._audit = audit

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        from devicecheck.cleaner.history import last_clean, last_meeting_end, waiting_meetings
        from devicecheck.cleaner.plan import LINK_REASON, Budget, plan_clean

        budget = Budget(max_entries=MAX_ENTRIES, seconds=SECONDS)
        plan = plan_clean(ctx.policy, os_name=ctx.os_name, env=user_env(ctx), home=user_home(ctx),
                          count=True, budget=budget)
        clients: list[dict[str, Any]] = []
        browser: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        for rp in plan.clients:
            if rp.refused:
                refused.append({"id": rp.client_id, "label": rp.label, "reason": rp.refused})
                continue
            # A link where data should be: its data is still on the laptop, never a pass.
            refused += [{"id": rp.client_id, "label": rp.label, "path": "/".join(rel),
                         "reason": LINK_REASON} for rel in rp.links]
            targets = [t for t in rp.targets if t.action in ("delete", "report")]
            mtimes = [m for t in targets for m in (t.oldest, t.newest) if m is not None]
            entry = {"id": rp.client_id, "label": rp.label, "running": rp.running,
                     "files": sum(t.files for t in targets),
                     "bytes": sum(t.bytes for t in targets),
                     "links": sum(t.links for t in targets),
                     "complete": all(t.complete for t in targets),
                     "oldest": _iso(min(mtimes)) if mtimes else None,
                     "newest": _iso(max(mtimes)) if mtimes else None}
            (browser if rp.report_only else clients).append(entry)
        present = [c["id"] for c in clients]
        if judging_console_user(ctx):
            # As SYSTEM/root the audit log is a file the officer can write: not trusted
            # for the fleet verdict, which then rests on the data's own age.
            return {"clients": clients, "browser": browser, "refused_roots": refused,
                    "audit": "not trusted (run as SYSTEM/root)",
                    "scan": {"max_entries": MAX_ENTRIES, "max_seconds": SECONDS,
                             "complete": all(t.complete for rp in plan.clients
                                             for t in rp.targets)}}
        audit = self._audit or AuditLog.for_policy(ctx.policy)
        waiting = waiting_meetings(audit, present or None)
        return {
            "clients": clients, "browser": browser, "refused_roots": refused,
            "last_clean": _iso(last_clean(audit, present or None)),
            "last_meeting_end": _iso(last_meeting_end(audit)),
            # Meetings ended since the last clean: how many, and when the first of them ended.
            "meetings_waiting": waiting.count,
            "oldest_waiting_meeting_end": _iso(waiting.oldest_end),
            "scan": {"max_entries": MAX_ENTRIES, "max_seconds": SECONDS,
                     "complete": all(t.complete for rp in plan.clients for t in rp.targets)},
        }

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        evidence = dict(facts)
        clients = [c for c in facts.get("clients") or ()
                   if c.get("files") or c.get("links") or not c.get("complete", True)]
        refused = list(facts.get("refused_roots") or ())
        browser = [b for b in facts.get("browser") or () if b.get("files")]
        browser_note = (" Teams web data is also in a browser profile; IT clears that by "
                        "browser policy.") if browser else ""
        refusal = self._refusal(refused, evidence, ctx) if refused else None
        if not clients:
            if refusal is not None:
                return refusal
            return Verdict(Status.PASS, "No Teams meeting data is kept on this laptop."
                           + browser_note, evidence)
        if refusal is not None:  # every warning below also names the link
            browser_note = " " + refusal.summary + browser_note
        now = ctx.now
        files = sum(int(c.get("files") or 0) for c in clients)
        size = sum(int(c.get("bytes") or 0) for c in clients)
        lower = "at least " if not all(c.get("complete", True) for c in clients) else ""
        oldest = [t for t in (_parse(c.get("oldest")) for c in clients) if t is not None]
        age = f", the oldest from {_ago(now - min(oldest))} ago" if oldest else ""
        ids = ", ".join(sorted({c["id"] for c in clients}))
        held = f"{ids} holds {lower}{files:,} files ({lower}{_size(size)}) of meeting data{age}."
        if facts.get("audit") and oldest:
            by_age = self._by_age(held + browser_note, now - min(oldest), ctx, evidence)
            return refusal if refusal is not None and by_age.status is Status.PASS else by_age
        last_clean = _parse(facts.get("last_clean"))
        meeting_end = _parse(facts.get("last_meeting_end"))
        max_age = timedelta(hours=ctx.policy.cleaner.max_age_hours)
        running = sorted({c["id"] for c in clients if c.get("running")})
        remedy = Remediation(QUIT_THEN_CLEAR if running else CLEAR, it_detail=CLEAR_IT)
        if meeting_end is not None and (last_clean is None or last_clean < meeting_end):
            return Verdict(Status.WARN, self._waiting(facts, meeting_end, now) + " " + held
                           + browser_note, evidence, remedy)
        if last_clean is None:
            return Verdict(Status.WARN, f"{held} No clean has run yet." + browser_note,
                           evidence, remedy)
        if now - last_clean > max_age:
            return Verdict(Status.WARN, f"{held} The last clean was {_ago(now - last_clean)} ago, "
                           f"more than the council's {ctx.policy.cleaner.max_age_hours} hours."
                           + browser_note, evidence, remedy)
        if refusal is not None:  # cleared, but not what lies behind a link
            return refusal
        return Verdict(Status.PASS, f"Meeting data was cleared {_ago(now - last_clean)} ago"
                       + (", after the last meeting." if meeting_end else ".") + browser_note,
                       evidence)

    def _refusal(self, refused: list[dict[str, Any]], evidence: dict[str, Any],
                 ctx: Context) -> Verdict:
        names = ", ".join(sorted({str(r.get("id")) for r in refused}))
        why = "; ".join(dict.fromkeys(
            f"{r['path']} {r['reason']}" if r.get("path") else str(r.get("reason"))
            for r in refused[:3]))
        return Verdict(Status.WARN, f"A Teams data folder ({names}) is a link or lies outside "
                       f"your profile, so it is not cleaned automatically: {why}.", evidence,
                       Remediation("Teams keeps some of its data where DeviceCheck does not "
                                   "clear it by itself. Contact "
                                   f"{ctx.policy.organisation.it_contact} to look at it.",
                                   it_detail=f"Not cleaned automatically ({names}): "
                                   f"{why}. DeviceCheck never follows a link or leaves the "
                                   "user's profile when it deletes."))

    @staticmethod
    def _by_age(held: str, age: timedelta, ctx: Context, evidence: dict[str, Any]) -> Verdict:
        """Without a trusted audit log: data older than ``cleaner.max_age_hours`` means no
        clean has run for that long (a clean leaves nothing older behind)."""
        hours = ctx.policy.cleaner.max_age_hours
        if age > timedelta(hours=hours):
            return Verdict(Status.WARN, f"{held} That is more than the council's {hours} "
                           "hours: it has not been cleared.", evidence,
                           Remediation(CLEAR, it_detail=CLEAR_IT))
        return Verdict(Status.PASS, f"{held} None of it is older than the council's {hours} "
                       "hours.", evidence)

    @staticmethod
    def _waiting(facts: Mapping[str, Any], meeting_end: datetime, now: datetime) -> str:
        """E.g. "Data from 3 meetings has been waiting 2 hours to be cleared.": the count and
        the oldest end come from the audit log; facts without them (gathered by an older
        version) fall back to the last meeting alone."""
        count = facts.get("meetings_waiting")
        count = count if isinstance(count, int) and count > 0 else 1
        oldest = _parse(facts.get("oldest_waiting_meeting_end")) or meeting_end
        return (f"Data from {_plural(count, 'meeting')} has been waiting {_ago(now - oldest)} "
                "to be cleared.")
