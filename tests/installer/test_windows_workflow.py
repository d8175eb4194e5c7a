"""The Windows CI workflow (runs only on a GitHub Windows runner) uses the pinned build
commands and the same WiX source the Linux tests build."""

from __future__ import annotations

from .conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "windows-build.yml"


def test_workflow_freezes_builds_and_installs_the_msi() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "runs-on: windows-2022" in text
    assert "python installer/build.py freeze" in text
    assert "python installer/build.py msi --payload dist/devicecheck" in text
    assert "/qn" in text and "TENANTIDS=" in text and "ITCONTACT=" in text
    # Issue 21: a rebuild of the release upgrades in place, keeping the command line's values.
    assert '--version "$v.1"' in text and '--version "$v.2"' in text
    assert "expected one DeviceCheck entry" in text and "1603" in text
    # Issues 22 and 17: the event source and the policy folder's ACL, checked for real.
    assert "EventLog\\Application\\DeviceCheck" in text and "AreAccessRulesProtected" in text
    assert "\t" not in text  # YAML forbids tabs for indentation
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, line
