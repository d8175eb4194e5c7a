"""The probe runner: argument lists, timeouts, not-found told apart, C locale."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from devicecheck.probes.runner import (
    LINUX_SYSTEM_DIRS,
    MACOS_SYSTEM_DIRS,
    Outcome,
    ProbeRunner,
    default_system_dirs,
    find_program,
)


def healthy_tool(folder: Path, name: str, says: str = "healthy") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(f"#!/bin/sh\necho {says}\n")
    script.chmod(0o755)
    return script


def test_ok_output_and_c_locale() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import os; print(os.environ['LC_ALL'])"])
    assert res.ok and res.outcome is Outcome.OK and res.returncode == 0
    assert res.stdout.strip() == "C"


def test_locale_left_alone_when_not_parsing() -> None:
    res = ProbeRunner(env={"LC_ALL": "en_GB.UTF-8", "PATH": "/usr/bin:/bin"}).run(
        [sys.executable, "-c", "import os; print(os.environ['LC_ALL'])"], parse_locale=False)
    assert res.stdout.strip() == "en_GB.UTF-8"


def test_failure_keeps_code_and_stderr() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import sys; sys.stderr.write('denied\\n'); sys.exit(3)"])
    assert res.outcome is Outcome.FAILED and res.returncode == 3
    assert "exited with code 3: denied" in res.describe()


def test_not_found_is_not_failure() -> None:
    res = ProbeRunner().run(["definitely-not-a-command-xyz", "--status"])
    assert res.outcome is Outcome.NOT_FOUND and res.returncode is None
    assert res.describe() == "definitely-not-a-command-xyz is not installed in the system folders"


def test_timeout_kills_and_says_so() -> None:
    start = time.monotonic()
    res = ProbeRunner().run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert time.monotonic() - start < 5
    assert res.outcome is Outcome.TIMEOUT and "did not answer" in res.describe()


def test_no_shell_metacharacters_interpreted(tmp_path: object) -> None:
    res = ProbeRunner().run(["echo", "$(id); rm -rf /"])
    assert res.stdout.strip() == "$(id); rm -rf /"


def test_undecodable_bytes_do_not_crash() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'\\xff\\xfeA\\x00')"])
    assert res.ok and isinstance(res.stdout, str)


def test_stdin_is_closed() -> None:
    res = ProbeRunner().run([sys.executable, "-c", "import sys; print(repr(sys.stdin.read()))"], timeout=5)
    assert res.stdout.strip() == "''"


# -- programs come from the system folders, never from PATH (issue 29) ---------------------

def test_a_program_only_on_path_is_not_found(tmp_path: Path) -> None:
    """The officer's PATH (here the runner's env and our own) holds a healthy-looking
    ``realm``; the runner does not look there."""
    fake = tmp_path / "evil"
    healthy_tool(fake, "realm", "council.example.gov.uk")
    runner = ProbeRunner(env={"PATH": str(fake)}, system_dirs=(tmp_path / "system",))
    res = runner.run(["realm", "list"])
    assert res.outcome is Outcome.NOT_FOUND and res.stdout == ""
    assert res.describe() == "realm is not installed in the system folders"


def test_the_default_runner_ignores_the_process_path(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "evil"
    healthy_tool(fake, "definitely-not-a-system-tool")
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ.get('PATH', '')}")
    assert ProbeRunner().run(["definitely-not-a-system-tool"]).outcome is Outcome.NOT_FOUND
    # The same program in the runner's system folder (the tests' seam) does run.
    seam = ProbeRunner(system_dirs=(fake,)).run(["definitely-not-a-system-tool"])
    assert seam.ok and seam.stdout.strip() == "healthy"


def test_the_first_system_folder_wins_and_runs_by_absolute_path(tmp_path: Path) -> None:
    first, second = tmp_path / "sbin", tmp_path / "bin"
    healthy_tool(first, "tool", "first")
    healthy_tool(second, "tool", "second")
    # The script reports how it was started: $0 is the absolute path we ran.
    (first / "tool").write_text('#!/bin/sh\necho "$0"\n')
    res = ProbeRunner(system_dirs=(first, second)).run(["tool"])
    assert res.stdout.strip() == str(first / "tool")


def test_the_child_path_is_the_system_list(tmp_path: Path) -> None:
    """A tool that starts another by name (runuser ... env gsettings) finds it in the
    same fixed folders, not in the officer's PATH."""
    system = tmp_path / "system"
    healthy_tool(system, "show-path")
    (system / "show-path").write_text('#!/bin/sh\n/bin/echo "$PATH"\n')
    res = ProbeRunner(env={"PATH": "/home/officer/bin:/usr/bin"},
                      system_dirs=(system, "/usr/bin")).run(["show-path"])
    assert res.stdout.strip() == f"{system}{os.pathsep}/usr/bin"


