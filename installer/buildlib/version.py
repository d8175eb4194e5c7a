"""The package version IT builds: the app's own X.Y.Z, optionally with a fourth part B.

IT rebuilds the same release whenever its baked-in policy changes; the fourth part makes each
rebuild a distinct, higher package version (``0.1.0`` < ``0.1.0.1`` < ``0.1.0.2`` for both
dpkg and Windows Installer) without pretending to be another release of the app.
"""

from __future__ import annotations

import re

from buildlib.common import VERSION, BuildError

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?$")
#: Windows Installer's ProductVersion limits: major.minor.build[.revision] with major and
#: minor at most 255 and the others at most 65535 (Microsoft, "ProductVersion property").
_MSI_LIMITS = (255, 255, 65535, 65535)


def package_version(requested: str | None) -> str:
    """``requested`` (``--version``) checked, or the app's version when none was given.

    The first three parts must be the app's own version: the fourth is IT's rebuild number,
    and a package must never claim to be a release it does not contain."""
    if requested is None:
        return VERSION
    m = _VERSION.match(requested)
    if not m:
        raise BuildError(f"--version {requested!r}: expected X.Y.Z or X.Y.Z.B, digits only "
                         f"(for example {VERSION}.1)")
    parts = [int(p) for p in m.groups() if p is not None]
    for value, limit in zip(parts, _MSI_LIMITS, strict=False):
        if value > limit:
            raise BuildError(f"--version {requested}: {value} is over {limit}, the most "
                             "Windows Installer allows in that place")
    if ".".join(m.groups()[:3]) != VERSION:
        raise BuildError(f"--version {requested}: must start with this app's version "
                         f"{VERSION} (add a fourth part for a rebuild: {VERSION}.1)")
    # No leading zeros: dpkg and Windows Installer would read 0.1.0.01 as 0.1.0.1 anyway,
    # and two spellings of one version make two file names.
    return ".".join(str(p) for p in parts)
