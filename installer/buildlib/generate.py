"""``build.py generate [--check]``: every file made from the policy model, in one place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from buildlib import admx, intune_rules, mobileconfig, policydoc
from buildlib.common import INSTALLER, ROOT

#: Generated file -> the function that renders it. Tests assert the committed files match.
GENERATED: dict[Path, Callable[[], str]] = {
    INSTALLER / "gpo" / "DeviceCheck.admx": admx.render_admx,
    INSTALLER / "gpo" / "en-US" / "DeviceCheck.adml": admx.render_adml,
    ROOT / "docs" / "policy.md": policydoc.render,
    INSTALLER / "intune" / "devicecheck-compliance-rules.json": intune_rules.render,
    INSTALLER / "macos" / "devicecheck-sample.mobileconfig": mobileconfig.render,
}


def stale_files() -> list[Path]:
    return [p for p, render in GENERATED.items()
            if not p.exists() or p.read_text(encoding="utf-8") != render()]


def generate(*, check: bool = False) -> list[Path]:
    """Write (or with ``check`` only list) the generated files that are out of date."""
    stale = stale_files()
    if not check:
        for path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(GENERATED[path](), encoding="utf-8", newline="\n")
    return stale