def test_not_executable_files_and_relative_names_are_not_programs(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    plain = tmp_path / "realm"
    plain.write_text("#!/bin/sh\necho joined\n")
    plain.chmod(0o644)
    assert find_program("realm", [str(tmp_path)]) is None
    healthy_tool(tmp_path / "sub", "realm")
    monkeypatch.chdir(tmp_path)
    # A path relative to the current folder, or a relative system folder, is refused.
    assert find_program("sub/realm", [str(tmp_path)]) is None
    assert find_program("realm", ["sub"]) is None
    assert ProbeRunner(system_dirs=("sub",)).run(["realm"]).outcome is Outcome.NOT_FOUND
    assert ProbeRunner(system_dirs=(tmp_path,)).run(["./sub/realm"]).outcome is Outcome.NOT_FOUND


def test_windows_names_get_a_fixed_suffix_not_pathext(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dsregcmd.exe").write_text("")
    (tmp_path / "evil.bat").write_text("")
    monkeypatch.setenv("PATHEXT", ".BAT;.EXE")
    assert find_program("dsregcmd", [str(tmp_path)], windows=True) == str(tmp_path / "dsregcmd.exe")
    assert find_program("powershell.exe", [str(tmp_path)], windows=True) is None
    assert find_program("evil", [str(tmp_path)], windows=True) is None
    assert find_program("..\\dsregcmd.exe", [str(tmp_path)], windows=True) is None


def test_default_folders_per_os() -> None:
    assert default_system_dirs("linux") == ("/usr/sbin", "/usr/bin", "/sbin", "/bin")
    assert default_system_dirs("darwin") == ("/usr/bin", "/usr/sbin", "/bin", "/sbin")
    for dirs in (LINUX_SYSTEM_DIRS, MACOS_SYSTEM_DIRS):
        # Folders an ordinary user (or Homebrew) can write are not in the list.
        assert not {"/usr/local/bin", "/usr/local/sbin", "/opt/homebrew/bin"} & set(dirs)
    # The runner's own default is this OS's list (Linux here).
    if sys.platform.startswith("linux"):
        assert ProbeRunner().system_dirs == LINUX_SYSTEM_DIRS


def test_windows_folders_come_from_the_system_not_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from devicecheck.probes import runner as runner_mod

    monkeypatch.setenv("SystemRoot", "C:\\Users\\officer\\fake")
    monkeypatch.setattr(runner_mod, "windows_system_directory", lambda: "C:\\Windows\\System32")
    assert default_system_dirs("win32") == (
        "C:\\Windows\\System32", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
        "C:\\Windows\\System32\\wbem")
    # The system folder unknown: no folder at all, so every probe is unknown, never pass.
    monkeypatch.setattr(runner_mod, "windows_system_directory", lambda: None)
    assert default_system_dirs("win32") == ()


def test_powershell_loads_modules_from_its_own_folder_only(tmp_path: Path) -> None:
    """The officer's PSModulePath (their Documents first) is replaced by $PSHOME\\Modules."""
    system = tmp_path / "WindowsPowerShell"
    healthy_tool(system, "powershell.exe")
    (system / "powershell.exe").write_text('#!/bin/sh\n/bin/echo "$PSModulePath"\n')
    res = ProbeRunner(env={"PSModulePath": "/home/officer/Documents/WindowsPowerShell/Modules"},
                      system_dirs=(system,)).run(["powershell.exe", "-NoProfile"])
    assert res.stdout.strip() == str(system / "Modules")
