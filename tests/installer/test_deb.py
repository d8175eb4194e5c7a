"""The Debian package: layout, control data, conffiles, lintian, desktop entry, a real
install into a throwaway root, maintainer scripts run twice, and baking IT's policy."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from buildlib.deb import CONFFILES, DEPENDS

from devicecheck import __version__
from devicecheck.policy.sources import file_layer

from .conftest import INSTALLER, REPO, doc_block, require_tools

BUILD_PY = [sys.executable, str(INSTALLER / "build.py")]


def extract(deb: Path, dest: Path) -> Path:
    subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True, timeout=300)
    return dest


def control(deb: Path) -> dict[str, str]:
    out = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    fields: dict[str, str] = {}
    for line in out.splitlines():
        if line and not line[0].isspace() and ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v.strip()
    return fields


def dpkg_install(deb: Path, root: Path, *options: str,
                 stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    """``dpkg -i`` into a throwaway root (``--root``: dpkg's database, the files and the
    maintainer scripts' DPKG_ROOT all live under it; nothing on this machine changes):
    real unpack, conffile handling and postinst."""
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "var/lib/dpkg/status").touch()
    # The throwaway root has no libc6 or Qt libraries: the dependencies are checked
    # separately against this machine (test_depends_are_installable_here).
    return subprocess.run(["dpkg", f"--root={root}", "--force-script-chrootless",
                           "--force-depends", f"--log={root}/var/log/dpkg.log", *options,
                           "-i", str(deb)], capture_output=True, text=True, timeout=300,
                          stdin=stdin)


@pytest.fixture
def staged_deb(staged_payload: Path, tmp_path: Path) -> Path:
    proc = subprocess.run([*BUILD_PY, "deb", "--payload", str(staged_payload)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    deb = Path(proc.stdout.strip().splitlines()[-1])
    assert deb.name == f"devicecheck_{__version__}_amd64.deb" and deb.parent == REPO / "dist"
    return deb


def test_staged_deb_layout(staged_deb: Path, tmp_path: Path) -> None:
    root = extract(staged_deb, tmp_path / "root")
    program = root / "opt/devicecheck/devicecheck"
    assert program.is_file() and os.access(program, os.X_OK)
    link = root / "usr/bin/devicecheck"
    assert link.is_symlink() and os.readlink(link) == "/opt/devicecheck/devicecheck"
    autostart = root / "etc/xdg/autostart/devicecheck.desktop"
    exec_line = next(line for line in autostart.read_text().splitlines()
                     if line.startswith("Exec="))
    program_name = exec_line.removeprefix("Exec=").split()[0]
    # The entry starts the program the package puts on PATH.
    assert (root / "usr/bin" / Path(program_name).name).is_symlink()
    policy = root / "etc/xdg/devicecheck/policy.toml"
    # No --policy: the default sample, which turns the per-user autostart toggle off.
    assert tomllib.loads(policy.read_text())["tray"]["installer_autostart"] is True
    assert (root / "usr/share/doc/devicecheck/copyright").is_file()
    for path in root.rglob("*"):
        if not path.is_symlink():
            assert not stat.S_IMODE(path.stat().st_mode) & 0o022, path


def test_staged_deb_control_and_conffiles(staged_deb: Path, tmp_path: Path) -> None:
    fields = control(staged_deb)
    assert fields["Package"] == "devicecheck"
    assert fields["Version"] == __version__
    assert fields["Architecture"] == "amd64"
    depends = [d.strip() for d in fields["Depends"].split(",")]
    for lib in ("libegl1", "libgl1", "libxkbcommon-x11-0", "libxcb-cursor0", "libdbus-1-3"):
        assert lib in depends
    subprocess.run(["dpkg-deb", "-e", str(staged_deb), str(tmp_path / "DEBIAN")], check=True)
    assert (tmp_path / "DEBIAN/conffiles").read_text().split() == list(CONFFILES)
    listing = subprocess.run(["dpkg-deb", "-c", str(staged_deb)], capture_output=True,
                             text=True, check=True).stdout
    assert all(" root/root " in line for line in listing.splitlines())


def test_depends_are_installable_here() -> None:
    """Every Depends: names a real Debian 12 package (installed on this machine by
    scripts/apt-packages.txt), so `apt-get install ./devicecheck_*.deb` resolves."""
    names = [d.split()[0] for d in DEPENDS]
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Status}\n", *names],
                          capture_output=True, text=True, timeout=60)
    installed = {line.split()[0] for line in proc.stdout.splitlines()
                 if line.endswith("install ok installed")}
    assert set(names) <= installed, set(names) - installed


def test_desktop_entries_validate(staged_deb: Path, tmp_path: Path) -> None:
    require_tools("desktop-file-validate")
    root = extract(staged_deb, tmp_path / "root")
    for entry in ("etc/xdg/autostart/devicecheck.desktop",
                  "usr/share/applications/devicecheck.desktop",
                  "usr/share/applications/devicecheck-report.desktop",
                  "usr/share/applications/devicecheck-precall.desktop"):
        proc = subprocess.run(["desktop-file-validate", str(root / entry)],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout


def desktop_entry(path: Path) -> dict[str, str]:
    """The [Desktop Entry] group's keys (the files have no other group)."""
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
                if "=" in line and not line.startswith("#"))


