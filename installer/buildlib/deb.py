"""``build.py deb``: the Debian package, staged in build/deb and wrapped by dpkg-deb.

Layout: the frozen app in /opt/devicecheck, /usr/bin/devicecheck (symlink), an autostart
entry for every user in /etc/xdg/autostart, menu entries for the app, its report and the
pre-call window in /usr/share/applications, the machine policy in
/etc/xdg/devicecheck/policy.toml (a conffile, so IT's local edits survive upgrades), and the
session-end clean: a systemd user unit in /usr/lib/systemd/user, enabled for every user by
a link in its default.target.wants (resources/systemd/devicecheck-session-end.service says
how its stop step runs at logout).
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
from pathlib import Path

from buildlib.common import BUILD, DIST, INSTALLER, ROOT, BuildError, run
from buildlib.policyfile import load_policy_file
from buildlib.version import package_version

LINUX = INSTALLER / "linux"
PACKAGE = "devicecheck"
POLICY_PATH = "etc/xdg/devicecheck/policy.toml"
AUTOSTART_PATH = "etc/xdg/autostart/devicecheck.desktop"
CONFFILES = (f"/{POLICY_PATH}", f"/{AUTOSTART_PATH}")
SESSION_END_UNIT = "devicecheck-session-end.service"
USER_UNIT_DIR = "usr/lib/systemd/user"
#: Enabled for every user the way `systemctl --global enable` would, but shipped in the
#: package so dpkg owns (and removes) it; IT can still `systemctl --global mask` it.
SESSION_END_WANTS = f"{USER_UNIT_DIR}/default.target.wants/{SESSION_END_UNIT}"

#: What the frozen Qt needs from the system (Qt's xcb/EGL docs; scripts/apt-packages.txt
#: "runtime" line): PyInstaller bundles the rest, but never libc, GL/EGL or the X client
#: libraries, which must match the machine's drivers and X server.
DEPENDS = (
    "libc6 (>= 2.31)", "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3", "libx11-6",
    "libx11-xcb1", "libxcb1", "libxkbcommon0", "libxkbcommon-x11-0", "libxcb-icccm4",
    "libxcb-keysyms1", "libxcb-image0", "libxcb-render-util0", "libxcb-xinerama0",
    "libxcb-xkb1", "libxcb-shape0", "libxcb-cursor0", "libxcb-randr0", "libblkid1",
    "libmount1",
    # restart-when-idle reads the X11 idle counter through ctypes (devicecheck/idle.py).
    "libxss1",
)

CONTROL = """\
Package: {package}
Version: {version}
Architecture: amd64
Maintainer: DeviceCheck developers <devicecheck@example.org>
Installed-Size: {size_kib}
Depends: {depends}
Section: utils
Priority: optional
Homepage: https://example.org/devicecheck
Description: checks a council laptop is fit for a private video call
 DeviceCheck is a tray app and command-line tool for council officers who hold
 Microsoft Teams calls with residents. It checks the laptop is a managed work
 device with encryption, firewall, screen lock and anti-virus, that nothing can
 record the call, clears meeting data Teams leaves on disk, and shows the
 privacy notice before a call. The council's policy is read from
 /etc/xdg/devicecheck/policy.toml.
"""

CHANGELOG = """\
{package} ({version}) unstable; urgency=medium

  * Release {version}.

 -- DeviceCheck developers <devicecheck@example.org>  Sat, 28 Nov 2026 12:00:00 +0000
"""


#: The app's own desktop entry (the tray's per-user autostart toggle writes the same one),
#: installed both as the all-users autostart entry and as the menu entry.
DESKTOP_FILE = ROOT / "resources" / "desktop" / "devicecheck.desktop"
#: Issue 27's two ways in without the tray icon, menu entries only (never autostarted):
#: "DeviceCheck — report" (``devicecheck report``) and "DeviceCheck — before your call"
#: (``devicecheck precall``).
MENU_ENTRIES = tuple(ROOT / "resources" / "desktop" / f"devicecheck-{name}.desktop"
                     for name in ("report", "precall"))
SESSION_END_FILE = ROOT / "resources" / "systemd" / SESSION_END_UNIT


def _normalise_modes(tree: Path, executables: set[Path]) -> None:
    """0755 folders and programs, 0644 everything else: Debian policy, and no stray write bits
    from the build machine."""
    for dirpath, dirnames, filenames in os.walk(tree):
        for d in dirnames:
            os.chmod(Path(dirpath) / d, 0o755)
        for f in filenames:
            p = Path(dirpath) / f
            if not p.is_symlink():
                os.chmod(p, 0o755 if p in executables else 0o644)
    os.chmod(tree, 0o755)


def _install(src: Path, dest: Path, mode: int = 0o644) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    os.chmod(dest, mode)


def _gzip_n(src_text: str, dest: Path) -> None:
    """gzip -9n: no name or time in the header, so the package is reproducible."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               compresslevel=9, mtime=0) as gz:
        gz.write(src_text.encode())


