"""Layered policy: defaults < machine file (or ``--policy FILE``) < registry < managed prefs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from devicecheck import paths
from devicecheck.osinfo import OsName, current_os
from devicecheck.policy.model import Policy
from devicecheck.policy.schema import PolicyError, build_policy
from devicecheck.policy.sources import Layer, file_layer, managed_prefs_layer, registry_layer
from devicecheck.probes.registry import RegistryReader, default_registry

DEFAULTS = "defaults"


@dataclass(frozen=True)
class LoadedPolicy:
    """The effective policy, where each value came from, and what went wrong loading it."""

    policy: Policy = field(default_factory=Policy)
    sources: tuple[str, ...] = (DEFAULTS,)
    errors: tuple[PolicyError, ...] = ()
    origins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

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
    if policy_file is not None:
        layer = file_layer(policy_file, machine=False)
        layers.append(layer or Layer(f"file:{policy_file}",
                                     errors=[PolicyError(f"file:{policy_file}", "no such file")]))
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
    return LoadedPolicy(build_policy(merged), (DEFAULTS, *(layer.name for layer in layers)),
                        tuple(errors), MappingProxyType(origins))