def test_menu_entries_for_the_report_and_before_your_call(staged_deb: Path,
                                                          tmp_path: Path) -> None:
    """Issue 27: a way in without the tray icon. Two menu entries beside the app's, each
    running the packaged program with its command; neither starts at login."""
    root = extract(staged_deb, tmp_path / "root")
    apps = root / "usr/share/applications"
    entries = {p.name: desktop_entry(p) for p in apps.glob("*.desktop")}
    assert set(entries) == {"devicecheck.desktop", "devicecheck-report.desktop",
                            "devicecheck-precall.desktop"}
    report, precall = entries["devicecheck-report.desktop"], entries["devicecheck-precall.desktop"]
    assert report["Name"] == "DeviceCheck \u2014 report"
    assert precall["Name"] == "DeviceCheck \u2014 before your call"
    assert report["Exec"] == "devicecheck report" and precall["Exec"] == "devicecheck precall"
    for entry in (report, precall):
        assert entry["Type"] == "Application" and entry["Terminal"] == "false"
        # The program the Exec line runs is the one the package puts on PATH.
        assert (root / "usr/bin" / entry["Exec"].split()[0]).is_symlink()
        assert entry["Icon"] == entries["devicecheck.desktop"]["Icon"]
        assert "X-GNOME-Autostart-enabled" not in entry
    autostart = sorted(p.name for p in (root / "etc/xdg/autostart").iterdir())
    assert autostart == ["devicecheck.desktop"]


def test_install_into_throwaway_root_and_scripts_twice(staged_deb: Path, tmp_path: Path) -> None:
    root = tmp_path / "sysroot"
    proc = dpkg_install(staged_deb, root)
    assert proc.returncode == 0, proc.stderr
    assert "devicecheck (" in proc.stdout and "Setting up" in proc.stdout
    status = (root / "var/lib/dpkg/status").read_text()
    assert "Package: devicecheck\nStatus: install ok installed" in status
    assert "/etc/xdg/devicecheck/policy.toml" in status  # recorded as a conffile
    # An officer-writable policy is refused by the app: postinst puts it right, every time.
    policy = root / "etc/xdg/devicecheck/policy.toml"
    policy.chmod(0o666)
    env = {**os.environ, "DPKG_ROOT": str(root)}
    for _ in range(2):
        for args in (["postinst", "configure", __version__], ["postrm", "upgrade"]):
            subprocess.run(["sh", str(INSTALLER / "linux" / args[0]), *args[1:]], env=env,
                           check=True, timeout=30)
        assert stat.S_IMODE(policy.stat().st_mode) == 0o644
    layer = file_layer(policy, machine=True)
    assert layer is not None and not layer.errors
    # Reinstalling the same package over itself is also fine.
    assert dpkg_install(staged_deb, root).returncode == 0
    # Purge removes the conffiles and their folder.
    purge = subprocess.run(["dpkg", f"--root={root}", "--force-script-chrootless",
                            f"--log={root}/var/log/dpkg.log", "--purge", "devicecheck"],
                           capture_output=True, text=True, timeout=120)
    assert purge.returncode == 0, purge.stderr
    assert not (root / "etc/xdg/devicecheck").exists()
    assert not (root / "opt/devicecheck").exists()


