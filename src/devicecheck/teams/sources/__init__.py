"""Meeting and recording signal sources: one module each, registered here.

Adding a source: write a module with a ``SignalSource`` subclass (``base.py``) and add one
line to ``REGISTRY``. Entries are import paths, so the tray imports only the sources this
laptop uses (a source's module may pull in Qt networking or psutil helpers).
"""

from __future__ import annotations

import importlib

from devicecheck.policy import Policy
from devicecheck.teams.sources.base import SignalSource

#: name -> "module:Class". The name is the pinned ``detail.source`` word.
REGISTRY: dict[str, str] = {
    "log": "devicecheck.teams.sources.log:LogSource",
    "power": "devicecheck.teams.sources.power:PowerSource",
    "audiosession": "devicecheck.teams.sources.audiosession:AudioSessionSource",
    "capability": "devicecheck.teams.sources.capability:CapabilitySource",
    "audio": "devicecheck.teams.sources.audio:AudioSource",
    "camera": "devicecheck.teams.sources.camera:CameraSource",
    "api": "devicecheck.teams.sources.api:ApiSource",
    "window": "devicecheck.teams.sources.window:WindowSource",
}

#: Sources that are only used where IT switches them on (the retired API).
OPT_IN: frozenset[str] = frozenset({"api"})


def enabled(policy: Policy) -> list[str]:
    """The registered sources this policy uses, in registry order."""
    off = set(policy.teams.disabled_sources)
    return [name for name in REGISTRY
            if name not in off and (name not in OPT_IN or policy.local_api_on())]


def load(name: str) -> type[SignalSource]:
    module, _, cls = REGISTRY[name].partition(":")
    source: type[SignalSource] = getattr(importlib.import_module(module), cls)
    return source
