"""``build.py mac-launchers DIR``: the two Mac launcher apps of issue 27, for the pkg's
``/Applications`` beside DeviceCheck.app: "DeviceCheck — report" (``devicecheck report``)
and "DeviceCheck — before your call" (``devicecheck precall``), a way in that needs
neither the menu-bar icon nor a mouse (Spotlight, Launchpad, the Applications folder).

Why small apps and not a Finder alias or a ``.command`` file: an alias cannot carry the
command, and a ``.command`` opens Terminal in front of the officer. What a Mac admin
expects in /Applications is an app; these are the smallest kind, a bundle whose main
executable is a shell script (Apple's Bundle Programming Guide allows any executable
named by ``CFBundleExecutable``). The script asks LaunchServices for a new instance of
DeviceCheck.app by bundle identifier with the command as its argument:
``/usr/bin/open -n -b uk.gov.devicecheck --args report`` (``man 1 open``: ``-n`` opens a
new instance even if one is running, ``--args`` passes the rest to its ``main()``). That
instance hands the report to the running menu-bar app (its second-launch message) or
opens the window itself, exactly as ``devicecheck report`` does in a terminal; a copy of
DeviceCheck.app moved elsewhere is still found. The launchers are ``LSUIElement`` apps
(no Dock icon for the moment they run) and are signed with the app (docs/it-deployment.md).

Built on any OS (only plistlib and files), so the tests check the bundles on Linux;
``pkgbuild`` itself runs only on a Mac.
"""

from __future__ import annotations

import os
import plistlib
import shutil
from pathlib import Path

from buildlib.common import BuildError

#: DeviceCheck.app's CFBundleIdentifier (devicecheck.paths.MACOS_BUNDLE_ID; the spec sets it).
APP_BUNDLE_ID = "uk.gov.devicecheck"
#: command -> the launcher's name in /Applications (the names the deb's menu entries use).
LAUNCHERS: dict[str, str] = {
    "report": "DeviceCheck \u2014 report",
    "precall": "DeviceCheck \u2014 before your call",
}

SCRIPT = """\
#!/bin/sh
# {name}: opens DeviceCheck's {what} (devicecheck {command}) through DeviceCheck.app,
# found by its bundle identifier; built by installer/buildlib/maclaunch.py.
exec /usr/bin/open -n -b {bundle_id} --args {command}
"""
WHAT = {"report": "report window", "precall": "pre-call window"}


def info_plist(command: str, version: str) -> dict[str, object]:
    name = LAUNCHERS[command]
    # Apple: both version keys are at most three period-separated integers; IT's fourth
    # part (a rebuild) is the pkg's version, which is what Installer compares.
    version = ".".join(version.split(".")[:3])
    return {
        "CFBundleName": name,
        "CFBundleDisplayName": name,
        "CFBundleIdentifier": f"{APP_BUNDLE_ID}.{command}",
        "CFBundleExecutable": f"devicecheck-{command}",
        "CFBundlePackageType": "APPL",
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "LSMinimumSystemVersion": "14.0",
        "LSUIElement": True,
    }


def build_launcher(out_dir: Path, command: str, version: str) -> Path:
    """``out_dir/<name>.app`` for ``command`` (replaced if present); returns the bundle."""
    if command not in LAUNCHERS:
        raise BuildError(f"no launcher for {command!r} (known: {', '.join(LAUNCHERS)})")
    name = LAUNCHERS[command]
    app = out_dir / f"{name}.app"
    if app.exists():
        shutil.rmtree(app)
    macos = app / "Contents" / "MacOS"
    macos.mkdir(parents=True)
    plist = info_plist(command, version)
    (app / "Contents" / "Info.plist").write_bytes(plistlib.dumps(plist))
    (app / "Contents" / "PkgInfo").write_text("APPL????", encoding="ascii")
    script = macos / str(plist["CFBundleExecutable"])
    script.write_text(SCRIPT.format(name=name, what=WHAT[command], command=command,
                                    bundle_id=APP_BUNDLE_ID), encoding="utf-8")
    for dirpath, dirnames, filenames in os.walk(app):
        for d in dirnames:
            os.chmod(Path(dirpath) / d, 0o755)
        for f in filenames:
            os.chmod(Path(dirpath) / f, 0o644)
    os.chmod(app, 0o755)
    os.chmod(script, 0o755)
    return app


def build_launchers(out_dir: Path, version: str) -> list[Path]:
    """Both launchers into ``out_dir`` (the pkg root's Applications folder)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [build_launcher(out_dir, command, version) for command in LAUNCHERS]


__all__ = ["APP_BUNDLE_ID", "LAUNCHERS", "build_launcher", "build_launchers", "info_plist"]
