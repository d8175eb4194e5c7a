"""macOS parsers against fixtures of each state, with CRLF/reordered variants."""

from __future__ import annotations

import pytest

from devicecheck.probes import ParseError
from devicecheck.probes.macos import (
    mdm_host,
    parse_fdesetup_status,
    parse_pmset_displaysleep,
    parse_profiles_status,
    parse_socketfilterfw,
    parse_sysadminctl_screenlock,
)
from tests.probes.fakes import fixture

SERVER = "https://mdm.example.gov.uk/mdm/ServerURL"


@pytest.mark.parametrize(("name", "expected"), [
    ("dep_user_approved", {"dep_enrolled": True, "mdm_enrolled": True, "user_approved": True,
                           "mdm_server": SERVER}),
    ("user_approved", {"dep_enrolled": False, "mdm_enrolled": True, "user_approved": True,
                       "mdm_server": SERVER}),
    ("mdm_not_user_approved", {"dep_enrolled": False, "mdm_enrolled": True,
                               "user_approved": False, "mdm_server": SERVER}),
    ("not_enrolled", {"dep_enrolled": False, "mdm_enrolled": False, "user_approved": False,
                      "mdm_server": None}),
])
def test_profiles_status(name: str, expected: dict[str, object]) -> None:
    assert parse_profiles_status(fixture(f"macos/profiles_{name}.txt")) == expected


def test_profiles_reordered_crlf_blank_lines_extra_line() -> None:
    raw = fixture("macos/profiles_reordered_crlf.txt")
    assert "\r\n" in raw
    p = parse_profiles_status(raw)
    assert p["dep_enrolled"] and p["mdm_enrolled"] and p["user_approved"]
    assert mdm_host(p["mdm_server"]) == "mdm.example.gov.uk"  # port and case dropped


def test_mdm_host() -> None:
    assert mdm_host(SERVER) == "mdm.example.gov.uk"
    assert mdm_host("mdm.example.gov.uk") == "mdm.example.gov.uk"
    assert mdm_host(None) is None and mdm_host("") is None and mdm_host("https://[bad") is None


@pytest.mark.parametrize("text", ["", "profiles: command not found",
                                  "Enrolled via DEP: Maybe\nMDM enrollment: Perhaps\n"])
def test_profiles_unreadable_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_profiles_status(text)


@pytest.mark.parametrize(("name", "expected"), [
    ("on", {"enabled": True, "in_progress": None, "percent": None, "deferred": False}),
    ("off", {"enabled": False, "in_progress": None, "percent": None, "deferred": False}),
    ("deferred", {"enabled": False, "in_progress": None, "percent": None, "deferred": True}),
    ("encrypting", {"enabled": True, "in_progress": "encrypting", "percent": 42.5,
                    "deferred": False}),
    ("decrypting", {"enabled": True, "in_progress": "decrypting", "percent": 73.0,
                    "deferred": False}),
    ("encrypting_crlf", {"enabled": True, "in_progress": "encrypting", "percent": 99.1,
                         "deferred": False}),
])
def test_fdesetup_status(name: str, expected: dict[str, object]) -> None:
    assert parse_fdesetup_status(fixture(f"macos/fdesetup_{name}.txt")) == expected


@pytest.mark.parametrize("text", ["", "Error: fdesetup must be run as root", "FileVault is"])
def test_fdesetup_unreadable_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_fdesetup_status(text)


@pytest.mark.parametrize(("name", "enabled", "state"), [
    ("on", True, 1), ("off", False, 0), ("block_all", True, 2)])
def test_socketfilterfw(name: str, enabled: bool, state: int) -> None:
    assert parse_socketfilterfw(fixture(f"macos/socketfilterfw_{name}.txt")) == \
        {"enabled": enabled, "state": state}


@pytest.mark.parametrize("text", ["", "Firewall is enabled.", "Firewall is disabled. (State = 1)",
                                  "(State = 7)"])
def test_socketfilterfw_unreadable_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_socketfilterfw(text)


def test_sysadminctl_and_pmset() -> None:
    assert parse_sysadminctl_screenlock(fixture("macos/sysadminctl_delay.txt")) == \
        {"enabled": True, "delay_s": 5}
    assert parse_sysadminctl_screenlock(fixture("macos/sysadminctl_immediate.txt")) == \
        {"enabled": True, "delay_s": 0}
    assert parse_sysadminctl_screenlock(fixture("macos/sysadminctl_off.txt"))["enabled"] is False
    with pytest.raises(ParseError):
        parse_sysadminctl_screenlock("sysadminctl: unknown option")
    assert parse_pmset_displaysleep(fixture("macos/pmset_g.txt")) == 10
    assert parse_pmset_displaysleep(fixture("macos/pmset_g_never.txt")) == 0
    assert parse_pmset_displaysleep("nothing here") is None
