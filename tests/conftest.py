"""Shared test set-up: Qt offscreen by default (``--onscreen`` to watch), and every test
isolated from the real machine's policy, audit log and home folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devicecheck.qtsupport.main_thread_gc import MainThreadGC
from devicecheck.qtsupport.main_thread_gc import install as install_main_thread_gc

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--onscreen", action="store_true", help="show Qt windows on the real display")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--onscreen"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"


@pytest.fixture(scope="session", autouse=True)
def gc_in_gui_thread(qapp: Any) -> Iterator[MainThreadGC]:
    """As in the app: Python's cyclic GC runs only in the GUI thread, never in a pool
    thread that would free an earlier test's Qt objects (see ui/main_thread_gc.py)."""
    collector = install_main_thread_gc(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def collect_between_tests(gc_in_gui_thread: MainThreadGC) -> Iterator[None]:
    yield
    gc_in_gui_thread.check()  # tests without an event loop still get their collections


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
    # Audit records go to an in-memory OS log, never the developer's own journal.
    from devicecheck.oslog import MemoryWriter
    monkeypatch.setattr("devicecheck.oslog.writer_factory", MemoryWriter)
    # The machine policy folder is fixed (never from the environment): tests move it by
    # module attribute, and trust files owned by whoever runs the suite.
    from devicecheck import paths

    monkeypatch.setattr(paths, "SYSTEM_CONFIG_DIR_OVERRIDE", etc / "devicecheck")
    monkeypatch.setattr(paths, "TRUSTED_OWNER_UIDS", frozenset({0, os.getuid()}))
    # In-process stand-ins for Teams (tests/teams/fakeserver.py) count as the officer's
    # Teams; tests/teams/test_localapi.py checks what happens when the peer is not.
    from devicecheck.teams import localapi

    monkeypatch.setattr(localapi, "PEER_CHECK", lambda _host, _port: None)
    yield home


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
