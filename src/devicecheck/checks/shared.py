"""Facts several checks read from one gathering, computed once per check run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devicecheck.checks.base import Context
from devicecheck.probes import windows


def windows_facts(ctx: Context) -> Mapping[str, Any]:
    """The one PowerShell document (firewall, BitLocker, Defender) for this run: the
    first check to ask starts PowerShell, the others wait for its answer."""
    facts: Mapping[str, Any] = ctx.memo("windows-powershell",
                                        lambda: windows.powershell_facts(ctx.runner))
    return facts
