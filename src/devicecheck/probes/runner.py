"""Run external commands for probes: argument lists only (never a shell), always a
timeout, output decoded leniently, and "not installed" told apart from "failed"."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"                  # ran and exited 0
    FAILED = "failed"          # ran and exited non-zero
    NOT_FOUND = "not-found"    # no such program
    TIMEOUT = "timeout"        # killed after the timeout
    ERROR = "error"            # could not start for another reason (permissions, ...)


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    outcome: Outcome
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def describe(self) -> str:
        """A short reason for evidence and ``unknown`` summaries (no output bodies)."""
        prog = self.argv[0] if self.argv else "?"
        if self.outcome is Outcome.NOT_FOUND:
            return f"{prog} is not installed"
        if self.outcome is Outcome.TIMEOUT:
            return f"{prog} did not answer within {self.duration_s:.1f} s"
        if self.outcome is Outcome.ERROR:
            return f"{prog} could not be started: {self.stderr.strip()[:200]}"
        if self.outcome is Outcome.FAILED:
            tail = self.stderr.strip().splitlines()[-1:] or [""]
            return f"{prog} exited with code {self.returncode}" + (f": {tail[0][:200]}" if tail[0] else "")
        return f"{prog} ran"


class ProbeRunner:
    """Runs commands. Probes take a runner as a parameter so tests substitute a fake."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env

    def run(self, argv: Sequence[str], *, timeout: float = 5.0, parse_locale: bool = True,
            input_text: str | None = None) -> CommandResult:
        argv = tuple(argv)
        env = dict(self._env if self._env is not None else os.environ)
        if parse_locale:
            # We parse the output, so it must not be translated.
            env["LC_ALL"] = "C"
            env["LANG"] = "C"
        flags = 0x08000000 if sys.platform.startswith("win") else 0  # CREATE_NO_WINDOW
        start = time.monotonic()
        try:
            proc = subprocess.run(  # noqa: S603 - argument list, no shell
                argv, input=input_text, capture_output=True, timeout=timeout, env=env,
                stdin=None if input_text is not None else subprocess.DEVNULL,
                creationflags=flags, check=False,
            )
        except FileNotFoundError:
            return CommandResult(argv, Outcome.NOT_FOUND, None, "", "", time.monotonic() - start)
        except subprocess.TimeoutExpired as exc:
            return CommandResult(argv, Outcome.TIMEOUT, None, _text(exc.stdout), _text(exc.stderr),
                                 time.monotonic() - start)
        except OSError as exc:
            return CommandResult(argv, Outcome.ERROR, None, "", str(exc), time.monotonic() - start)
        outcome = Outcome.OK if proc.returncode == 0 else Outcome.FAILED
        return CommandResult(argv, outcome, proc.returncode, _text(proc.stdout), _text(proc.stderr),
                             time.monotonic() - start)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    # Windows tools may print UTF-16 or the OEM code page; never crash on bytes.
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")
