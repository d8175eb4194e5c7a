"""``--policy FILE``: IT trying a policy, or tests. A file that a user could have written
(not root's, or writable by others) is applied for display, but is never the machine
policy: ``policy-health`` stays required and fails, so no report from it says Ready
(issue 17, item 2: ``check --policy FILE --format intune`` said ``"Ready": true``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devicecheck import paths
from devicecheck.checks.engine import run_one
from devicecheck.checks.policy_health import PolicyHealth
from devicecheck.policy import Severity, load_policy
from devicecheck.policy.model import CHECK_IDS
from tests.checks.helpers import context

ALL_OFF = "[severity]\n" + "\n".join(f'"{c}" = "off"' for c in CHECK_IDS) + "\n"


def officer_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str = ALL_OFF) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    # Whoever runs the suite stands in for the officer: their files are not IT's.
    monkeypatch.setattr(paths, "TRUSTED_OWNER_UIDS", frozenset({os.getuid() + 1}))
    return path


def test_officer_file_keeps_policy_health_required_and_failing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = officer_file(tmp_path, monkeypatch)
    loaded = load_policy(path, os_name="linux")
    assert loaded.sources == ("defaults", f"explicit-file:{path}")
    assert loaded.not_machine_policy and "not root" in loaded.not_machine_policy
    assert loaded.policy.severity_of("policy-health") is Severity.REQUIRED
    assert loaded.policy.severity_of("work-device") is Severity.OFF   # shown as written
    verdict = run_one(PolicyHealth(), context(loaded))
    assert verdict.status.value == "fail"
    assert "machine policy is not in force" in verdict.summary


def test_file_it_owns_is_applied_as_given(tmp_path: Path) -> None:
    path = tmp_path / "it.toml"
    path.write_text('[organisation]\nname = "IT"\n')
    loaded = load_policy(path, os_name="linux")   # the suite's own uid is trusted here
    assert loaded.sources == ("defaults", f"file:{path}") and not loaded.not_machine_policy
    assert loaded.policy.organisation.name == "IT"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="needs root to chown")
def test_intune_report_from_an_officer_file_is_never_ready(tmp_path: Path) -> None:
    """The attack as run: every severity off in a file the officer owns."""
    path = tmp_path / "mine.toml"
    path.write_text(ALL_OFF)
    os.chown(path, 65534, 65534)
    out = subprocess.run([sys.executable, "-m", "devicecheck", "check", "--format", "intune",
                          "--policy", str(path)], capture_output=True, text=True, timeout=60,
                         check=False)
    flat = json.loads(out.stdout)
    assert flat["Ready"] is False and flat["PolicyHealth"] == "fail", flat
    assert out.returncode == 1


def test_officer_file_cannot_switch_the_os_log_copy_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 29 #8, the attack as run: ``check --policy mine.toml`` with
    ``[audit] os_log = false`` once wrote no OS-log copy, IT's evidence."""
    from devicecheck import oslog
    from devicecheck.cli import main

    path = officer_file(tmp_path, monkeypatch, "[audit]\nos_log = false\n")
    loaded = load_policy(path, os_name="linux")
    assert loaded.policy.audit.os_log is True and loaded.origin("audit.os_log") == "defaults"
    assert any(e.key == "audit.os_log" and "only the machine policy" in e.message
               for e in loaded.errors)
    writer = oslog.MemoryWriter()
    monkeypatch.setattr(oslog, "writer_factory", lambda: writer)
    assert main(["check", "--json", "--policy", str(path)]) == 2   # a policy error, said
    assert [e.kind for e in writer.events] == ["report", "policy-error"]


def test_the_machine_policy_can_switch_the_os_log_copy_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from devicecheck import oslog
    from devicecheck.cli import main

    machine = paths.machine_policy_file("linux")
    machine.parent.mkdir(parents=True, exist_ok=True)
    machine.write_text("[audit]\nos_log = false\n")
    os.chmod(machine, 0o644)
    os.chmod(machine.parent, 0o755)
    loaded = load_policy(os_name="linux")
    assert loaded.policy.audit.os_log is False and not loaded.errors
    writer = oslog.MemoryWriter()
    monkeypatch.setattr(oslog, "writer_factory", lambda: writer)
    main(["check", "--json"])
    assert writer.events == []
    # An IT-owned file given with --policy (IT trying a policy) is IT's too.
    assert load_policy(machine, os_name="linux").policy.audit.os_log is False
