"""End to end: ``devicecheck pilot --auto N --json`` as a real process, against a stand-in
teams-for-linux (tests/helpers/pilot_standin.py) on Xvfb, with a real PulseAudio
(tests/e2e/pulse.py) and a real AT-SPI bus (tests/helpers/fake_meeting_window.py).

The stand-in is driven by the pilot's own ``[pilot] step NAME`` lines (its stderr is
piped into the stand-in's stdin), the way a script drives a test call. Checked: the
meeting is seen by ``audio`` in join, record and stop-record and not in idle or after
(a capture stream opened by a child of the client's main process); the recording by
``window`` in record only; the indicator's names (English and Welsh) are learned and the
chat is not; the store the catalogue does not know is reported by folder; no file name,
address or chat text appears anywhere in the output. The JSON and text are copied to
test-artifacts/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from devicecheck.teams.pilot.render import render_text
from tests.e2e.conftest import ARTIFACTS, ROOT
from tests.e2e.pulse import MONITOR, PrivatePulse, pacat
from tests.helpers import pilot_standin as standin
from tests.helpers.fake_meeting_window import (
    A11ySession,
    wait_ready,
)
from tests.helpers.named_python import named_python

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AUTO_S = 8
SECRETS = ("resident-jane-doe", "jane", "Jane", "example.org", "10.0.0.7", "please do not",
           "000003.log", "000001.log", ".ldb")


def forward(pilot: subprocess.Popen[str], teams: subprocess.Popen[str],
            lines: list[str]) -> None:
    """The pilot's stderr, line by line, into the stand-in (and kept for the test)."""
    assert pilot.stderr is not None and teams.stdin is not None
    for line in pilot.stderr:
        lines.append(line)
        try:
            teams.stdin.write(line)
            teams.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass


def test_pilot_reports_sources_learns_the_indicator_and_finds_the_store(
        session: A11ySession, pulse: PrivatePulse, xvfb_display: str,
        tmp_path: Path, isolated_dirs: Path) -> None:
    exe = pacat()
    if exe is None:
        pytest.skip("needs pacat/parecord (Debian: pulseaudio-utils)")
    env = {**session.env, "PULSE_SERVER": pulse.env["PULSE_SERVER"],
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"),
                                                     os.environ.get("PYTHONPATH")) if p)}
    data_root = Path(env["XDG_CONFIG_HOME"]) / "teams-for-linux"
    assert data_root.is_relative_to(isolated_dirs)       # the test's own home
    ready, steps_seen = tmp_path / "teams.ready", tmp_path / "teams.steps"
    teams = subprocess.Popen(
        [str(named_python()), standin.__file__, "--root", str(data_root), "--ready", str(ready),
         "--pacat", exe, "--source", MONITOR, "--steps", str(steps_seen)],
        env={**env, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
             "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1"},
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        text=True)
    out = tmp_path / "report.json"
    pilot: subprocess.Popen[str] | None = None
    try:
        wait_ready(ready)
        pilot = subprocess.Popen(
            [sys.executable, "-m", "devicecheck", "pilot", "--auto", str(AUTO_S), "--json",
             "--out", str(out)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        stderr: list[str] = []
        pump = threading.Thread(target=forward, args=(pilot, teams, stderr), daemon=True)
        pump.start()
        assert pilot.stdout is not None
        stdout = pilot.stdout.read()
        code = pilot.wait(timeout=6 * AUTO_S + 60)
        pump.join(timeout=10)
    finally:
        if pilot is not None and pilot.poll() is None:
            pilot.kill()
        if teams.poll() is None:
            teams.kill()
        teams.wait(timeout=10)
    report: dict[str, Any] = json.loads(stdout)
    text = render_text(report)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "pilot-e2e.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (ARTIFACTS / "pilot-e2e.txt").write_text(text + "\n")
    (ARTIFACTS / "pilot-e2e-stderr.txt").write_text("".join(stderr))

    # The pilot drove the stand-in, step by step, and saved the same report.
    step_lines = [line.strip() for line in stderr if line.startswith("[pilot] step ")]
    names = ["idle", "join", "record", "stop-record", "leave", "after"]
    assert step_lines == [f"[pilot] step {n}" for n in names]
    assert steps_seen.read_text().split() == names
    assert json.loads(out.read_text()) == report
    assert code == 0, text
    assert report["completed"] and report["clients_seen"] == ["teams-for-linux"]

    by_step = {s["name"]: {x["source"]: x for x in s["sources"]} for s in report["steps"]}
    audio = [by_step[n]["audio"]["meeting"] for n in names]
    assert audio[:4] == [False, True, True, True] and audio[5] is False, text
    assert by_step["join"]["audio"]["latency_s"] is not None
    window = [by_step[n]["window"]["recording"] for n in names]
    assert window == [False, False, True, False, False, False], text
    assert 0 <= by_step["record"]["window"]["latency_s"] <= AUTO_S
    assert "audio" in report["verdict"]["meeting"]
    assert report["verdict"]["recording"] == ["window"]

    learned = report["learned"]
    assert "Yn recordio" in learned["indicator_names"], learned
    assert "Recording" in learned["indicator_names"]
    assert not any("record me" in n or "?" in n for n in learned["indicator_names"])
    assert any("Yn recordio" in line for line in learned["policy_lines"])
    assert {"client": "teams-for-linux", "root": "native",
            "folder": "Partitions/teams-4-linux/shared_proto_db"} in [
        {k: g[k] for k in ("client", "root", "folder")} for g in report["uncovered"]]
    assert not any("IndexedDB" in g["folder"] for g in report["uncovered"])

    everything = stdout + text + "".join(stderr) + out.read_text()
    for secret in SECRETS:
        assert secret not in everything, secret
    assert "Meetings are detected on this laptop by: " in text
    assert "Recording is detected on this laptop by: window" in text
