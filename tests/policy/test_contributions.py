"""The policy model owns the interface registries contribute through (issue 28): policy/
imports nothing from checks/, cleaner/ or teams/, every contributed slot is filled by one
listed registry, and what the registries hold now is what validation and the docs see."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from devicecheck import contributors
from devicecheck.checks import registry as check_registry
from devicecheck.cleaner.catalogue import CLIENT_IDS as CATALOGUE_CLIENTS
from devicecheck.policy import Policy, contributions
from devicecheck.policy.model import CHECK_IDS, CLIENT_IDS, SIGNAL_SOURCES, TeamsPolicy
from devicecheck.policy.schema import LEAVES, validate_tree
from devicecheck.teams import detection, sources

SRC = Path(__file__).resolve().parents[2] / "src"
SLOTS = (contributions.CHECKS, contributions.CLIENTS, contributions.SIGNAL_SOURCES)


def imported_modules(path: Path) -> set[str]:
    """Every ``devicecheck`` module a file imports, at any level, TYPE_CHECKING included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return {m for m in found if m.startswith("devicecheck")}


def test_the_policy_package_imports_no_registry_package() -> None:
    for path in sorted((SRC / "devicecheck" / "policy").rglob("*.py")):
        for module in imported_modules(path):
            assert not module.startswith(("devicecheck.checks", "devicecheck.cleaner",
                                          "devicecheck.teams", "devicecheck.ui")), \
                f"{path.name} imports {module}"


def test_importing_the_policy_loads_no_registry() -> None:
    code = ("import sys, devicecheck.policy\n"
            "print(sorted(m for m in sys.modules if m.startswith(('devicecheck.checks', "
            "'devicecheck.cleaner', 'devicecheck.teams'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_every_slot_has_one_provider_in_a_registry_that_imports_no_policy() -> None:
    assert sorted(contributors.PROVIDERS) == sorted(SLOTS)
    for slot, target in contributors.PROVIDERS.items():
        module, _, name = target.partition(":")
        path = SRC / (module.replace(".", "/") + ".py")
        if not path.exists():
            path = SRC / module.replace(".", "/") / "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body), target
        # Plain data: the registry does not import the policy (nor need it to be loaded).
        assert not any(m.startswith("devicecheck.policy.contributions")
                       for m in imported_modules(path)), target
        assert len(contributions.provided(slot)) > 0, slot


def test_the_check_registry_and_the_tray_words_load_without_the_policy() -> None:
    code = ("import sys, devicecheck.verdict_words, devicecheck.checks.status\n"
            "print(sorted(m for m in sys.modules if m.startswith(('devicecheck.policy', "
            "'devicecheck.checks.base', 'devicecheck.probes'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"     # before the tray's icon: words, no policy


def test_the_model_sees_what_the_registries_hold() -> None:
    assert CHECK_IDS == tuple(c.id for c in check_registry.CHECKS)
    assert CLIENT_IDS == CATALOGUE_CLIENTS and Policy().cleaner.clients == CATALOGUE_CLIENTS
    assert SIGNAL_SOURCES == tuple(e.policy_name for e in sources.REGISTRY.values()
                                   if e.policy_name)
    assert "api" not in SIGNAL_SOURCES   # switched on by [teams] local_api, not off by name
    assert LEAVES["teams.disabled_sources"].meta["choices"] is SIGNAL_SOURCES
    assert LEAVES["cleaner.clients"].meta["choices"] is CLIENT_IDS


def test_a_slot_nothing_fills_is_an_error_not_an_empty_list() -> None:
    with pytest.raises(LookupError, match="no registry fills"):
        len(contributions.Choices("nothing-fills-this"))


def test_a_source_added_through_the_registry_api_is_in_choices_words_and_validation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    entry = sources.SourceEntry("tests.nowhere:Dummy", "the dummy's lamp", "dummy")
    _, before = validate_tree({"teams": {"disabled_sources": ["dummy"]}}, "test")
    assert before and "must be one of" in before[0].message
    monkeypatch.setitem(sources.REGISTRY, "dummy", entry)
    assert "dummy" in LEAVES["teams.disabled_sources"].meta["choices"]
    _, after = validate_tree({"teams": {"disabled_sources": ["dummy"]}}, "test")
    assert after == []
    assert detection.detection_summary(["dummy"]) == "Meetings detected from the dummy's lamp."
    off = Policy(teams=TeamsPolicy(disabled_sources=("dummy",)))
    assert "dummy" in sources.enabled(Policy()) and "dummy" not in sources.enabled(off)
