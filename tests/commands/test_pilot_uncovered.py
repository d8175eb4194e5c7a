"""Meeting data the catalogue does not cover: folders written during the meeting, by path
relative to the client's root, never a file's name."""

from __future__ import annotations

import os
from pathlib import Path

from devicecheck.teams.pilot.uncovered import (
    Gap,
    RootKey,
    covered,
    gaps,
    list_files,
    mask,
    roots,
    stores,
    written,
)

PART = ("Partitions", "teams-4-linux")
#: A root's files: path parts -> (size, mtime), as ``uncovered`` keeps them.
Files = dict[tuple[str, ...], tuple[int, int]]
COVERED = {(*PART, "IndexedDB"), (*PART, "Cache"), ("config.json",), (*PART, "Preferences")}


def test_written_is_new_or_changed_files() -> None:
    before: Files = {("a",): (1, 10), ("b",): (2, 20), ("gone",): (1, 1)}
    after: Files = {("a",): (1, 10), ("b",): (3, 21), ("c",): (1, 30)}
    assert written(before, after) == {("b",), ("c",)}


def test_stores_are_the_first_uncovered_folder_never_a_file_name() -> None:
    files = [
        (*PART, "IndexedDB", "https_teams.microsoft.com_0.indexeddb.leveldb", "000003.log"),
        (*PART, "shared_proto_db", "metadata", "resident-jane-doe.ldb"),
        (*PART, "shared_proto_db", "000001.log"),
        (*PART, "File System", "000", "t", "00", "00000001"),
        (*PART, "loose-file.json"),          # loose in a folder that has catalogued stores
        ("top-level.txt",),
        ("config.json",),                    # a kept file: covered
    ]
    got = stores(files, COVERED)
    assert got == {"Partitions/teams-4-linux/shared_proto_db": 2,
                   "Partitions/teams-4-linux/File System": 1,
                   "Partitions/teams-4-linux": 1, ".": 1}
    assert not any("jane" in k or ".json" in k or ".txt" in k for k in got)


def test_folder_names_with_addresses_are_masked() -> None:
    assert mask("jane.doe@example.org") == "…"
    assert mask("10.0.0.7") == "…"
    assert mask("shared_proto_db") == "shared_proto_db"
    assert stores([("Partitions", "jane@example.org", "x.db")], set()) == {"Partitions": 1}
    assert stores([("jane@example.org", "x.db")], set()) == {"…": 1}


def test_gaps_per_root_sorted() -> None:
    native = RootKey("teams-for-linux", "native")
    before: dict[RootKey, Files] = {native: {(*PART, "IndexedDB", "1.log"): (1, 1)}}
    after: dict[RootKey, Files] = {native: {(*PART, "IndexedDB", "1.log"): (2, 2),
                      (*PART, "shared_proto_db", "1.log"): (1, 3)}}
    assert gaps(before, after, {native: COVERED}) == [
        Gap("teams-for-linux", "native", "Partitions/teams-4-linux/shared_proto_db", 1)]
    # A root that appeared during the meeting: everything in it is new.
    assert [g.folder for g in gaps({}, after, {native: COVERED})] == [
        "Partitions/teams-4-linux/shared_proto_db"]


def test_list_files_never_follows_links_and_stops_at_its_budget(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "f").write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("y")
    os.symlink(outside, root / "link")
    os.symlink(outside / "secret", root / "filelink")
    files, whole = list_files(root)
    assert whole and set(files) == {("a", "b", "f")}
    _files, whole = list_files(root, max_entries=1)
    assert not whole


def test_catalogue_roots_and_coverage_from_the_real_catalogue(tmp_path: Path) -> None:
    home = tmp_path / "home"
    root = home / ".config" / "teams-for-linux"
    (root / "Partitions" / "teams-4-linux" / "IndexedDB").mkdir(parents=True)
    (root / "Partitions" / "teams-4-linux" / "shared_proto_db").mkdir()
    (root / "config.json").write_text("{}")
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    key = RootKey("teams-for-linux", "native")
    assert roots("linux", env) == {key: root}
    cov = covered("linux", env)[key]
    assert (*PART, "IndexedDB") in cov and ("config.json",) in cov
    assert (*PART, "shared_proto_db") not in cov
