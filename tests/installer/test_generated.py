"""docs/policy.md and the other generated files are current with the policy model."""

from __future__ import annotations

import subprocess
import sys

from buildlib import policydoc
from buildlib.tomlfmt import toml_value

from devicecheck.policy.schema import LEAVES

from .conftest import INSTALLER, REPO

POLICY_MD = REPO / "docs" / "policy.md"


def test_policy_reference_lists_every_setting_with_type_default_and_places() -> None:
    text = POLICY_MD.read_text(encoding="utf-8")
    for leaf in LEAVES.values():
        block = text.split(f"### `{leaf.key}`\n", 1)[1].split("\n### ", 1)[0]
        assert f"- Default: `{toml_value(leaf.default)}`" in block
        assert "- Type: " in block
        assert "- TOML (any OS):" in block and "- Windows" in block and "- macOS profile:" in block
        if leaf.doc:
            assert leaf.doc in block


def test_committed_policy_reference_matches_the_model() -> None:
    assert POLICY_MD.read_text(encoding="utf-8") == policydoc.render()


def test_generate_check_reports_nothing_stale() -> None:
    proc = subprocess.run([sys.executable, str(INSTALLER / "build.py"), "generate", "--check"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout
