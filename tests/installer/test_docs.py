"""docs/it-deployment.md stays true: file names carry the current version, paths it names
exist, the msiexec properties are the MSI's, and the documented apt install resolves on
this machine (simulated: apt-get -s changes nothing)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from buildlib.msi import PROPERTIES

from devicecheck import __version__

from .conftest import DOC, INSTALLER, REPO


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


_V = r"(\d+\.\d+\.\d+)(?:\.\d+)?"  # X.Y.Z with IT's optional fourth part


def test_package_names_carry_the_current_version() -> None:
    names = re.findall(rf"devicecheck[_-]{_V}[_-](?:amd64\.deb|x64\.msi)", doc())
    names += re.findall(rf"DeviceCheck-{_V}\.pkg", doc())
    names += re.findall(rf"--identifier \S+ --version {_V}", doc())
    names += re.findall(rf"build\.py (?:deb|msi) .*--version {_V}", doc())
    assert names and set(names) == {__version__}


def test_upgrade_sections_for_every_platform() -> None:
    headings = re.findall(r"^### Upgrade a council from version A to B \((\w+)\)$", doc(), re.M)
    assert headings == ["Linux", "Windows", "macOS"]
    assert "--force-confold" in doc() and "--force-confnew" in doc()


def test_repository_paths_in_the_guide_exist() -> None:
    paths = set(re.findall(r"(?<![\w/])((?:installer|docs|scripts|\.github)/[\w./-]+\w)", doc()))
    assert "installer/gpo/DeviceCheck.admx" in paths
    for rel in paths:
        assert (REPO / rel).exists(), rel


def test_msiexec_properties_are_the_msis_public_properties() -> None:
    lines = [line for line in doc().splitlines() if line.startswith("msiexec /i")]
    assert lines
    for line in lines:
        used = set(re.findall(r"\b([A-Z]{4,})=", line))
        assert {"TENANTIDS", "ITCONTACT"} <= used <= set(PROPERTIES)


def test_documented_apt_install_resolves_here(staged_payload: Path) -> None:
    if shutil.which("apt-get") is None:
        pytest.fail("apt-get missing: the guide targets Debian/Ubuntu")
    (line,) = [ln for ln in doc().splitlines() if ln.startswith("sudo apt-get install ./dist/")]
    deb_arg = line.split()[-1]
    build = subprocess.run([sys.executable, str(INSTALLER / "build.py"), "deb", "--payload",
                            str(staged_payload)], cwd=REPO, capture_output=True, text=True,
                           timeout=300)
    assert build.returncode == 0, build.stderr
    proc = subprocess.run(["apt-get", "-s", "install", deb_arg], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Inst devicecheck ({__version__}" in proc.stdout
