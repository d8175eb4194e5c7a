"""Issue 29, acceptance: the officer's PATH cannot fake a READY.

Scripts named ``realm``, ``lsblk``, ``nft`` and ``gsettings``, first in PATH and printing
the healthy answers of the fixtures (joined to the council's realm, ``/`` on LUKS, an
nftables input filter, a 5-minute screen lock), are ignored: the probes run programs from
the system folders only. ``devicecheck check`` run as a real subprocess with that PATH -
text, ``--json`` and ``--format intune`` - says not ready, and so does the audit record.

The control test shows the same scripts are healthy answers: given to a runner as its
system folder (the tests' seam), they make exactly these checks pass and the laptop ready.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from devicecheck.assess import assess
from devicecheck.checks.base import Context
from devicecheck.policy import CHECK_IDS
from devicecheck.policy.loader import load_policy
from devicecheck.probes.runner import LINUX_SYSTEM_DIRS, ProbeRunner, find_program
from tests.probes.fakes import fixture

#: The checks the four fake tools answer, plus os-support (real, passes on Debian 12).
ON = ("work-device", "disk-encryption", "firewall", "screen-lock", "os-support")
GSETTINGS = {"lock-enabled": "true", "lock-delay": "uint32 0", "idle-delay": "uint32 300"}


def fake_tools(folder: Path) -> Path:
    """The attacker's folder: healthy-looking look-alikes of the probes' tools."""
    folder.mkdir(parents=True, exist_ok=True)
    answers = {"realm": fixture("linux/realm_list_joined.txt"),
               "lsblk": fixture("linux/lsblk_luks_lvm.json"),
               "nft": fixture("linux/nft_ruleset_filter.txt")}
    for name, text in answers.items():
        (folder / f"{name}.out").write_text(text)
        (folder / name).write_text(f"#!/bin/sh\n/bin/cat {shlex.quote(str(folder / name))}.out\n")
    cases = "".join(f"  {key}) echo {shlex.quote(value)} ;;\n" for key, value in GSETTINGS.items())
    (folder / "gsettings").write_text(f'#!/bin/sh\ncase "$3" in\n{cases}  *) exit 1 ;;\nesac\n')
    for name in (*answers, "gsettings"):
        (folder / name).chmod(0o755)
    return folder


def strict_policy(tmp_path: Path) -> Path:
    """The council's realm allowed, only the checks the fakes answer switched on."""
    off = "\n".join(f'{c} = "off"' for c in CHECK_IDS if c not in ON)
    path = tmp_path / "policy.toml"
    path.write_text(f'[organisation]\ndomains = ["council.local"]\n'
                    f'it_contact = "the IT desk on 01234 567890"\n\n[severity]\n{off}\n')
    return path


def attack_env(tools: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
            "XDG_CURRENT_DESKTOP": "GNOME"}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # sys.executable is absolute: the interpreter itself is not looked up in PATH.
    return subprocess.run([sys.executable, "-m", "devicecheck", *args], capture_output=True,
                          text=True, timeout=90, env=env, check=False)


def test_the_fakes_are_healthy_answers_when_they_are_the_system_tools(tmp_path: Path) -> None:
    """Control: through the runner's seam the same scripts make the laptop ready, so a
    runner that trusted PATH would have said READY."""
    tools = fake_tools(tmp_path / "evil")
    loaded = load_policy(strict_policy(tmp_path))
    ctx = Context(loaded=loaded, os_name="linux",
                  runner=ProbeRunner(env={"HOME": str(tmp_path)}, system_dirs=(tools,)),
                  root=tmp_path / "root", home=tmp_path, env={"XDG_CURRENT_DESKTOP": "GNOME"})
    report = assess(loaded, ctx=ctx)
    status = {r.id: r.status.value for r in report.checks}
    assert {c: status[c] for c in ON} == dict.fromkeys(ON, "pass"), status
    assert report.overall.value == "ready"


def test_fake_tools_first_in_path_do_not_make_the_laptop_ready(tmp_path: Path) -> None:
    env = attack_env(fake_tools(tmp_path / "evil"))
    policy = str(strict_policy(tmp_path))

    text = cli(env, "check", "--policy", policy)
    assert text.returncode == 1, text.stdout + text.stderr
    assert text.stdout.startswith("No \u2014"), text.stdout

    out = cli(env, "check", "--json", "--policy", policy)
    assert out.returncode == 1, out.stderr
    doc: dict[str, Any] = json.loads(out.stdout)
    assert doc["overall"] == "not_ready"
    checks = {c["id"]: c for c in doc["checks"]}
    # None of the faked answers counted: each of these is unknown or a failure.
    for check in ("work-device", "disk-encryption", "firewall"):
        assert checks[check]["status"] in ("fail", "unknown"), checks[check]
    if find_program("realm", LINUX_SYSTEM_DIRS) is None:
        evidence = json.dumps(checks["work-device"]["evidence"])
        assert "realm is not installed in the system folders" in evidence, evidence
    if find_program("nft", LINUX_SYSTEM_DIRS) is None:
        assert "nft is not installed in the system folders" in json.dumps(
            checks["firewall"]["evidence"])

    intune = cli(env, "check", "--format", "intune", "--policy", policy)
    assert intune.returncode == 1
    flat = json.loads(intune.stdout)
    assert flat["Ready"] is False and flat["Overall"] == "not_ready"

    # The audit record (and the OS-log event made from it) says not ready too.
    log = cli(env, "log", "--json")
    reports = [json.loads(line) for line in log.stdout.splitlines()
               if json.loads(line).get("kind") == "report"]
    assert len(reports) == 3 and {r["overall"] for r in reports} == {"not_ready"}
