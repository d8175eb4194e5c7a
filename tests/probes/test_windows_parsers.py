"""Windows parsers against fixtures shaped like the real tools' output, including CRLF,
reordered and extra sections, blank lines, and a second volume."""

from __future__ import annotations

import pytest

from devicecheck.probes import ParseError
from devicecheck.probes.windows import (
    decode_product_state,
    parse_dsregcmd,
    parse_manage_bde,
    parse_ps_json,
    ps_bool,
)
from tests.probes.fakes import fixture

TENANT = "96fa76d0-1111-2222-3333-eb60cc224444"


@pytest.mark.parametrize(("name", "aad", "dom", "wpj"), [
    ("entra_joined", True, False, False),
    ("hybrid", True, True, False),
    ("domain_only", False, True, False),
    ("registered_personal", False, False, True),
    ("wrong_tenant", True, False, False),
    ("not_joined", False, False, False),
])
def test_dsregcmd_join_states(name: str, aad: bool, dom: bool, wpj: bool) -> None:
    d = parse_dsregcmd(fixture(f"windows/dsregcmd_{name}.txt"))
    assert (d["AzureAdJoined"], d["DomainJoined"], d["WorkplaceJoined"]) == (aad, dom, wpj)
    assert d["EnterpriseJoined"] is False


def test_dsregcmd_values_keep_their_text() -> None:
    d = parse_dsregcmd(fixture("windows/dsregcmd_entra_joined.txt"))
    assert d["TenantId"] == TENANT and d["TenantName"] == "Example Borough Council"
    assert d["MdmUrl"].startswith("https://enrollment.manage.microsoft.com/")
    assert d["AzureAdPrtUpdateTime"] == "2026-11-28 08:12:43.000 UTC"  # " : " split once
    assert d["TpmProtected"] is True and d["DeviceAuthStatus"] == "SUCCESS"


def test_dsregcmd_variant_crlf_reordered_extra_section_blank_lines() -> None:
    plain = parse_dsregcmd(fixture("windows/dsregcmd_entra_joined.txt"))
    raw = fixture("windows/dsregcmd_entra_joined_variant_crlf.txt")
    assert "\r\n" in raw
    variant = parse_dsregcmd(raw)
    assert "\r" not in "".join(map(str, variant.values()))
    assert variant["IsDeviceJoined"] is True  # the extra section's row is kept
    for key in ("AzureAdJoined", "DomainJoined", "WorkplaceJoined", "TenantId", "DeviceId"):
        assert variant[key] == plain[key]


def test_dsregcmd_personal_device_keeps_device_level_values() -> None:
    d = parse_dsregcmd(fixture("windows/dsregcmd_registered_personal.txt"))
    assert d["WorkAccountCount"] == "1" and d["WorkplaceTenantId"] == TENANT
    assert "TenantId" not in d  # not joined: no device tenant, only the account's
    assert d["WorkplaceMdmUrl"] == ""
    assert d["Virtual Desktop"] == "NOT SET"


@pytest.mark.parametrize("text", ["", "\r\n\r\n", "+-----+\n| Device State |\n+-----+\n",
                                  "Access is denied.", "<html>error</html>"])
def test_dsregcmd_unreadable_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_dsregcmd(text)


@pytest.mark.parametrize(("name", "conversion", "protection", "pct"), [
    ("on", "Fully Encrypted", "Protection On", 100.0),
    ("suspended", "Fully Encrypted", "Protection Off", 100.0),
    ("encrypting", "Encryption in Progress", "Protection On", 42.7),
    ("off", "Fully Decrypted", "Protection Off", 0.0),
])
def test_manage_bde_states(name: str, conversion: str, protection: str, pct: float) -> None:
    vols = parse_manage_bde(fixture(f"windows/manage_bde_{name}.txt"))
    assert list(vols) == ["C:"]
    c = vols["C:"]
    assert (c["Conversion Status"], c["Protection Status"], c["Percentage Encrypted"]) == \
        (conversion, protection, pct)
    assert isinstance(c["Percentage Encrypted"], float)


def test_manage_bde_two_volumes_crlf_and_comma_decimal() -> None:
    vols = parse_manage_bde(fixture("windows/manage_bde_two_volumes_crlf.txt"))
    assert list(vols) == ["D:", "C:"]
    assert vols["D:"]["Percentage Encrypted"] == 0.0  # printed "0,0%"
    assert vols["D:"]["Automatic Unlock"] == "Disabled"
    assert vols["C:"]["Protection Status"] == "Protection On"
    assert not any("\r" in str(v) for vol in vols.values() for v in vol.values())


@pytest.mark.parametrize("text", ["", "ERROR: An attempt to access a required resource was denied.",
                                  "    Conversion Status: Fully Encrypted\n"])
def test_manage_bde_unreadable_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_manage_bde(text)


def test_ps_json_object_or_list() -> None:
    assert parse_ps_json('\ufeff{"a": 1}') == [{"a": 1}]
    assert [p["Name"] for p in parse_ps_json(fixture("windows/firewall_all_on.json"))] == \
        ["Domain", "Private", "Public"]
    for bad in ("", "[1, 2]", "[]", "null", "Get-NetFirewallProfile : Access denied"):
        with pytest.raises(ParseError):
            parse_ps_json(bad)


def test_ps_bool_accepts_powershell_shapes_only() -> None:
    assert [ps_bool(v) for v in (True, 1, "True", False, 0, "false")] == [True] * 3 + [False] * 3
    assert [ps_bool(v) for v in (2, None, "NotConfigured", 1.0)] == [None] * 4


def test_security_center_product_state() -> None:
    assert decode_product_state(397568) == {"enabled": True, "up_to_date": True}    # 0x061100
    assert decode_product_state(397584) == {"enabled": True, "up_to_date": False}   # 0x061110
    assert decode_product_state(393472) == {"enabled": False, "up_to_date": True}   # 0x060100
