"""The one thing probes need from a command runner, as a Protocol so tests can pass a
fake that returns fixtures (``ProbeRunner`` satisfies it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from devicecheck.probes.runner import CommandResult


class Runner(Protocol):
    def run(self, argv: Sequence[str], *, timeout: float = ..., parse_locale: bool = ...,
            input_text: str | None = ...) -> CommandResult: ...
