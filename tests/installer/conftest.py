"""Fixtures for the installer tests: the build helpers on sys.path, a small staged payload,
and (session-scoped, built once) the real frozen app and the real .deb made by the
commands docs/it-deployment.md gives, exactly as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "installer"
DOC = REPO / "docs" / "it-deployment.md"
if str(INSTALLER) not in sys.path:
    sys.path.insert(0, str(INSTALLER))


def doc_block(name: str) -> str:
    """The shell block marked ``<!-- test: NAME -->`` in docs/it-deployment.md."""
    text = DOC.read_text(encoding="utf-8")
    m = re.search(rf"<!-- test: {re.escape(name)} -->\s*```sh\n(.*?)```", text, re.S)
    assert m, f"docs/it-deployment.md has no block marked 'test: {name}'"
    return m.group(1)


def run_doc_block(name: str, home: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a documented block in the repository with bash -e, as IT would type it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    env["HOME"] = str(home)
    script = "set -euo pipefail\n" + doc_block(name)
    return subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def documented_linux_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The Linux build exactly as documented: freeze + .deb with an IT policy baked in.
    Freezing and compressing take about a minute and a half (several on a loaded machine),
    so this runs once; every test that uses it carries ``pytest.mark.timeout(900)``, which
    pytest-timeout applies to fixture setup too."""
    home = tmp_path_factory.mktemp("it-home")
    proc = run_doc_block("linux-build", home, timeout=840)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    debs = sorted((REPO / "dist").glob("devicecheck_*_amd64.deb"))
    assert debs, proc.stdout
    # Faster tests rebuild dist/devicecheck_<version>_amd64.deb from a staged payload;
    # keep this real one aside so they cannot replace it under the slow tests.
    keep = tmp_path_factory.mktemp("real-deb") / debs[-1].name
    shutil.copy2(debs[-1], keep)
    return {"deb": keep, "onedir": REPO / "dist" / "devicecheck",
            "policy": home / "council-policy.toml", "output": proc.stdout + proc.stderr}


@pytest.fixture
def staged_payload(tmp_path: Path) -> Path:
    """A stand-in onedir for fast packaging tests (the real one is exercised separately)."""
    payload = tmp_path / "payload"
    (payload / "_internal" / "devicecheck" / "resources").mkdir(parents=True)
    program = payload / "devicecheck"
    program.write_text('#!/bin/sh\necho "devicecheck 0.1.0"\n')
    program.chmod(0o755)
    (payload / "_internal" / "devicecheck" / "resources" / "readme.txt").write_text("x\n")
    return payload


@pytest.fixture
def windows_payload(tmp_path: Path) -> Path:
    """A staged Windows onedir: what a Windows freeze produces, by name."""
    payload = tmp_path / "winpayload"
    (payload / "_internal" / "PySide6").mkdir(parents=True)
    for name in ("devicecheck.exe", "devicecheck-tray.exe", "_internal/python311.dll",
                 "_internal/PySide6/Qt6Core.dll"):
        (payload / name).write_bytes(b"MZ stand-in\n")
    return payload


def require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing build tools {missing}: scripts/setup.sh test installs them")
