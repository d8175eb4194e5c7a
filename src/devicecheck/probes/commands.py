"""The one thing probes need from a command runner, as a Protocol so tests can pass a
fake that returns fixtures (``ProbeRunner`` satisfies it), and ``run_parsed``: run one
command and parse its output, or say why not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from devicecheck.probes import ParseError
from devicecheck.probes.runner import CommandResult, Outcome

T = TypeVar("T")


class Runner(Protocol):
    def run(self, argv: Sequence[str], *, timeout: float = ..., parse_locale: bool = ...,
            input_text: str | None = ...) -> CommandResult: ...


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A command's parsed answer, or why there is none (``error``; never both)."""

    value: T | None
    error: str | None
    outcome: Outcome

    def fact(self, key: str) -> dict[str, Any]:
        """``{key: value}``, or ``{"error": why}``: the shape the checks read."""
        return {key: self.value} if self.error is None else {"error": self.error}


def run_parsed(runner: Runner, argv: Sequence[str], parse: Callable[[str], T], *,
               timeout: float, name: str | None = None,
               both_streams: bool = False) -> Parsed[T]:
    """Run ``argv`` and ``parse`` its stdout (``both_streams``: stdout then stderr, for
    tools that answer on stderr). A command that did not exit 0 gives its
    ``describe()``; output the parser refuses gives "<name> output unreadable: why"."""
    res = runner.run(argv, timeout=timeout)
    if not res.ok:
        return Parsed(None, res.describe(), res.outcome)
    text = res.stdout + res.stderr if both_streams else res.stdout
    try:
        return Parsed(parse(text), None, res.outcome)
    except ParseError as exc:
        return Parsed(None, f"{name or argv[0]} output unreadable: {exc}", res.outcome)
