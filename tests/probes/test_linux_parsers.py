"""Linux parsers: realm list, lsblk JSON (LUKS direct and under LVM, old and new mount
columns), nft, gsettings, kscreenlockerrc and sssd.conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from devicecheck.probes import ParseError
from devicecheck.probes.linux import (
    parse_gsettings_value,
    parse_kscreenlockerrc,
    parse_lsblk_json,
    parse_nft_ruleset,
    parse_os_release,
    parse_realm_list,
    parse_sssd_domains,
)
from tests.probes.fakes import fixture


def test_realm_list_joined() -> None:
    (realm,) = parse_realm_list(fixture("linux/realm_list_joined.txt"))
    assert realm["name"] == "council.local" and realm["configured"] == "kerberos-member"
    assert realm["domain-name"] == "council.local" and realm["login-formats"] == "%U@council.local"


def test_realm_list_two_realms_crlf_blank_lines() -> None:
    raw = fixture("linux/realm_list_discovered_not_configured_crlf.txt")
    assert "\r\n" in raw
    realms = parse_realm_list(raw)
    assert [r["name"] for r in realms] == ["council.local", "example.org"]
    assert [r["configured"] for r in realms] == ["no", "no"]
    assert realms[0]["realm-name"] == "COUNCIL.LOCAL"


def test_realm_list_empty_is_not_joined() -> None:
    assert parse_realm_list(fixture("linux/realm_list_empty.txt")) == []
    assert parse_realm_list("\n\n") == []


@pytest.mark.parametrize("text", ["  type: kerberos\n", "realm: couldn't connect to realm service",
                                  "council.local\n  no colon here\n", "two words\n"])
def test_realm_list_unreadable_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_realm_list(text)


def test_lsblk_luks_under_lvm() -> None:
    info = parse_lsblk_json(fixture("linux/lsblk_luks_lvm.json"))
    assert info["root_encrypted"] is True and info["luks"] is True
    assert info["chain"] == ["data-root", "cryptdata", "nvme0n1p3", "nvme0n1"]
    assert info["types"] == ["lvm", "crypt", "part", "disk"]


def test_lsblk_luks_direct_with_newer_mountpoints_list() -> None:
    info = parse_lsblk_json(fixture("linux/lsblk_luks_direct_mountpoints.json"))
    assert info["root_encrypted"] is True
    assert info["chain"] == ["luks-0b6f1c2e-9a1d-4c55-b1a0-2f3e4d5c6b7a", "sda2", "sda"]


@pytest.mark.parametrize(("name", "chain"), [("plain", ["sda2", "sda"]),
                                             ("lvm_no_luks", ["vg0-root", "sda2", "sda"])])
def test_lsblk_not_encrypted(name: str, chain: list[str]) -> None:
    info = parse_lsblk_json(fixture(f"linux/lsblk_{name}.json"))
    assert info["root_encrypted"] is False and info["chain"] == chain


@pytest.mark.parametrize("text", ["", "lsblk: unknown column: MOUNTPOINTS", "[]", '{"blockdevices": 3}',
                                  '{"blockdevices": [{"name": "sda", "mountpoint": "/home"}]}',
                                  '{"blockdevices": [1]}'])
def test_lsblk_unreadable_raises(text: str) -> None:
    with pytest.raises(ParseError):
        parse_lsblk_json(text)


def test_nft_ruleset() -> None:
    assert parse_nft_ruleset(fixture("linux/nft_ruleset_filter.txt")) == \
        {"tables": 1, "input_filtering": True}
    docker = parse_nft_ruleset(fixture("linux/nft_ruleset_docker_only.txt"))
    assert docker == {"tables": 2, "input_filtering": False}
    assert parse_nft_ruleset("") == {"tables": 0, "input_filtering": False}


def test_gsettings_values() -> None:
    assert parse_gsettings_value("true\n") is True and parse_gsettings_value("false") is False
    assert parse_gsettings_value("uint32 300\n") == 300 and parse_gsettings_value("0") == 0
    assert parse_gsettings_value("'gnome'") == "gnome"
    with pytest.raises(ParseError):
        parse_gsettings_value("No such schema “org.gnome.desktop.screensaver”")


def test_kscreenlockerrc() -> None:
    assert parse_kscreenlockerrc(fixture("linux/kscreenlockerrc")) == \
        {"timeout_min": 4, "lock_grace_s": 30}
    assert parse_kscreenlockerrc(fixture("linux/kscreenlockerrc_autolock_off")) == \
        {"autolock": False}
    assert parse_kscreenlockerrc("") == {}
    with pytest.raises(ParseError):
        parse_kscreenlockerrc("Timeout=5\n")  # a key before any section


def test_sssd_domains() -> None:
    assert parse_sssd_domains(fixture("linux/sssd.conf")) == ["council.local"]
    assert parse_sssd_domains("[sssd]\nservices = nss\n[domain/b.example]\nid_provider = ad\n") == \
        ["b.example"]


def test_os_release_kept_working() -> None:
    assert parse_os_release('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n') == \
        {"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)", "ID": "debian"}


def test_kde_screen_lock_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    """Issue 29 #5: the officer's kscreenlockerrc is theirs to replace; a FIFO there is
    refused at once (the system file still counts), never waited on."""
    import os
    import threading

    from devicecheck.probes.linux import kde_screen_lock

    (tmp_path / "etc/xdg").mkdir(parents=True)
    (tmp_path / "etc/xdg/kscreenlockerrc").write_text(fixture("linux/kscreenlockerrc"))
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True, exist_ok=True)
    os.mkfifo(home / ".config/kscreenlockerrc")
    got: list[dict[str, object]] = []
    worker = threading.Thread(target=lambda: got.append(kde_screen_lock(tmp_path, home)),
                              daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "kde_screen_lock blocked on a FIFO"
    assert got == [{"files": ["system"], **parse_kscreenlockerrc(fixture("linux/kscreenlockerrc"))}]
