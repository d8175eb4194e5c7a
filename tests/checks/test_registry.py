"""The check registry is the one list of checks: everything else derives from it.

The acceptance test of issue 16 adds a dummy check through the registry alone (one entry
and its module, nothing else) and finds it in ``check --json``, ``policy show``, the Intune
rules and the ADMX/ADML output. The policy's settings are built once, at their first use
(``policy/contributions.py``), so the dummy is added in a fresh interpreter first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from devicecheck.checks import all_checks, registry
from devicecheck.checks.base import PerOsCheck
from devicecheck.policy.model import CHECK_IDS, Severity, default_severity

ROOT = Path(__file__).resolve().parents[2]

#: Runs in a fresh interpreter: register a dummy check (entry + module), then print what
#: each consumer makes of it as one JSON object.
BOOTSTRAP = textwrap.dedent('''
    import contextlib, io, json, sys, types
    from dataclasses import replace
    sys.path.insert(0, sys.argv[1])  # installer/, for buildlib

    from devicecheck.checks import registry
    registry.CHECKS = (*registry.CHECKS, registry.CheckSpec(
        "dummy-check", "dummy_check", "DummyCheck", "The dummy is happy",
        "The dummy is sad", "Cheer the dummy up.", severity="advisory",
        remedy={"any": "Cheer the dummy up."}))

    from devicecheck.checks.base import Check, Status, Verdict
    module = types.ModuleType("devicecheck.checks.dummy_check")

    class DummyCheck(Check):
        id = "dummy-check"
        def gather(self, ctx):
            return {"mood": "happy"}
        def judge(self, facts, ctx):
            return Verdict(Status.PASS, "The dummy is " + facts["mood"] + ".", dict(facts))

    module.DummyCheck = DummyCheck
    sys.modules[module.__name__] = module

    from devicecheck.cli import main
    from buildlib import admx, intune_rules

    def run(*argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(list(argv))
        return code, out.getvalue()

    _, check = run("check", "--json")
    _, show = run("policy", "show", "--json")
    _, show_text = run("policy", "show")
    print(json.dumps({"check": json.loads(check), "show": json.loads(show),
                      "show_text": show_text, "intune": intune_rules.render(),
                      "admx": admx.render_admx(), "adml": admx.render_adml()}))
''')


@pytest.fixture(scope="module")
def with_dummy() -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", BOOTSTRAP, str(ROOT / "installer")],
                         capture_output=True, text=True, timeout=120, check=False,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return result


def test_a_registered_check_runs_in_check_json(with_dummy: dict[str, Any]) -> None:
    checks = {c["id"]: c for c in with_dummy["check"]["checks"]}
    dummy = checks["dummy-check"]
    assert dummy["title"] == "The dummy is happy"  # the title comes from the registry
    assert dummy["status"] == "pass" and dummy["severity"] == "advisory"
    assert list(checks)[-1] == "dummy-check"  # report order = registry order


def test_a_registered_check_has_a_severity_setting(with_dummy: dict[str, Any]) -> None:
    assert "dummy-check" in json.dumps(with_dummy["show"])
    assert "dummy-check" in with_dummy["show_text"]


def test_a_registered_check_has_an_intune_rule(with_dummy: dict[str, Any]) -> None:
    rules = {r["SettingName"]: r for r in json.loads(with_dummy["intune"])["Rules"]}
    words = rules["DummyCheck"]["RemediationStrings"][0]
    assert words["Title"] == "The dummy is sad"
    assert words["Description"] == "Cheer the dummy up."


def test_a_registered_check_has_a_group_policy(with_dummy: dict[str, Any]) -> None:
    assert 'valueName="dummy-check"' in with_dummy["admx"]
    assert "severity_dummy_check" in with_dummy["admx"]
    assert "severity_dummy_check" in with_dummy["adml"]


def test_the_policy_model_follows_the_registry() -> None:
    assert CHECK_IDS == tuple(c.id for c in registry.CHECKS)
    assert len(set(CHECK_IDS)) == len(CHECK_IDS)
    assert default_severity() == {c.id: Severity(c.severity) for c in registry.CHECKS}
    assert default_severity()["meeting-data"] is Severity.ADVISORY


def test_every_entry_loads_its_check_with_its_title() -> None:
    built = all_checks()
    assert [c.id for c in built] == list(CHECK_IDS)
    for check, entry in zip(built, registry.CHECKS, strict=True):
        assert type(check).__name__ == entry.cls  # not the Unavailable stand-in
        assert check.title == entry.title


def test_every_remedy_and_link_is_for_a_known_os() -> None:
    for entry in registry.CHECKS:
        assert set(entry.remedy) <= {"windows", "macos", "linux", "any"}, entry.id
        assert set(entry.links) <= {"windows", "macos", "linux"}, entry.id
        assert entry.fault and entry.portal and entry.title, entry.id


def test_per_os_checks_apply_only_where_both_halves_exist() -> None:
    class WindowsOnly(PerOsCheck):
        id = "windows-only"

        def gather_windows(self, ctx: Any) -> dict[str, Any]:
            return {}

        def judge_windows(self, facts: Any, ctx: Any) -> Any:
            raise AssertionError("not called here")

    assert WindowsOnly.platforms == ("windows",)
    assert WindowsOnly.title == "windows-only"  # not registered: its id stands in
