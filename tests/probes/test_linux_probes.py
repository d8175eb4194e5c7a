"""Linux probes against fake commands on PATH and fake files under a temporary root,
plus one run on this real machine."""

from __future__ import annotations

import time
from pathlib import Path

from devicecheck.probes import linux
from devicecheck.probes.runner import ProbeRunner
from tests.probes.fakes import fixture
from tests.probes.linuxfakes import FakeLinux


def test_realm_list_via_fake_command(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).command("realm", stdout=fixture("linux/realm_list_joined.txt"),
                                       when="list")
    facts = linux.realm_list(fake.ctx().runner)
    assert facts["realms"][0]["configured"] == "kerberos-member"
    fake.command("realm", stderr="realm: Couldn't connect to realm service\n", code=1)
    facts = linux.realm_list(fake.ctx().runner)
    assert facts["installed"] is True and "exited with code 1" in facts["error"]
    assert linux.realm_list(FakeLinux(tmp_path / "none").ctx().runner)["installed"] is False


def test_intune_evidence(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path)
    assert linux.intune_evidence(fake.root, fake.home) == \
        {"portal": False, "broker": False, "registration": False}
    (fake.home / ".config/intune").mkdir(parents=True)
    assert linux.intune_evidence(fake.root, fake.home)["registration"] is False  # empty folder
    fake.file("opt/microsoft/identity-broker/bin/x", "").home_file(".config/intune/state", "1")
    assert linux.intune_evidence(fake.root, fake.home) == \
        {"portal": False, "broker": True, "registration": True}


def test_marker_rules(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path).file("var/lib/council/marker", "x", mode=0o640)
    import os
    me = os.getuid()
    assert linux.machine_marker(fake.root, "", owner_uid=me) == {"configured": False}
    assert linux.machine_marker(fake.root, "/var/lib/council/marker", owner_uid=me)["valid"] is True
    assert linux.machine_marker(fake.root, "var/lib/council/marker", owner_uid=me)["reason"] == \
        "the policy's marker path is not absolute"
    assert linux.machine_marker(fake.root, "/nope", owner_uid=me)["reason"] == "not present"
    (fake.root / "dir").mkdir()
    assert linux.machine_marker(fake.root, "/dir", owner_uid=me)["reason"] == "not a regular file"


def test_firewall_states_via_fake_commands(tmp_path: Path) -> None:
    fake = (FakeLinux(tmp_path).command("nft", stdout=fixture("linux/nft_ruleset_filter.txt"))
            .command("ufw", stdout="Status: inactive\n")
            .command("firewall-cmd", stderr="FirewallD is not running\n", stdout="not running\n",
                     code=252))
    facts = linux.firewall(fake.ctx().runner, fake.root)
    assert facts["nftables"]["state"] == "active" and facts["nftables"]["tables"] == 1
    assert facts["ufw"] == {"state": "inactive"}
    assert facts["firewalld"] == {"state": "inactive"}


def test_kde_reads_xdg_config_home(tmp_path: Path) -> None:
    fake = FakeLinux(tmp_path)
    cfg = tmp_path / "xdg"
    cfg.mkdir()
    (cfg / "kscreenlockerrc").write_text("[Daemon]\nTimeout=3\n")
    facts = linux.kde_screen_lock(fake.root, fake.home, {"XDG_CONFIG_HOME": str(cfg)})
    assert facts == {"files": ["user"], "timeout_min": 3}
    assert linux.kde_screen_lock(fake.root, fake.home, {}) == {}


def test_session_desktop() -> None:
    assert linux.session_desktop({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}, []) == "ubuntu:GNOME"
    assert linux.session_desktop({}, ["plasmashell"]) == "KDE"
    assert linux.session_desktop({}, []) is None
    assert linux.desktop_family("ubuntu:GNOME") == "gnome"
    assert linux.desktop_family("KDE") == "kde" and linux.desktop_family("XFCE") is None


def test_real_machine_probes_answer_quickly() -> None:
    """This machine, for real: every Linux probe returns facts or a reason, fast."""
    runner, root, home = ProbeRunner(), Path("/"), Path.home()
    start = time.monotonic()
    results = {
        "realm": linux.realm_list(runner), "sssd": linux.sssd_domains(root),
        "intune": linux.intune_evidence(root, home), "lsblk": linux.root_device(runner),
        "firewall": linux.firewall(runner, root), "gnome": linux.gnome_screen_lock(runner),
        "kde": linux.kde_screen_lock(root, home, {}),
        "os": linux.read_os_release(root),
    }
    assert time.monotonic() - start < 3.0
    assert "realms" in results["realm"] or "error" in results["realm"]
    assert "lsblk" in results["lsblk"] or "error" in results["lsblk"]
    for name in ("nftables", "ufw", "firewalld"):
        assert results["firewall"][name]["state"] in \
            ("active", "inactive", "absent", "needs-root", "error")
    assert results["os"].get("ID")
