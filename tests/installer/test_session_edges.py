"""The session-end edges the installers ship: the systemd user unit (checked by
``systemd-analyze verify``, shipped and enabled by the .deb, lintian-clean), the macOS
LaunchAgent and its SIGTERM wrapper (run for real under sh), and the Windows logoff script
(in the MSI) with the IT guide's section on all of them."""

from __future__ import annotations

import configparser
import os
import plistlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from buildlib.deb import SESSION_END_UNIT, SESSION_END_WANTS, USER_UNIT_DIR

from .conftest import DOC, INSTALLER, REPO, doc_block, require_tools
from .test_deb import dpkg_install, extract

UNIT = REPO / "resources" / "systemd" / SESSION_END_UNIT
MACOS = INSTALLER / "macos"
AGENT = MACOS / "uk.gov.devicecheck.session-end.plist"
WRAPPER = MACOS / "devicecheck-session-end"
WRAPPER_INSTALLED = "/Library/Application Support/DeviceCheck/devicecheck-session-end"
LOGOFF = INSTALLER / "windows" / "devicecheck-logoff.cmd"
COMMAND = "clean --session-end"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def _analyze(unit: Path, run_dir: Path) -> subprocess.CompletedProcess[str]:
    require_tools("systemd-analyze")
    # --user verify needs a runtime dir for the user manager it simulates (no systemd runs
    # in this container; verify works offline).
    env = {**os.environ, "XDG_RUNTIME_DIR": str(run_dir)}
    return subprocess.run(["systemd-analyze", "--user", "verify", str(unit)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=unit.parent)


# --- Linux: the systemd user unit --------------------------------------------------------------

def test_unit_runs_the_clean_in_its_stop_step() -> None:
    unit = _unit()
    service = unit["Service"]
    assert service["Type"] == "oneshot" and service["RemainAfterExit"] == "yes"
    assert service["ExecStart"] == "/bin/true"
    assert service["ExecStop"] == f"/usr/bin/devicecheck {COMMAND}"
    assert int(service["TimeoutStopSec"]) < 120  # inside user@.service's own stop timeout
    assert unit["Unit"]["ConditionUser"] == "!@system"
    # Enabled by the package's wants link, not by [Install] (which would read "disabled").
    assert "Install" not in unit


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    """The unit as shipped, with ExecStop= pointed at a stand-in program (verify also checks
    that the program exists, and /usr/bin/devicecheck is not installed here)."""
    stand_in = tmp_path / "devicecheck"
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)
    copy = tmp_path / SESSION_END_UNIT
    copy.write_text(UNIT.read_text().replace("/usr/bin/devicecheck", str(stand_in)))
    run_dir = tmp_path / "user-manager-run"
    run_dir.mkdir(mode=0o700)
    proc = _analyze(copy, run_dir)
    assert proc.returncode == 0 and not (proc.stdout + proc.stderr).strip(), proc.stderr
    # The check is real: a broken unit fails it.
    bad = tmp_path / "bad.service"
    bad.write_text("[Service]\nType=sometimes\nExecStop=/bin/true\n")
    proc = _analyze(bad, run_dir)
    assert proc.returncode != 0 and "service type" in proc.stderr


