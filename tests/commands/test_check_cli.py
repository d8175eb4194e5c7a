"""``devicecheck check``: the pinned JSON shape, the Intune object, exit codes, and that
the check path never imports Qt. Run as real subprocesses, as IT scripts do."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devicecheck import __version__

STATUSES = {"pass", "warn", "fail", "unknown", "skip"}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devicecheck", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})}, check=False)


def lenient_policy(tmp_path: Path, body: str = "") -> Path:
    """Everything but the two foundation checks off, so readiness is decided by them."""
    from devicecheck.policy.model import CHECK_IDS
    sev = "\n".join(f'{c} = "off"' for c in CHECK_IDS if c not in ("os-support",))
    path = tmp_path / "policy.toml"
    path.write_text(f"[severity]\n{sev}\n{body}")
    return path


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"devicecheck {__version__}"


def test_json_schema(tmp_path: Path) -> None:
    out = run("check", "--json")
    assert out.returncode in (0, 1), out.stderr
    doc: dict[str, Any] = json.loads(out.stdout)
    assert set(doc) == {"schema", "generated_at", "device", "policy", "overall", "verdict",
                        "checks", "audit"}
    # Additive (issue 19): the officer's verdict line and problems by fault phrase.
    assert set(doc["verdict"]) == {"answer", "line", "problems", "it_notice"}
    assert doc["verdict"]["answer"] in ("yes", "no", "fix-soon")
    assert set(doc["audit"]["os_log"]) == {"state", "target", "reason"}  # additive (issue 22)
    assert doc["schema"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    assert set(doc["device"]) == {"hostname", "os", "os_version"}
    assert doc["device"]["os"] == "linux"
    assert doc["policy"]["sources"][0] == "defaults" and doc["policy"]["errors"] == []
    assert doc["overall"] in ("ready", "not_ready")
    ids = [c["id"] for c in doc["checks"]]
    assert "policy-health" in ids and "os-support" in ids and len(ids) == len(set(ids))
    for c in doc["checks"]:
        assert set(c) == {"id", "title", "status", "severity", "summary", "evidence",
                          "remediation", "duration_ms"}
        assert c["status"] in STATUSES and c["severity"] in ("required", "advisory", "off")
        assert c["summary"] and isinstance(c["evidence"], dict) and isinstance(c["duration_ms"], int)
        # "it_detail" is additive (issue 19): present only when IT has words for the fix.
        assert c["remediation"] is None or set(c["remediation"]) in (
            {"text", "link"}, {"text", "link", "it_detail"})
    # No machine policy here: policy-health fails, so the laptop is not ready.
    assert doc["overall"] == "not_ready" and out.returncode == 1


def test_exit_0_when_ready(tmp_path: Path) -> None:
    out = run("check", "--json", "--policy", str(lenient_policy(tmp_path)))
    doc = json.loads(out.stdout)
    assert doc["overall"] == "ready", doc
    assert out.returncode == 0
    assert doc["policy"]["sources"] == ["defaults", f"file:{tmp_path / 'policy.toml'}"]


def test_exit_2_on_policy_error_and_report_still_printed(tmp_path: Path) -> None:
    path = lenient_policy(tmp_path, '[tray]\nallow_quit = "maybe"\n')
    out = run("check", "--json", "--policy", str(path))
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    assert len(doc["policy"]["errors"]) == 1 and "tray.allow_quit" in doc["policy"]["errors"][0]
    assert doc["checks"]


def test_exit_2_on_usage_error() -> None:
    out = run("check", "--frobnicate")
    assert out.returncode == 2 and "usage" in out.stderr


def test_intune_is_one_flat_object(tmp_path: Path) -> None:
    out = run("check", "--format", "intune", "--policy", str(lenient_policy(tmp_path)))
    assert out.returncode == 0
    assert len(out.stdout.strip().splitlines()) == 1
    flat = json.loads(out.stdout)
    assert flat["Ready"] is True and flat["Overall"] == "ready" and flat["SchemaVersion"] == 1
    assert flat["OsSupport"] == "pass" and flat["PolicyHealth"] == "skip"
    assert all(isinstance(v, str | int | bool) for v in flat.values())


def test_text_report_words_not_colour(tmp_path: Path) -> None:
    out = run("check")
    assert out.returncode == 1
    assert out.stdout.startswith("No \u2014 don't take calls on this laptop. Contact ")
    assert "[x] Problem (blocks calls): " in out.stdout
    assert "\x1b[" not in out.stdout  # no colour codes at all


def test_check_path_never_imports_qt(tmp_path: Path) -> None:
    code = ("import sys, runpy; sys.argv=['devicecheck','check','--json'];"
            "from devicecheck.cli import main; rc = main();"
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')));"
            "print('QTMODULES', bad, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=False)
    assert "QTMODULES []" in out.stderr, out.stderr[-2000:]


def test_check_writes_an_audit_summary(tmp_path: Path) -> None:
    run("check", "--json")
    out = run("log", "--json")
    recs = [json.loads(line) for line in out.stdout.splitlines()]
    assert recs and recs[-1]["kind"] == "report"
    assert recs[-1]["overall"] == "not_ready" and "policy-health" in recs[-1]["blocking"]


def test_no_arguments_without_display_prints_report() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = subprocess.run([sys.executable, "-m", "devicecheck"], capture_output=True, text=True,
                         timeout=60, env=env, check=False)
    assert out.stdout.startswith("No \u2014 ") and "\nChecked " in out.stdout
    assert out.returncode in (0, 1)


@pytest.mark.parametrize("args", [["policy", "show"], ["policy", "show", "--json"]])
def test_policy_show_names_sources(tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[organisation]\nname = "Breckland"\n')
    out = run(*args, "--policy", str(path))
    assert out.returncode == 0
    if "--json" in args:
        doc = json.loads(out.stdout)
        assert doc["values"]["organisation.name"] == {"value": "Breckland", "source": f"file:{path}"}
        assert doc["values"]["tray.allow_quit"]["source"] == "defaults"
    else:
        assert f'organisation.name = "Breckland"    # file:{path}' in out.stdout


def test_policy_validate(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[organisation]\nname = "x"\n')
    assert run("policy", "validate", str(good)).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[organisation]\nname = 1\n')
    out = run("policy", "validate", str(bad))
    assert out.returncode == 2 and "line 2" in out.stdout and "organisation.name" in out.stdout
    assert run("policy", "validate", str(tmp_path / "missing.toml")).returncode == 2


def test_log_since_filters(tmp_path: Path) -> None:
    run("check", "--json")
    assert run("log", "--since", "2999-01-01").stdout == ""
    assert "report" in run("log", "--since", "2000-01-01").stdout
    assert run("log", "--since", "yesterday").returncode == 2


def test_officer_text_names_no_id_command_or_file_and_it_does(tmp_path: Path) -> None:
    """Issue 27: ``check`` on a failing laptop (this one: no council policy, no disk
    encryption...) prints the verdict and the officer's rows only; ``check --it`` adds
    IT's section with ids, evidence, commands and file names."""
    from tests.helpers.officer_text import jargon

    officer = run("check")
    assert officer.returncode == 1
    # jargon(): hyphenated check ids, file names, setting keys, commands, device names.
    assert jargon(officer.stdout) == [], officer.stdout
    assert "For IT:" not in officer.stdout
    it = run("check", "--it")
    assert it.returncode == 1 and it.stdout.startswith(officer.stdout.split("\n", 1)[0])
    assert "For IT:" in it.stdout and "policy-health (fail, required)" in it.stdout
    assert "devicecheck policy validate" in it.stdout  # IT's command, behind the door
    # JSON is unchanged by --it.
    plain, with_it = run("check", "--json"), run("check", "--json", "--it")
    assert json.loads(plain.stdout).keys() == json.loads(with_it.stdout).keys()


def test_advisory_disk_encryption_reads_fix_soon_as_the_verdict_does(tmp_path: Path) -> None:
    """A policy that makes disk encryption advisory: this laptop's unencrypted disk is
    "Fix soon" in its row, as in the verdict (issue 27: rows never contradict it)."""
    from devicecheck.policy.model import CHECK_IDS

    sev = "\n".join(f'{c} = "off"' for c in CHECK_IDS
                    if c not in ("os-support", "disk-encryption"))
    path = tmp_path / "policy.toml"
    path.write_text(f'[severity]\n{sev}\n"disk-encryption" = "advisory"\n')
    data = json.loads(run("check", "--json", "--policy", str(path)).stdout)
    disk = next(c for c in data["checks"] if c["id"] == "disk-encryption")
    if disk["status"] not in ("fail", "warn"):
        pytest.skip(f"this machine's disk is {disk['status']}, not unencrypted")
    out = run("check", "--policy", str(path)).stdout
    assert "[!] Fix soon: Disk not encrypted" in out, out
    assert out.startswith("Fix soon \u2014 ") and "To fix, worst first:" in out
    assert "Problem" not in out
