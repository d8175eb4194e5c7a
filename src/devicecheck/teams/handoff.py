"""The clean-up hand-off between the Teams link and the cleaner (issue 28): the ``Cleaner``
port the link's after-meeting half (``cleanup.AfterMeeting``) calls, the ``CleanOutcome``
it gets back, and ``MeetingDataCleaner``, the real cleaner behind the port.

Typed both ways: the link reads named fields of one small value instead of probing the
cleaner's result objects with ``getattr``, and a fake cleaner in a test is checked against
the same Protocol. The cleaner itself (``cleaner.run.clean``, ``cleaner.restart``) knows
nothing of the link: the restart flow is handed the link's "is a meeting on?" as a
callable. No Qt here; the link runs these calls on a thread of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from devicecheck.audit import AuditLog
    from devicecheck.cleaner.restart import RestartResult
    from devicecheck.cleaner.run import CleanResult
    from devicecheck.policy import Policy

#: "Is a meeting on?" (True on, False off, None cannot tell): ``cleaner.restart``'s
#: ``MeetingCheck``, answered by the link's state machine.
MeetingCheck = Callable[[], bool | None]
CleanFn = Callable[..., "CleanResult"]
RestartFn = Callable[..., "RestartResult"]


@dataclass(frozen=True)
class CleanOutcome:
    """What a clean (or a restart-and-clean) did, as the link reports it.

    ``refused``: clients the cleaner left alone because they ran after all; they wait for
    their next exit. ``refused_reason``: a restart that quit or cleaned nothing, and why
    (``cleaner.restart``'s ``meeting-on``, ``quit-failed``, ``forced-caches-only``).
    ``restarted``/``forced``: the clients a restart started again / had to force."""

    refused: tuple[str, ...] = ()
    removed_files: int = 0
    removed_bytes: int = 0
    failures: int = 0
    refused_reason: str | None = None
    restarted: frozenset[str] = frozenset()
    forced: frozenset[str] = frozenset()
    automatic: bool = False
    seconds: float = 0.0

    @classmethod
    def of_clean(cls, result: CleanResult) -> CleanOutcome:
        return cls(refused=tuple(result.refused), removed_files=int(result.removed_files),
                   removed_bytes=int(result.removed_bytes), failures=len(result.failures))

    @classmethod
    def of_restart(cls, result: RestartResult) -> CleanOutcome:
        cleaned = result.clean   # None when nothing was deleted (refused_reason says why)
        return cls(refused=tuple(cleaned.refused) if cleaned else (),
                   removed_files=int(cleaned.removed_files) if cleaned else 0,
                   removed_bytes=int(cleaned.removed_bytes) if cleaned else 0,
                   failures=len(cleaned.failures) if cleaned else 0,
                   refused_reason=result.refused_reason,
                   restarted=frozenset(c for c, d in result.clients.items()
                                       if d.get("restarted")),
                   forced=frozenset(result.forced), automatic=result.automatic,
                   seconds=float(result.seconds))


class Cleaner(Protocol):
    """What the link needs of a cleaner. Both calls block (the link makes them off the GUI
    thread) and may raise: the link reports an exception as a ``clean-refused`` event."""

    def clean(self, clients: Sequence[str]) -> CleanOutcome:
        """Clear the meeting data of ``clients`` (refusing any that runs)."""
        ...

    def restart_and_clean(self, clients: Sequence[str], *, meeting_on: MeetingCheck,
                          automatic: bool) -> CleanOutcome:
        """Quit ``clients``, clear, start them again; never while ``meeting_on()``."""
        ...


class MeetingDataCleaner:
    """The real ``Cleaner``: ``cleaner.clean`` and ``cleaner.restart.restart_and_clean``
    under ``policy``, recording in ``audit``. ``clean``/``restart``: the same functions
    with some arguments bound (tests limit the process view to their own stand-ins)."""

    def __init__(self, policy: Policy, audit: AuditLog, *, clean: CleanFn | None = None,
                 restart: RestartFn | None = None) -> None:
        self.policy, self.audit = policy, audit
        self._clean, self._restart = clean, restart

    def clean(self, clients: Sequence[str]) -> CleanOutcome:
        from devicecheck.cleaner.run import clean  # lazy: the watcher starts without it

        run = self._clean or clean
        return CleanOutcome.of_clean(run(self.policy, client_ids=list(clients),
                                         audit=self.audit))

    def restart_and_clean(self, clients: Sequence[str], *, meeting_on: MeetingCheck,
                          automatic: bool) -> CleanOutcome:
        from devicecheck.cleaner.restart import restart_and_clean  # lazy, as above

        run = self._restart or restart_and_clean
        return CleanOutcome.of_restart(run(
            self.policy, client_ids=list(clients), audit=self.audit, meeting_on=meeting_on,
            automatic=automatic))
