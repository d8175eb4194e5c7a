from __future__ import annotations

from pathlib import Path

import pytest

from devicecheck.audit import AuditLog
from tests.cleaner.helpers import make_outside


@pytest.fixture
def home(isolated_dirs: Path) -> Path:
    return isolated_dirs


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A Documents folder *outside* the fake home, plus one inside it."""
    return make_outside(tmp_path / "elsewhere")


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit" / "audit.jsonl")
