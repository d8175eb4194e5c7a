"""IT's policy file, validated with the app's own reader before it is baked into a package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from buildlib.common import INSTALLER
from devicecheck.policy.sources import file_layer

#: Baked in when IT gives no --policy: defaults, plus the one fact the installer knows.
DEFAULT_POLICY = INSTALLER / "policy" / "default-policy.toml"


class PolicyFileError(Exception):
    """IT's policy file would be rejected by the app; nothing is built."""


def load_policy_file(path: Path | None) -> tuple[Path, dict[str, Any]]:
    """The policy file to bake (IT's or the default) and its validated dotted values."""
    chosen = path or DEFAULT_POLICY
    layer = file_layer(chosen, machine=False)
    if layer is None:
        raise PolicyFileError(f"{chosen}: no such file")
    if layer.errors:
        raise PolicyFileError("\n".join(str(e) for e in layer.errors))
    return chosen, dict(layer.values)