def test_policy_baked_in(staged_payload: Path, tmp_path: Path) -> None:
    it_policy = tmp_path / "council.toml"
    it_policy.write_text('[organisation]\nname = "Testshire County Council"\n'
                         'it_contact = "ext 4000"\n')
    proc = subprocess.run([*BUILD_PY, "deb", "--payload", str(staged_payload), "--policy",
                           str(it_policy)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    root = extract(Path(proc.stdout.strip()), tmp_path / "root")
    assert (root / "etc/xdg/devicecheck/policy.toml").read_text() == it_policy.read_text()


def test_bad_policy_is_refused_with_reasons(staged_payload: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[screen_lock]\nmax_idle_minutes = 999\n[nonsense]\nx = 1\n")
    before = {p: p.stat().st_mtime for p in (REPO / "dist").glob("*.deb")}
    proc = subprocess.run([*BUILD_PY, "deb", "--payload", str(staged_payload), "--policy",
                           str(bad)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "max_idle_minutes" in proc.stderr and "out of range" in proc.stderr
    assert "nonsense" in proc.stderr and "line 3" in proc.stderr
    assert {p: p.stat().st_mtime for p in (REPO / "dist").glob("*.deb")} == before


def test_missing_payload_program_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = subprocess.run([*BUILD_PY, "deb", "--payload", str(tmp_path / "empty")], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "freeze first" in proc.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)  # waits for the documented freeze + build (conftest)
def test_real_deb_layout_installs_and_runs(documented_linux_build: dict[str, Any],
                                           tmp_path: Path) -> None:
    deb = documented_linux_build["deb"]
    root = tmp_path / "sysroot"
    proc = dpkg_install(deb, root)
    assert proc.returncode == 0, proc.stderr
    program = root / "opt/devicecheck/devicecheck"
    out = subprocess.run([str(program), "--version"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == f"devicecheck {__version__}"
    baked = root / "etc/xdg/devicecheck/policy.toml"
    assert baked.read_text() == documented_linux_build["policy"].read_text()
    # The installed app reads the baked policy. The machine folder is fixed
    # (/etc/xdg/devicecheck, never XDG_CONFIG_DIRS: issue 17), so inside a dpkg --root the
    # file is named; root owns it, so it counts as IT's.
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "PATH": "/usr/bin:/bin"}
    show = subprocess.run([str(program), "policy", "show", "--policy", str(baked)],
                          capture_output=True, text=True, timeout=60, env=env)
    assert "Example Borough Council" in show.stdout, show.stdout + show.stderr
    size = deb.stat().st_size
    print(f"real .deb: {size / 2**20:.1f} MB")


@pytest.mark.slow
@pytest.mark.timeout(900)  # waits for the documented freeze + build (conftest)
def test_real_deb_lintian_has_no_errors(documented_linux_build: dict[str, Any]) -> None:
    """The documented block ran `lintian --fail-on error` (bash -e: a failure fails the
    build fixture); its report names no error."""
    output = documented_linux_build["output"]
    assert "lintian" not in output or "E: devicecheck" not in output
    assert not [line for line in output.splitlines() if line.startswith("E:")]
    assert "Package: devicecheck" in output  # dpkg-deb --info ran after it


# --- Upgrades: a rebuild X.Y.Z.B over an older build --------------------------------------

TRAY_PAYLOAD_PROGRAM = """#!/bin/sh
# Stand-in for the frozen app: 'tray' keeps running like the real tray does.
if [ "$1" = "tray" ]; then
    while :; do sleep 1; done
fi
echo "devicecheck 0.1.0"
"""


def build_version(payload: Path, version: str, dest: Path, policy: Path | None = None) -> Path:
    """``build.py deb --version`` from ``payload``; the package copied out of dist/."""
    extra = ["--policy", str(policy)] if policy else []
    proc = subprocess.run([*BUILD_PY, "deb", "--payload", str(payload), "--version", version,
                           *extra], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    deb = Path(proc.stdout.strip().splitlines()[-1])
    assert deb.name == f"devicecheck_{version}_amd64.deb"
    assert control(deb)["Version"] == version
    dest.mkdir(parents=True, exist_ok=True)
    kept = dest / deb.name
    kept.write_bytes(deb.read_bytes())
    return kept


def council_policy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[organisation]\nname = "{name}"\n', encoding="utf-8")
    return path


def installed_version(root: Path) -> str:
    status = (root / "var/lib/dpkg/status").read_text()
    block = status.split("Package: devicecheck\n", 1)[1].split("\n\n", 1)[0]
    return next(line.split(": ", 1)[1] for line in block.splitlines()
                if line.startswith("Version: "))


def test_fourth_part_orders_after_the_release() -> None:
    for lower, higher in ((__version__, f"{__version__}.1"),
                          (f"{__version__}.1", f"{__version__}.2"),
                          (f"{__version__}.9", f"{__version__}.10")):
        assert subprocess.run(["dpkg", "--compare-versions", lower, "lt", higher],
                              timeout=30).returncode == 0


def test_bad_deb_version_is_refused_before_freezing(staged_payload: Path) -> None:
    proc = subprocess.run([*BUILD_PY, "deb", "--version", "0.1.0.x"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "--version" in proc.stderr


def test_upgrade_keeps_an_it_edited_policy_with_confold(staged_payload: Path,
                                                        tmp_path: Path) -> None:
    """A second build installed over the first: IT's local edit of the conffile survives
    when dpkg's conffile question is answered by --force-confdef --force-confold, and with
    no answer and no terminal dpkg stops rather than choose (so unattended upgrades must
    say which)."""
    first = build_version(staged_payload, f"{__version__}.1", tmp_path / "v1",
                          council_policy(tmp_path, "Cyngor Sir Ynys Môn"))
    second = build_version(staged_payload, f"{__version__}.2", tmp_path / "v2",
                           council_policy(tmp_path, "Cyngor Gwynedd"))
    root = tmp_path / "sysroot"
    assert dpkg_install(first, root).returncode == 0
    policy = root / "etc/xdg/devicecheck/policy.toml"
    edited = '[organisation]\nname = "Cyngor Sir Ynys Môn"\nit_contact = "ext 4000"\n'
    policy.write_text(edited, encoding="utf-8")
    unanswered = dpkg_install(second, root)
    assert unanswered.returncode != 0
    assert "policy.toml" in unanswered.stdout + unanswered.stderr
    proc = dpkg_install(second, root, "--force-confdef", "--force-confold")
    assert proc.returncode == 0, proc.stderr
    assert installed_version(root) == f"{__version__}.2"
    assert policy.read_text(encoding="utf-8") == edited
    # dpkg keeps the new package's file beside it for IT to compare.
    assert (root / "etc/xdg/devicecheck/policy.toml.dpkg-dist").read_text(encoding="utf-8") \
        == council_policy(tmp_path, "Cyngor Gwynedd").read_text(encoding="utf-8")
    assert stat.S_IMODE(policy.stat().st_mode) == 0o644


def test_upgrade_replaces_an_unedited_policy_silently(staged_payload: Path,
                                                      tmp_path: Path) -> None:
    first = build_version(staged_payload, f"{__version__}.1", tmp_path / "v1",
                          council_policy(tmp_path, "Old name"))
    second = build_version(staged_payload, f"{__version__}.2", tmp_path / "v2",
                           council_policy(tmp_path, "Cyngor Sir Ynys Môn"))
    root = tmp_path / "sysroot"
    assert dpkg_install(first, root).returncode == 0
    proc = dpkg_install(second, root)  # no prompt: the file was not edited locally
    assert proc.returncode == 0, proc.stderr
    policy = root / "etc/xdg/devicecheck/policy.toml"
    assert "Cyngor Sir Ynys Môn" in policy.read_text(encoding="utf-8")


def test_upgrade_leaves_a_running_tray_alone(tmp_path: Path) -> None:
    """postinst neither restarts nor kills the tray: an officer may be mid-call. The
    stand-in tray runs from the installed path while the next build is installed."""
    payload = tmp_path / "payload"
    (payload / "_internal").mkdir(parents=True)
    program = payload / "devicecheck"
    program.write_text(TRAY_PAYLOAD_PROGRAM)
    program.chmod(0o755)
    first = build_version(payload, f"{__version__}.1", tmp_path / "v1")
    second = build_version(payload, f"{__version__}.2", tmp_path / "v2")
    root = tmp_path / "sysroot"
    assert dpkg_install(first, root).returncode == 0
    tray = subprocess.Popen(["/bin/sh", str(root / "opt/devicecheck/devicecheck"), "tray"])
    try:
        proc = dpkg_install(second, root, "--force-confdef", "--force-confold")
        assert proc.returncode == 0, proc.stderr
        assert installed_version(root) == f"{__version__}.2"
        assert tray.poll() is None  # still the same, running process
    finally:
        tray.kill()
        tray.wait(timeout=30)


def test_documented_linux_upgrade_works(staged_payload: Path, tmp_path: Path) -> None:
    """The guide's "upgrade a council" block for Linux: its build command (with a staged
    payload instead of a freeze) and the dpkg options of its apt-get line, into a
    throwaway root over the previous build with an IT edit."""
    block = doc_block("linux-upgrade")
    (build_line,) = [ln for ln in block.splitlines() if "installer/build.py deb" in ln]
    version = build_line.split("--version ")[1].split()[0]
    assert version.startswith(f"{__version__}.")
    (apt_line,) = [ln for ln in block.splitlines() if "apt-get install" in ln]
    options = [opt.split("=", 1)[1] for opt in apt_line.split() if opt.startswith("Dpkg::")]
    assert "--force-confold" in options
    assert apt_line.split()[-1] == f"./dist/devicecheck_{version}_amd64.deb"
    older = f"{__version__}.{int(version.split('.')[3]) - 1}"
    first = build_version(staged_payload, older, tmp_path / "old")
    second = build_version(staged_payload, version, tmp_path / "new")
    root = tmp_path / "sysroot"
    assert dpkg_install(first, root).returncode == 0
    policy = root / "etc/xdg/devicecheck/policy.toml"
    policy.write_text('[organisation]\nname = "edited by IT"\n', encoding="utf-8")
    proc = dpkg_install(second, root, *options)
    assert proc.returncode == 0, proc.stderr
    assert installed_version(root) == version
    assert "edited by IT" in policy.read_text(encoding="utf-8")
