"""The pairing token file: user-only, atomic, never logged."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from devicecheck import paths
from devicecheck.teams.token import TokenStore, valid_token


def test_default_path_is_the_user_data_dir() -> None:
    assert TokenStore().path == paths.teams_token_path()


def test_save_load_round_trip_with_user_only_mode(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = TokenStore(tmp_path / "d" / "teams-token")
    assert store.load() == ""
    assert store.save("abc+/=DEF-123")
    assert store.load() == "abc+/=DEF-123"
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert "abc+/=DEF" not in caplog.text and "abc+/=DEF" not in repr(store)


def test_token_readable_by_others_is_ignored(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "teams-token")
    store.save("tok")
    os.chmod(store.path, 0o644)
    assert store.load() == ""


@pytest.mark.parametrize("bad", ["", "has space", "new\nline", "x" * 5000, "ünicode",
                                 "trailing-newline\n", "tok\r\n"])
def test_odd_tokens_are_refused(tmp_path: Path, bad: str) -> None:
    store = TokenStore(tmp_path / "teams-token")
    assert not valid_token(bad)
    assert not store.save(bad)
    assert not store.path.exists()


def test_garbage_in_the_file_reads_as_unpaired(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "teams-token")
    store.path.write_bytes(b"\xff\xfe bad")
    os.chmod(store.path, 0o600)
    assert store.load() == ""
    store.clear()
    assert not store.path.exists()
