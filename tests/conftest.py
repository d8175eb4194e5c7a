"""Shared test set-up: Qt offscreen by default (``--onscreen`` to watch), and every test
isolated from the real machine's policy, audit log and home folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--onscreen", action="store_true", help="show Qt windows on the real display")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--onscreen"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point XDG data/config at empty temp folders so no test reads /etc/xdg policy or
    writes the real user's audit log. Yields the fake home."""
    home = tmp_path / "home"
    (home / ".local/share").mkdir(parents=True)
    (home / ".config").mkdir(parents=True)
    etc = tmp_path / "etc-xdg"
    etc.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(etc))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.delenv("DEVICECHECK_FAKE_OS", raising=False)
    yield home


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
