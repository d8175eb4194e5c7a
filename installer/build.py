"""Build DeviceCheck for IT: ``python installer/build.py deb|msi|freeze|generate``.

    python installer/build.py freeze                        PyInstaller onedir in dist/devicecheck
    python installer/build.py deb [--policy FILE] [--payload DIR] [--version X.Y.Z[.B]]
                                                            dist/devicecheck_<version>_amd64.deb
    python installer/build.py msi --payload DIR [--policy FILE] [--version X.Y.Z[.B]]
                                                            dist/devicecheck-<version>-x64.msi
    python installer/build.py generate [--check]            ADMX/ADML, docs/policy.md, Intune
                                                            rules, macOS sample profile
    python installer/build.py mac-launchers DIR [--version X.Y.Z[.B]]
                                                            the Mac's "DeviceCheck — report"
                                                            and "— before your call" apps

``--policy FILE`` bakes IT's policy into the package; it is validated first and the build
stops on any error. ``--version`` is the package version: the app's own X.Y.Z (the
default) or X.Y.Z.B, a fourth part IT raises each time it rebuilds the same release with a
changed policy, so the new package upgrades the old one in place. ``deb`` freezes the app first unless ``--payload`` names an already
frozen folder (the tests use a small staged one to keep CI fast). Exit codes: 0 built,
1 build failed, 2 usage or policy error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from buildlib.common import BuildError
from buildlib.policyfile import PolicyFileError

_VERSION_HELP = ("package version (default: the app's version); add a fourth part for "
                 "each rebuild of the same release, e.g. 0.1.0.1, 0.1.0.2")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="installer/build.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="target", required=True, metavar="TARGET")
    sub.add_parser("freeze", help="PyInstaller onedir for this OS (dist/devicecheck)")
    deb = sub.add_parser("deb", help="Debian package (dist/devicecheck_<version>_amd64.deb)")
    deb.add_argument("--policy", type=Path, metavar="FILE", help="machine policy to bake in")
    deb.add_argument("--payload", type=Path, metavar="DIR",
                     help="an already frozen onedir (default: freeze now)")
    deb.add_argument("--version", metavar="X.Y.Z[.B]", help=_VERSION_HELP)
    msi = sub.add_parser("msi", help="Windows MSI from a frozen payload (wixl here, WiX on Windows)")
    msi.add_argument("--payload", type=Path, metavar="DIR", required=True,
                     help="the Windows onedir (dist\\devicecheck from a Windows freeze)")
    msi.add_argument("--policy", type=Path, metavar="FILE", help="machine policy to bake in")
    msi.add_argument("--version", metavar="X.Y.Z[.B]", help=_VERSION_HELP)
    mac = sub.add_parser("mac-launchers",
                         help="the Mac's report and before-your-call launcher apps into DIR")
    mac.add_argument("out_dir", type=Path, metavar="DIR",
                     help="where they go: the pkg root's Applications folder")
    mac.add_argument("--version", metavar="X.Y.Z[.B]", help=_VERSION_HELP)
    gen = sub.add_parser("generate", help="regenerate the files made from the policy model")
    gen.add_argument("--check", action="store_true",
                     help="only report files that differ from what the model gives (exit 1)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.target == "freeze":
            from buildlib.freeze import freeze

            freeze()
        elif args.target == "deb":
            from buildlib.deb import build_deb

            print(build_deb(policy=args.policy, payload=args.payload, version=args.version))
        elif args.target == "msi":
            from buildlib.msi import build_msi

            print(build_msi(payload=args.payload, policy=args.policy, version=args.version))
        elif args.target == "mac-launchers":
            from buildlib.maclaunch import build_launchers
            from buildlib.version import package_version

            for app in build_launchers(args.out_dir, package_version(args.version)):
                print(app)
        else:
            from buildlib.generate import generate

            stale = generate(check=args.check)
            for path in stale:
                print(f"{'out of date' if args.check else 'wrote'}: {path}")
            return 1 if args.check and stale else 0
    except PolicyFileError as exc:
        print(f"policy not baked in: {exc}", file=sys.stderr)
        return 2
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
