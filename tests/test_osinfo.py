"""The OS family comes from the platform only (issue 29 #8): the old test switch
``DEVICECHECK_FAKE_OS`` shipped in every build, and ``=windows`` on Linux crashed
``devicecheck check`` with a traceback in a Windows-only call."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from devicecheck import osinfo


def test_current_os_ignores_the_retired_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    real = osinfo.current_os()
    for fake in ("windows", "macos", "linux"):
        monkeypatch.setenv("DEVICECHECK_FAKE_OS", fake)
        assert osinfo.current_os() == real


@pytest.mark.skipif(sys.platform != "linux", reason="judges this Linux machine")
def test_check_with_the_switch_set_judges_the_real_os_without_a_traceback() -> None:
    env = {**os.environ, "DEVICECHECK_FAKE_OS": "windows"}
    done = subprocess.run([sys.executable, "-m", "devicecheck", "check", "--json"],
                          capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["device"]["os"] == "linux"


def test_no_test_switch_is_read_by_the_shipped_code() -> None:
    """Every DEVICECHECK_* environment variable the package reads, from its source: only
    the tray's trace switch (a debug line on stderr, nothing judged differently)."""
    import re
    from pathlib import Path

    import devicecheck

    root = Path(devicecheck.__file__).parent
    read = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"""environ(?:\.get)?\s*[\[(]\s*["'](DEVICECHECK_\w+)""", text))
        read |= set(re.findall(r"""getenv\(\s*["'](DEVICECHECK_\w+)""", text))
        read |= set(re.findall(r"""^\w+_ENV\s*=\s*["'](DEVICECHECK_\w+)""", text, re.M))
    assert read == {"DEVICECHECK_DEBUG_TRAY"}
