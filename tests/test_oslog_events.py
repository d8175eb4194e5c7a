"""The catalogue is stable and the conversion is a strict gate."""

from __future__ import annotations

import re

from devicecheck.oslog.events import CATALOGUE, OTHER, to_event
from tests.oslog_records import SAMPLE_RECORDS

PINNED_MESSAGE_IDS = {
    "report": "8d5441c59a8344c994b752478d670677",
    "clean": "fa04cefe27a74f68bfc1d4ef905d9031",
    "meeting-ended": "5dd7f20df07642a6a1fbabe0174257d7",
    "notice-ack": "c6be244bd5b54b7c8b2db4636dfe3988",
    "recording-alert": "49f75866bc0d44d38a1cd6139165382e",
    "policy-error": "f25c021fd0024946ae70e6704352d604",
    "restart-clean": "b2e536ce85734ff7a171b21ff625052a",
    "tray-start": "1044925cf0034647b19776dd48370044",
}


def test_message_ids_are_pinned_and_unique() -> None:
    # docs/siem.md and councils' saved searches use these: never change one.
    assert {k: s.message_id for k, s in CATALOGUE.items()} == PINNED_MESSAGE_IDS
    ids = [s.message_id for s in CATALOGUE.values()] + [OTHER.message_id]
    assert len(set(ids)) == len(ids)
    assert len({s.event_id for s in CATALOGUE.values()} | {OTHER.event_id}) == len(ids)


def test_every_sample_kind_is_catalogued() -> None:
    assert set(SAMPLE_RECORDS) == set(CATALOGUE)


def test_journal_field_names_follow_the_journal_rules() -> None:
    for rec in SAMPLE_RECORDS.values():
        for name, _ in to_event(rec).journal_fields():
            assert re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", name), name


def test_odd_values_are_withheld_not_raised() -> None:
    ev = to_event({"time": "not a time", "kind": "clean", "account": "o/../x",
                   "removed_files": "14", "failures": True, "skipped": {"/etc/passwd": 1}})
    assert set(ev.withheld) == {"time", "account", "removed_files", "failures", "skipped"}
    assert ev.message.startswith("Teams meeting data cleared: - files")
