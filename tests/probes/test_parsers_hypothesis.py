"""Every parser, fed arbitrary text: the only outcomes are a result or ``ParseError``
(never another exception), and no parser reads "joined", "enrolled" or "encrypted" into
text that does not say so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devicecheck.probes import ParseError, linux, macos, windows

PARSERS: list[Callable[[str], Any]] = [
    windows.parse_dsregcmd, windows.parse_manage_bde, windows.parse_ps_json,
    macos.parse_profiles_status, macos.parse_fdesetup_status, macos.parse_socketfilterfw,
    macos.parse_sysadminctl_screenlock, macos.parse_pmset_displaysleep,
    linux.parse_realm_list, linux.parse_lsblk_json, linux.parse_nft_ruleset,
    linux.parse_gsettings_value, linux.parse_kscreenlockerrc, linux.parse_sssd_domains,
    linux.parse_os_release,
]
#: Arbitrary text, plus text built from the tools' own words so parsers get past line one.
WORDS = st.sampled_from([
    " : ", "YES", "NO", "AzureAdJoined", "Volume C:", "Protection On", "%", ":", "\r\n", "\n",
    "  ", "Enrolled via DEP", "MDM enrollment", "Yes", "FileVault is On", "(State = 1)",
    "configured", "crypt", "{", "}", "[", "]", '"blockdevices"', '"mountpoint"', '"/"',
    "[Daemon]", "Timeout=", "uint32 ", "hook input", "drop", "+-----+", "| x |",
])
TEXT = st.one_of(st.text(max_size=400), st.lists(WORDS | st.text(max_size=8), max_size=60).map("".join))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: f"{p.__module__}.{p.__name__}")
@settings(max_examples=150, deadline=None)
@given(text=TEXT)
def test_result_or_parse_error(parser: Callable[[str], Any], text: str) -> None:
    try:
        parser(text)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_no_invented_yes(text: str) -> None:
    try:
        ds = windows.parse_dsregcmd(text)
        if ds.get("AzureAdJoined") is True:
            assert "AzureAdJoined" in text and "YES" in text.upper()
    except ParseError:
        pass
    try:
        p = macos.parse_profiles_status(text)
        if p["mdm_enrolled"]:
            assert "yes" in text.lower()
    except ParseError:
        pass
    try:
        if macos.parse_fdesetup_status(text)["enabled"]:
            assert "filevault is on" in text.lower()
    except ParseError:
        pass
    try:
        if linux.parse_lsblk_json(text)["root_encrypted"]:
            assert "crypt" in text
    except ParseError:
        pass


@settings(max_examples=100, deadline=None)
@given(data=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["blockdevices", "children", "name", "type", "mountpoint",
                         "mountpoints", "fstype"]), kids, max_size=5),
    max_leaves=30))
def test_lsblk_arbitrary_json(data: Any) -> None:
    import json
    try:
        linux.parse_lsblk_json(json.dumps(data))
    except ParseError:
        pass
