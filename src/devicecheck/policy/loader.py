"""Layered policy: defaults < machine file (or ``--policy FILE``) < registry < managed prefs.

The machine file comes from the one fixed system folder (``paths.system_config_dir``) and
is applied only when it is IT's (root/administrators own it, no one else can write it).
``--policy FILE`` replaces it for IT trying a policy and for tests; a file that does not
meet the same rule could have been written by the officer, so the layer is named
``explicit-file:`` and ``policy-health`` is pinned to required and fails: a report built
from it can never say Ready (issue 17: an officer issuing their own READY). Such a file
cannot switch the OS-log copy off either (``audit.os_log`` stays true): that copy is IT's
evidence, so only IT's own places may turn it off (issue 29)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from devicecheck import paths
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy.model import Policy, Severity
from devicecheck.policy.schema import PolicyError, build_policy
from devicecheck.policy.sources import (
    MAX_POLICY_BYTES,
    Layer,
    file_layer,
    managed_prefs_layer,
    parse_toml_layer,
    read_trusted,
    registry_layer,
)
from devicecheck.probes.registry import RegistryReader, default_registry

DEFAULTS = "defaults"


@dataclass(frozen=True)
class LoadedPolicy:
    """The effective policy, where each value came from, and what went wrong loading it."""

    policy: Policy = field(default_factory=Policy)
    sources: tuple[str, ...] = (DEFAULTS,)
    errors: tuple[PolicyError, ...] = ()
    origins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Why the policy in force is not the machine's: an explicit file a user could have
    #: written ("" when the policy came from IT's own places).
    not_machine_policy: str = ""

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULTS)

    @property
    def machine_policy_present(self) -> bool:
        return any(s != DEFAULTS for s in self.sources)


def load_policy(policy_file: Path | None = None, *, os_name: OsName | None = None,
                registry: RegistryReader | None = None,
                managed_prefs: Path | None = None) -> LoadedPolicy:
    """Load every layer that exists. ``policy_file`` replaces the machine file (for IT
    trying a policy) and is not subject to the machine file's permission rule."""
    os_name = os_name or current_os()
    layers: list[Layer] = []
    untrusted = ""
    if policy_file is not None:
        layer, untrusted = _explicit_layer(policy_file)
        layers.append(layer)
    else:
        machine = file_layer(paths.machine_policy_file(os_name), machine=True)
        if machine:
            layers.append(machine)
    if os_name == "windows":
        reader = registry if registry is not None else default_registry()
        if reader is not None and (reg := registry_layer(reader)):
            layers.append(reg)
    if os_name == "macos":
        mp = managed_prefs_layer(managed_prefs or paths.managed_prefs_file())
        if mp:
            layers.append(mp)
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    errors: list[PolicyError] = []
    for layer in layers:
        merged.update(layer.values)
        origins.update(dict.fromkeys(layer.values, layer.name))
        errors.extend(layer.errors)
    if untrusted:
        # Whatever the file says, the check that says "not the machine policy" stays on,
        # and so does the OS-log copy of every audit record (IT's evidence).
        merged[PINNED] = Severity.REQUIRED
        origins[PINNED] = DEFAULTS
        if merged.get(OS_LOG) is False:
            errors.append(PolicyError(f"{EXPLICIT}{policy_file}", "ignored: only the machine "
                                      "policy can switch the OS-log copy off", OS_LOG))
        merged[OS_LOG] = True
        origins[OS_LOG] = DEFAULTS
    return LoadedPolicy(build_policy(merged), (DEFAULTS, *(layer.name for layer in layers)),
                        tuple(errors), MappingProxyType(origins), untrusted)


PINNED = "severity.policy-health"
OS_LOG = "audit.os_log"


def _explicit_layer(path: Path) -> tuple[Layer, str]:
    """The ``--policy FILE`` layer and why it is not IT's ("" when it is)."""
    try:
        raw, why = read_trusted(path, limit=MAX_POLICY_BYTES)
    except FileNotFoundError:
        return Layer(f"file:{path}", errors=[PolicyError(f"file:{path}", "no such file")]), ""
    except OSError as exc:
        name = f"file:{path}"
        return Layer(name, errors=[PolicyError(name, f"cannot read the file: "
                                                     f"{exc.strerror or exc}")]), ""
    if not why:
        return parse_toml_layer(raw, f"file:{path}"), ""
    return parse_toml_layer(raw, f"{EXPLICIT}{path}"), why


EXPLICIT = "explicit-file:"