def stage(payload: Path, policy: Path | None, root: Path, version: str) -> Path:
    """Lay out the package tree of ``version`` under ``root`` (wiped first); return ``root``."""
    program = payload / "devicecheck"
    if not (program.is_file() and os.access(program, os.X_OK)):
        raise BuildError(f"{payload} holds no executable 'devicecheck': freeze first "
                         "(python installer/build.py freeze) or pass the right --payload")
    policy_src, _ = load_policy_file(policy)
    if root.exists():
        shutil.rmtree(root)
    opt = root / "opt" / PACKAGE
    shutil.copytree(payload, opt, symlinks=True)
    _normalise_modes(root, {opt / "devicecheck"})
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "devicecheck").symlink_to("/opt/devicecheck/devicecheck")
    _install(DESKTOP_FILE, root / AUTOSTART_PATH)
    _install(DESKTOP_FILE, root / "usr/share/applications/devicecheck.desktop")
    for entry in MENU_ENTRIES:
        _install(entry, root / "usr/share/applications" / entry.name)
    _install(policy_src, root / POLICY_PATH)
    _install(SESSION_END_FILE, root / USER_UNIT_DIR / SESSION_END_UNIT)
    wants = root / SESSION_END_WANTS
    wants.parent.mkdir(parents=True)
    wants.symlink_to(f"../{SESSION_END_UNIT}")
    icon = ROOT / "resources" / "icons" / "devicecheck.svg"
    if icon.exists():
        _install(icon, root / "usr/share/icons/hicolor/scalable/apps/devicecheck.svg")
    doc = root / "usr/share/doc" / PACKAGE
    _install(LINUX / "copyright", doc / "copyright")
    _gzip_n(CHANGELOG.format(package=PACKAGE, version=version), doc / "changelog.gz")
    _install(LINUX / "lintian-overrides", root / "usr/share/lintian/overrides" / PACKAGE)
    debian = root / "DEBIAN"
    debian.mkdir()
    size_kib = sum(-(-p.lstat().st_size // 1024) for p in root.rglob("*") if not p.is_dir())
    (debian / "control").write_text(CONTROL.format(
        package=PACKAGE, version=version, size_kib=size_kib, depends=", ".join(DEPENDS)))
    (debian / "conffiles").write_text("".join(f"{c}\n" for c in CONFFILES))
    for script in ("postinst", "postrm"):
        _install(LINUX / script, debian / script, 0o755)
    for p in (debian / "control", debian / "conffiles"):
        os.chmod(p, 0o644)
    os.chmod(debian, 0o755)
    return root


def build_deb(*, policy: Path | None = None, payload: Path | None = None,
              version: str | None = None, out_dir: Path = DIST, xz_level: int = 6) -> Path:
    """Build ``dist/devicecheck_<version>_amd64.deb`` (freezing first without --payload)."""
    version = package_version(version)  # a bad --version stops the build before a freeze
    if payload is None:
        from buildlib.freeze import freeze

        payload = freeze()
    if not payload.is_dir():
        raise BuildError(f"--payload {payload} is not a folder")
    root = stage(payload.resolve(), policy, BUILD / "deb" / "root", version)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{PACKAGE}_{version}_amd64.deb"
    # --root-owner-group: every file root:root without needing fakeroot or real root.
    run(["dpkg-deb", "--root-owner-group", "-Zxz", f"-z{xz_level}", "--build", root, out])
    mode = stat.S_IMODE(out.stat().st_mode)
    os.chmod(out, mode | 0o644)
    return out
