"""On this Linux machine, ``devicecheck check --json`` runs the work-device checks for
real: none crashes, each has a status, a summary and evidence, and ``work-device`` is
not ``pass`` (the test machines are not enrolled)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import devicecheck

MINE = ("os-support", "work-device", "disk-encryption", "firewall", "screen-lock", "antivirus")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux machine run")
def test_check_json_on_this_machine() -> None:
    # Run the same source tree pytest imported, whatever the venv's editable install says.
    src = str(Path(devicecheck.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "devicecheck", "check", "--json"],
                         capture_output=True, text=True, timeout=60, env=env, check=False)
    assert out.returncode in (0, 1, 2), out.stderr
    report = json.loads(out.stdout)
    by_id = {c["id"]: c for c in report["checks"]}
    for check_id in MINE:
        c = by_id[check_id]
        assert c["status"] in {"pass", "warn", "fail", "unknown", "skip"}
        assert c["summary"] and isinstance(c["evidence"], dict) and c["evidence"]
        assert "could not run" not in c["summary"] and "could not be loaded" not in c["summary"]
        assert "did not finish" not in c["summary"]
        assert c["duration_ms"] < 3000
    assert by_id["work-device"]["status"] != "pass"
    assert by_id["work-device"]["evidence"]["signals"]
