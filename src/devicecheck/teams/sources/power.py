"""macOS: Teams' "call in progress" power assertion (``power``).

New Teams on macOS holds a display-sleep power assertion named "Microsoft Teams Call in
progress" for the length of a call (RobertD502/TeamsStatusMacOS follows powerd's log for
its "Created"/"Released" lines; other detectors read the assertion itself, e.g. a
``NoDisplaySleepAssertion`` from process ``MSTeams``). ``pmset -g assertions`` lists the
assertions held now, by owning process, without privileges (shared/reference/teams.md,
"Field reports, second half of 2026"). One run of ``/usr/bin/pmset`` (by absolute path:
an officer's ``PATH`` must not choose the program) every 5 s while a Teams client runs,
with a 3 s timeout; the parser is pure (``probes/macos.parse_pmset_assertions``).

An assertion counts for a client when the process holding it is one of that client's
(by PID, else by process name: pmset prints the short process name); any other holder of
the name is only noted. The assertion says nothing about recording.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from devicecheck.probes import ParseError
from devicecheck.teams.sources.base import Reading, SignalSource

if TYPE_CHECKING:
    from devicecheck.probes.runner import ProbeRunner

PMSET = "/usr/bin/pmset"
ARGV = (PMSET, "-g", "assertions")
TIMEOUT_S = 3.0
CALL_ASSERTION = "microsoft teams call in progress"


def calls_from_assertions(assertions: Iterable[Mapping[str, Any]],
                          client_pids: Mapping[str, frozenset[int]],
                          client_names: Mapping[str, frozenset[str]]
                          ) -> tuple[frozenset[str], tuple[str, ...]]:
    """The clients holding Teams' call assertion (pure), and notes for holders that are
    not a running catalogued client."""
    found: set[str] = set()
    notes: list[str] = []
    for a in assertions:
        if str(a.get("name", "")).strip().casefold() != CALL_ASSERTION:
            continue
        pid, process = a.get("pid"), str(a.get("process", ""))
        client = next((c for c, pids in client_pids.items() if pid in pids), None)
        if client is None:
            client = next((c for c, names in client_names.items()
                           if process in names and client_pids.get(c)), None)
        if client is None:
            notes.append(f"{process or 'a process'} holds Teams' call assertion but is not a "
                         "running Teams client (not counted)")
        else:
            found.add(client)
    return frozenset(found), tuple(notes)


class PowerSource(SignalSource):
    name = "power"
    poll_ms = 5000
    describes = "Teams' call-in-progress power assertion (macOS pmset)"

    def __init__(self, ctx: Any, emit: Any) -> None:
        super().__init__(ctx, emit)
        # The runner and the macOS parser load when the source runs (macOS only): the
        # monitor loads every source to ask where it works, and on Windows and Linux this
        # one only says no (about 0.5 MiB of probe modules a watch never needs there).
        self.runner: ProbeRunner | None = ctx.option("power_runner")
        self._names = {c: ctx.process_names(c, "macos") for c in ctx.clients}
        self.problem: str | None = None
        self.runs = 0

    def unavailable(self) -> str | None:
        if self.ctx.os_name != "macos":
            return "only macOS lists power assertions with pmset"
        return None

    def poll(self, now: float) -> Reading | None:
        from devicecheck.probes.macos import parse_pmset_assertions
        from devicecheck.probes.runner import ProbeRunner

        self.runs += 1
        if self.runner is None:
            self.runner = ProbeRunner()
        res = self.runner.run(list(ARGV), timeout=TIMEOUT_S)
        if not res.ok:
            self.problem = f"power assertions could not be read ({res.describe()})"
            return Reading.of(notes=[self.problem])
        try:
            assertions = parse_pmset_assertions(res.stdout)
        except ParseError as exc:
            self.problem = f"pmset's assertions output unreadable ({exc})"
            return Reading.of(notes=[self.problem])
        self.problem = None
        clients, notes = calls_from_assertions(assertions, self.pids, self._names)
        return Reading.of(sorted(clients), notes=notes)

    def snapshot(self) -> dict[str, Any]:
        out = super().snapshot()
        if self.problem:
            out["problem"] = self.problem
        return out