@pytest.fixture
def session_deb(staged_payload: Path) -> Path:
    proc = subprocess.run([sys.executable, str(INSTALLER / "build.py"), "deb", "--payload",
                           str(staged_payload)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip().splitlines()[-1])


def test_deb_ships_the_unit_enabled_for_every_user(session_deb: Path, tmp_path: Path) -> None:
    root = extract(session_deb, tmp_path / "root")
    unit = root / USER_UNIT_DIR / SESSION_END_UNIT
    assert unit.read_text() == UNIT.read_text()
    assert (unit.stat().st_mode & 0o777) == 0o644
    link = root / SESSION_END_WANTS
    assert link.is_symlink() and os.readlink(link) == f"../{SESSION_END_UNIT}"
    assert link.resolve() == unit.resolve()
    require_tools("systemctl")
    state = subprocess.run(["systemctl", f"--root={root}", "--global", "is-enabled",
                            SESSION_END_UNIT], capture_output=True, text=True, timeout=60)
    # "static": always pulled in by the vendor link (as dbus-user-session's dbus.socket).
    assert state.stdout.strip() == "static", state.stdout + state.stderr


def test_deb_install_and_purge_handle_the_unit(session_deb: Path, tmp_path: Path) -> None:
    root = tmp_path / "sysroot"
    proc = dpkg_install(session_deb, root)
    assert proc.returncode == 0, proc.stderr
    assert (root / SESSION_END_WANTS).is_symlink()
    purge = subprocess.run(["dpkg", f"--root={root}", "--force-script-chrootless",
                            f"--log={root}/var/log/dpkg.log", "--purge", "devicecheck"],
                           capture_output=True, text=True, timeout=120)
    assert purge.returncode == 0, purge.stderr
    assert not (root / USER_UNIT_DIR / SESSION_END_UNIT).exists()
    assert not (root / SESSION_END_WANTS).is_symlink()


def test_deb_with_the_unit_stays_lintian_clean(session_deb: Path) -> None:
    require_tools("lintian")
    proc = subprocess.run(["lintian", "--fail-on", "error", "--pedantic", str(session_deb)],
                          capture_output=True, text=True, timeout=300)
    tags = [line for line in proc.stdout.splitlines() if line[:2] in ("E:", "W:", "I:", "P:")]
    assert proc.returncode == 0, proc.stdout
    assert not [t for t in tags if "systemd" in t or SESSION_END_UNIT in t], tags


# --- macOS: LaunchAgent + SIGTERM wrapper ----------------------------------------------------------

def test_launch_agent_runs_the_wrapper_in_every_gui_session() -> None:
    data = plistlib.loads(AGENT.read_bytes())
    assert data["Label"] == "uk.gov.devicecheck.session-end" == AGENT.stem
    assert data["ProgramArguments"] == ["/bin/sh", WRAPPER_INSTALLED]
    assert data["RunAtLoad"] is True and data["KeepAlive"] is False
    assert data["LimitLoadToSessionType"] == "Aqua"
    assert 30 <= data["ExitTimeOut"] <= 60  # quit wait (15 s) + clean


def test_wrapper_is_valid_sh_and_runs_the_installed_app() -> None:
    assert WRAPPER.stat().st_mode & 0o111
    subprocess.run(["sh", "-n", str(WRAPPER)], check=True, timeout=30)
    text = WRAPPER.read_text()
    assert 'app="/Applications/DeviceCheck.app/Contents/MacOS/devicecheck"' in text
    assert f'"$app" {COMMAND}' in text


@pytest.mark.parametrize("code", [0, 3])
def test_wrapper_cleans_on_sigterm_and_passes_the_exit_code(tmp_path: Path, code: int) -> None:
    """What launchd does at logout (SIGTERM to the agent), done here to the real script with
    the app replaced by a stand-in that records its arguments."""
    args_file = tmp_path / "args"
    stand_in = tmp_path / "devicecheck"
    stand_in.write_text(f"#!/bin/sh\necho \"$@\" > '{args_file}'\nexit {code}\n")
    stand_in.chmod(0o755)
    script = tmp_path / "devicecheck-session-end"
    script.write_text(WRAPPER.read_text().replace(
        "/Applications/DeviceCheck.app/Contents/MacOS/devicecheck", str(stand_in)))
    proc = subprocess.Popen(["sh", str(script)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.5)  # let it reach its wait: a signal before the trap is set would kill it
        assert proc.poll() is None, "the wrapper must wait until logout"
        assert not args_file.exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == code
        assert args_file.read_text().split() == COMMAND.split()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        else:  # the wrapper kills its sleep; make sure no child is left either way
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_postinstall_secures_and_loads_the_session_end_agent() -> None:
    text = (MACOS / "scripts" / "postinstall").read_text()
    assert 'end_label="$label.session-end"' in text
    assert 'chown root:wheel "$agent" "$end_agent"' in text
    assert 'launchctl bootstrap "gui/$uid" "$end_agent"' in text
    # Never booted out on a reinstall: its SIGTERM would quit Teams to clean, maybe mid-call.
    assert 'bootout "gui/$uid/$end_label"' not in text


def test_macos_build_commands_put_both_files_in_the_package() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert (f"cp {AGENT.relative_to(REPO)} build/pkgroot/Library/LaunchAgents/") in text
    assert (f'cp {WRAPPER.relative_to(REPO)} "build/pkgroot/Library/Application Support/'
            'DeviceCheck/"') in text


# --- Windows: logoff script in the MSI ---------------------------------------------------------------

def test_logoff_script_runs_the_clean_with_crlf_lines() -> None:
    raw = LOGOFF.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("ascii")
    assert f'"%DC%" {COMMAND}' in text and "exit /b %ERRORLEVEL%" in text
    assert '%~dp0devicecheck.exe' in text  # installed beside the program


def test_msi_installs_the_logoff_script_beside_the_program(windows_payload: Path) -> None:
    require_tools("wixl", "msiinfo", "msiextract")
    proc = subprocess.run([sys.executable, str(INSTALLER / "build.py"), "msi", "--payload",
                           str(windows_payload)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    msi = Path(proc.stdout.strip().splitlines()[-1])
    out = subprocess.run(["msiinfo", "export", str(msi), "Component"], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    rows = [line.split("\t") for line in out.splitlines()[3:] if line]
    logoff = [r for r in rows if r[0] == "LogoffScript"]
    assert logoff and logoff[0][2] == "INSTALLDIR"
    listing = subprocess.run(["msiextract", "-l", str(msi)], capture_output=True, text=True,
                             check=True, timeout=60).stdout.split()
    assert "DeviceCheck/devicecheck-logoff.cmd" in listing


def test_it_guide_section_names_every_edge() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## 7. Meeting data at session end and logon")
    section = text[start:]
    for needle in ("devicecheck-logoff.cmd", "Scripts (Logon/Logoff)", SESSION_END_UNIT,
                   "uk.gov.devicecheck.session-end", "clean_at_logon", "enable-linger",
                   "systemctl --global mask", "TeamsTfwStartupTask", "MSTeams"):
        assert needle in section, needle
    assert doc_block("linux-build")  # the tested build block is still there
