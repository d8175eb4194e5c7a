"""The restart-to-clean flow: quit the running Teams client, clean, start it again.

New Teams does not quit when its window closes and starts at logon, so "clean once Teams
exits" may not happen for days (shared/reference/teams.md, "Teams stays open"). After a
meeting, with the officer's agreement (or while they are idle, or at session end), this
module asks the client to quit, waits for every one of its processes to end (policy
``[cleaner] quit_timeout_seconds``), ends them if they do not, cleans with
``cleaner.clean`` and starts the client again the way it was started.

Rules kept here:
- a meeting is never interrupted: ``meeting_on()`` is asked right before the quit. It is
  a port the caller gives (``MeetingCheck``): the Teams link asks its own state machine,
  the ``clean --restart`` command a one-shot read of the sources
  (``teams/oneshot.py``). This package never imports the Teams link (issue 28);
- a client that had to be forced may have left its stores half-written. ``personal-data``
  deletes those stores anyway; ``caches-only`` would keep them, so after a forced quit it
  deletes nothing and says so (``refused_reason = "forced-caches-only"``);
- one ``restart-clean`` audit record (ids, counts, timings, forced: never a name or path),
  besides the ``clean`` record ``clean()`` writes itself; it says how each client was
  quit (``quit_method``: restart-manager, close or forced) and started again
  (``relaunch_method``: restart-manager or relaunch), so IT can see a forced end;
- the quit request is ended (``QuitRequest.end``: the Windows Restart Manager session)
  whatever happens, exceptions included;
- ``own_seconds`` is DeviceCheck's own work: the total minus the time spent waiting for
  the client to exit or to show up again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from devicecheck.audit import AuditLog
from devicecheck.cleaner.control import (
    RESTARTABLE,
    ClientControl,
    ClientProcess,
    QuitRequest,
    control_for,
)
from devicecheck.cleaner.run import CleanResult, clean
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy import Policy

RESTART_CLEAN_KIND = "restart-clean"
MEETING_ON, QUIT_FAILED, FORCED_CACHES_ONLY = "meeting-on", "quit-failed", "forced-caches-only"
FORCE_WAIT_S = 5.0        # after SIGKILL / TerminateProcess the kernel needs moments, not more
#: After a Restart Manager attempt that used up the quit timeout, the close request that
#: follows still gets this long before the force step (a last chance, not a new timeout).
CLOSE_GRACE_S = 2.0
#: How a client was quit, weakest last: the record's one-word ``quit_method``.
QUIT_METHODS = ("restart-manager", "close", "forced")
START_TIMEOUT_S = 20.0    # how long a relaunched client has to show a process again

REASONS: Mapping[str, str] = {
    MEETING_ON: "a meeting is on; Teams was not closed",
    QUIT_FAILED: "{names} could not be stopped; nothing deleted",
    FORCED_CACHES_ONLY: "{names} had to be forced to quit; in caches-only mode nothing is "
                        "deleted after a forced quit (it would keep stores that may be "
                        "half-written). The data goes at the next clean.",
}

CleanFn = Callable[..., CleanResult]
#: "Is a meeting on?" (True on, False off, None cannot tell), asked by the flow itself.
MeetingCheck = Callable[[], bool | None]


@dataclass
class RestartResult:
    """What a restart-and-clean did. ``clients``: per client that was running,
    ``{"restarted", "forced", "quit_s", "relaunch_ok", "quit_method", "relaunch_method"}``
    (Windows adds the Restart Manager's ``rm_*`` counts and fall-back reason). ``clean`` is None when nothing
    was deleted because of ``refused_reason``."""

    refused_reason: str | None = None
    clean: CleanResult | None = None
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    automatic: bool = False
    relaunch: bool = True
    seconds: float = 0.0
    own_seconds: float = 0.0
    #: What the meeting check said (True on, False off, None could not tell).
    meeting: bool | None = False
    #: A dry-run plan a caller attaches when nothing was cleaned, for the pinned JSON.
    preview: CleanResult | None = None
    names: dict[str, str] = field(default_factory=dict)

    @property
    def forced(self) -> list[str]:
        return sorted(c for c, d in self.clients.items() if d.get("forced"))

    @property
    def quit_method(self) -> str | None:
        """The weakest way any client was quit (forced > close > restart-manager)."""
        used = [d.get("quit_method") for d in self.clients.values()]
        return next((m for m in reversed(QUIT_METHODS) if m in used), None)

    @property
    def relaunch_failed(self) -> list[str]:
        return sorted(c for c, d in self.clients.items()
                      if self.relaunch and d.get("stopped") and not d.get("relaunch_ok"))

    @property
    def exit_code(self) -> int:
        """``clean``'s pinned codes: 3 refused (a meeting is on, or a client still runs),
        1 something was left (partial clean, nothing deleted after a forced quit, or a
        client did not start again), else the clean's own code."""
        if self.refused_reason in (MEETING_ON, QUIT_FAILED):
            return 3
        if self.refused_reason == FORCED_CACHES_ONLY or self.relaunch_failed:
            return max(1, self.clean.exit_code if self.clean else 1)
        return self.clean.exit_code if self.clean else 0

    def reason_text(self) -> str | None:
        if self.refused_reason is None:
            return None
        stuck = [c for c, d in self.clients.items()
                 if (self.refused_reason == QUIT_FAILED and not d.get("stopped"))
                 or (self.refused_reason == FORCED_CACHES_ONLY and d.get("forced"))]
        names = ", ".join(self.names.get(c, c) for c in sorted(stuck)) or "Teams"
        return REASONS.get(self.refused_reason, self.refused_reason).format(names=names)

    def to_dict(self) -> dict[str, Any]:
        """The ``clean --json`` shape plus, on each client entry, ``restarted`` and
        ``forced``; ``restart`` holds the per-client timings."""
        base = self.clean or self.preview
        data: dict[str, Any] = base.to_dict() if base else {
            "clients": [], "removed_files": 0, "removed_bytes": 0, "failures": []}
        if base is not None and base is self.preview:
            data["dry_run"] = False
            data["removed_files"] = data["removed_bytes"] = 0
        for entry in data["clients"]:
            mine = self.clients.get(entry["id"], {})
            entry["restarted"] = bool(mine.get("restarted"))
            entry["forced"] = bool(mine.get("forced"))
            entry["quit_method"] = mine.get("quit_method")
            entry["relaunch_method"] = mine.get("relaunch_method")
        text = self.reason_text()
        if text:
            data["failures"] = [*data["failures"], *(
                {"client": c, "reason": text} for c in (sorted(self.clients) or ["teams"]))]
        for cid in self.relaunch_failed:
            data["failures"] = [*data["failures"], {"client": cid, "reason": (
                f"{self.names.get(cid, cid)} could not be started again; start it yourself")}]
        data.update({
            "refused_reason": self.refused_reason, "automatic": self.automatic,
            "meeting": {True: "on", False: "off", None: "unknown"}[self.meeting],
            "quit_method": self.quit_method, "seconds": round(self.seconds, 3), "own_seconds": round(self.own_seconds, 3),
            "restart": {c: {k: (round(v, 3) if isinstance(v, float) else v)
                            for k, v in d.items()} for c, d in sorted(self.clients.items())}})
        return data


def _restartable(policy: Policy, client_ids: Sequence[str] | None) -> list[str]:
    ids = list(client_ids) if client_ids is not None else list(policy.cleaner.clients)
    return [c for c in ids if c in RESTARTABLE]


def _client_names(ids: Sequence[str]) -> dict[str, str]:
    from devicecheck.cleaner.catalogue import CLIENTS

    return {c: CLIENTS[c].name for c in ids if c in CLIENTS}


def _finder(control: ClientControl) -> Callable[[frozenset[str], OsName], set[str]]:
    """``clean``'s process check, through the control for the clients it can restart: this
    user's live processes only (a zombie left by a quit client, or another account's
    Teams, holds none of our files open). Other names (browsers) as ``clean`` checks them."""
    def running(wanted: frozenset[str], os_name: OsName) -> set[str]:
        from devicecheck.cleaner.catalogue import CLIENTS
        from devicecheck.cleaner.plan import default_processes

        out: set[str] = set()
        rest = set(wanted)
        for cid in RESTARTABLE:
            names = frozenset(CLIENTS[cid].processes.get(os_name, ())) & wanted
            if names:
                rest -= names
                if control.find(cid):
                    out |= names
        if rest:
            out |= default_processes(frozenset(rest), os_name)
        return out
    return running


def restart_and_clean(policy: Policy, *, client_ids: Sequence[str] | None = None,
                      audit: AuditLog | None = None,
                      meeting_on: MeetingCheck = lambda: False,
                      automatic: bool = False, relaunch: bool = True,
                      control: ClientControl | None = None, cleaner: CleanFn | None = None,
                      clock: Callable[[], float] = time.monotonic,
                      start_timeout: float = START_TIMEOUT_S,
                      **clean_kwargs: Any) -> RestartResult:
    """Quit the running client(s) among ``client_ids`` (default: the policy's), clean,
    start them again (``relaunch=False`` at session end). Never while ``meeting_on()``.

    ``meeting_on`` (default: no check, for the logoff task, when the session ends anyway)
    may return None (cannot tell): the flow goes on, and the result says
    ``meeting = None``; callers that must not guess (the CLI without ``--yes``) ask first.
    """
    start = clock()
    waited = 0.0
    control = control or control_for(clean_kwargs.get("os_name") or current_os())
    cleaner = cleaner or clean
    wanted = _restartable(policy, client_ids)
    result = RestartResult(automatic=automatic, relaunch=relaunch,
                           names=_client_names(wanted))
    log = audit or AuditLog.for_policy(policy)
    clean_kwargs.setdefault("processes", _finder(control))

    def finish() -> RestartResult:
        result.seconds = clock() - start
        result.own_seconds = max(0.0, result.seconds - waited)
        _audit(policy, log, result)
        return result

    result.meeting = meeting_on()
    if result.meeting:
        result.refused_reason = MEETING_ON
        return finish()
    running: dict[str, list[ClientProcess]] = {}
    for cid in wanted:
        procs = control.find(cid)
        if procs:
            running[cid] = procs
    # Remember how each was started before anything quits.
    specs = {cid: control.launch_spec(cid, procs) for cid, procs in running.items()}
    if running:
        # Asked again right before the quit: the process scan took time, and a call may
        # have started while the officer read the prompt.
        result.meeting = meeting_on()
        if result.meeting:
            result.refused_reason = MEETING_ON
            return finish()
    quits: dict[str, QuitRequest] = {}
    try:
        waited += _quit_all(policy, control, running, quits, result, clock)
        stuck = [c for c, d in result.clients.items() if not d["stopped"]]
        if stuck:
            result.refused_reason = QUIT_FAILED
        elif result.forced and policy.cleaner.mode == "caches-only":
            result.refused_reason = FORCED_CACHES_ONLY
        else:
            ids = list(client_ids) if client_ids is not None else None
            result.clean = cleaner(policy, client_ids=ids, audit=log, **clean_kwargs)
        if relaunch:
            for cid, spec in specs.items():
                if not result.clients[cid]["stopped"]:
                    continue  # still running: nothing to start
                ok, how = False, None
                # RmRestart where Teams registered for it; else (or when nothing showed
                # up) our own relaunch: the fall-back, and the usual way.
                for way, start_it in (("restart-manager", quits[cid].restart),
                                      ("relaunch", lambda s=spec: s is not None
                                       and control.relaunch(s))):
                    if ok or not start_it():
                        continue
                    how, t0 = way, clock()
                    ok = control.wait_started(cid, start_timeout, old=running[cid])
                    waited += clock() - t0
                result.clients[cid].update(relaunch_ok=ok, restarted=ok, relaunch_method=how)
    finally:
        for q in quits.values():
            q.end()                            # RmEndSession, always
    return finish()


def _quit_all(policy: Policy, control: ClientControl, running: Mapping[str, list[ClientProcess]],
              quits: dict[str, QuitRequest], result: RestartResult,
              clock: Callable[[], float]) -> float:
    """Ask every running client to quit, wait, force the ones still there; fills
    ``quits`` (for the caller to end) and ``result.clients``. Returns the time spent
    waiting for the clients."""
    waited = 0.0
    quit_from = clock()
    deadline = quit_from + float(policy.cleaner.quit_timeout_seconds)
    for cid, procs in running.items():
        entry: dict[str, Any] = {"restarted": False, "forced": False, "quit_s": 0.0,
                                 "relaunch_ok": False, "stopped": False,
                                 "quit_method": None, "relaunch_method": None}
        result.clients[cid] = entry
        quits[cid] = q = control.begin_quit(cid, procs, max(0.0, deadline - clock()))
        waited += q.waited_s
        entry.update(q.detail, quit_method=q.method)
    for cid, procs in running.items():
        entry = result.clients[cid]
        grace = CLOSE_GRACE_S if entry.get("rm_fallback") not in (None, "rm-unavailable") else 0.0
        t0 = clock()
        gone = control.wait_gone(procs, max(grace, deadline - clock()))
        waited += clock() - t0
        if not gone:
            control.force(procs)
            entry.update(forced=True, quit_method="forced")
            t0 = clock()
            gone = control.wait_gone(procs, FORCE_WAIT_S)
            waited += clock() - t0
        entry["stopped"] = gone
        entry["quit_s"] = clock() - quit_from
    return waited


def _audit(policy: Policy, log: AuditLog, result: RestartResult) -> None:
    """One record per restart: ids, what was forced, timings, counts; no names, no paths."""
    cleaned = result.clean
    try:
        log.record(RESTART_CLEAN_KIND,
                   clients=sorted(result.clients),
                   restarted=sorted(c for c, d in result.clients.items() if d.get("restarted")),
                   forced=result.forced, relaunch_failed=result.relaunch_failed,
                   quit_method=result.quit_method,
                   quit_methods=[f"{c}:{d['quit_method']}" for c, d in
                                 sorted(result.clients.items()) if d.get("quit_method")],
                   relaunch_methods=[f"{c}:{d['relaunch_method']}" for c, d in
                                     sorted(result.clients.items()) if d.get("relaunch_method")],
                   rm_fallback=[f"{c}:{d['rm_fallback']}" for c, d in
                                sorted(result.clients.items()) if d.get("rm_fallback")],
                   other_holders=sum(int(d.get("rm_other_holders") or 0)
                                     for d in result.clients.values()),
                   refused=result.refused_reason, automatic=result.automatic,
                   relaunch=result.relaunch,
                   meeting={True: "on", False: "off", None: "unknown"}[result.meeting],
                   cleaned=cleaned is not None,
                   removed_files=cleaned.removed_files if cleaned else 0,
                   removed_bytes=cleaned.removed_bytes if cleaned else 0,
                   failures=len(cleaned.failures) if cleaned else 0,
                   quit_ms={c: int(d.get("quit_s", 0.0) * 1000)
                            for c, d in sorted(result.clients.items())},
                   duration_ms=int(result.seconds * 1000),
                   own_ms=int(result.own_seconds * 1000), mode=policy.cleaner.mode)
    except OSError as exc:
        # The restart happened; a failed record must not turn it into a crash, but it is
        # said, not swallowed.
        logging.getLogger(__name__).warning("The restart was not recorded in the audit "
                                            "log (%s).", exc)
