"""Small checks with scripted behaviour, for engine and report tests."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Check, Context, Status, Verdict
from devicecheck.policy import LoadedPolicy
from devicecheck.probes.runner import ProbeRunner


class Scripted(Check):
    title = "Scripted"

    def __init__(self, check_id: str, status: Status = Status.PASS, *, sleep: float = 0.0,
                 raises: Exception | None = None, timeout: float = 5.0) -> None:
        self.id = check_id  # type: ignore[misc]
        self.timeout_s = timeout  # type: ignore[misc]
        self.status, self.sleep, self.raises = status, sleep, raises

    def gather(self, ctx: Context) -> Mapping[str, Any]:
        time.sleep(self.sleep)
        if self.raises:
            raise self.raises
        return {"slept": self.sleep}

    def judge(self, facts: Mapping[str, Any], ctx: Context) -> Verdict:
        return Verdict(self.status, f"{self.id} is {self.status.value}", facts)


def context(loaded: LoadedPolicy | None = None, os_name: str = "linux") -> Context:
    return Context(loaded=loaded or LoadedPolicy(), os_name=os_name,  # type: ignore[arg-type]
                   runner=ProbeRunner())
