"""Meeting and recording signal sources: one module each, registered here.

Adding a source: write a module with a ``SignalSource`` subclass (``base.py``) and add one
line to ``REGISTRY``. The line says everything the rest of DeviceCheck needs: where the
class is (an import path, so the tray imports only the sources this laptop uses: a
source's module may pull in Qt networking or psutil helpers), the officer's words for it
("Meetings detected from …", ``teams/detection.py``) and its name in policy (a choice of
``[teams] disabled_sources``: the policy model reads ``policy_values`` through
``policy/contributions.py``, so validation, ``policy show``, ``docs/policy.md``, ADMX and
Intune follow). Registry order is the
order the monitor builds sources in and the officer's sentence names them: strongest first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from devicecheck.policy import Policy
from devicecheck.teams.sources.base import Reading, SignalSource, SourceContext

#: A registered name, or a class (tests pass their own sources).
SourceSpec = str | type[SignalSource]


@dataclass(frozen=True)
class SourceEntry:
    """One registered source (its key in ``REGISTRY`` is the class's ``name``, the pinned
    ``detail.source`` word)."""

    #: "module:Class".
    target: str
    #: The officer's words in "Meetings detected from …".
    phrase: str
    #: Its word in ``[teams] disabled_sources``; None: policy cannot switch it off by name
    #: (an ``opt_in`` source is off unless IT switches it on).
    policy_name: str | None
    #: Used only where IT switches it on (the retired local API: ``[teams] local_api``).
    opt_in: bool = False


_PKG = "devicecheck.teams.sources"

REGISTRY: dict[str, SourceEntry] = {
    "log": SourceEntry(f"{_PKG}.log:LogSource", "Teams' log", "log"),
    "power": SourceEntry(f"{_PKG}.power:PowerSource", "Teams' call-in-progress signal", "power"),
    "api": SourceEntry(f"{_PKG}.api:ApiSource", "the Teams local API", None, opt_in=True),
    "audiosession": SourceEntry(f"{_PKG}.audiosession:AudioSessionSource",
                                "Teams' microphone capture", "audiosession"),
    "capability": SourceEntry(f"{_PKG}.capability:CapabilitySource",
                              "microphone and camera use", "capability"),
    "audio": SourceEntry(f"{_PKG}.audio:AudioSource", "audio capture", "audio"),
    "camera": SourceEntry(f"{_PKG}.camera:CameraSource", "camera use", "camera"),
    "window": SourceEntry(f"{_PKG}.window:WindowSource", "the meeting window", "window"),
}


def phrases() -> dict[str, str]:
    """Each registered source's officer words, in registry order."""
    return {name: entry.phrase for name, entry in REGISTRY.items()}


def policy_values() -> dict[str, str]:
    """The ``[teams] disabled_sources`` choices (policy name -> itself), in registry order."""
    return {e.policy_name: e.policy_name for e in REGISTRY.values() if e.policy_name}


def runnable(policy: Policy) -> list[str]:
    """The registered sources this policy may run, ``disabled_sources`` aside: the opt-in
    ones only where IT switches them on (the pilot runs these whatever is switched off)."""
    return [name for name, entry in REGISTRY.items()
            if not entry.opt_in or policy.local_api_on()]


def enabled(policy: Policy) -> list[str]:
    """The registered sources this policy uses, in registry order."""
    off = set(policy.teams.disabled_sources)
    return [name for name in runnable(policy) if REGISTRY[name].policy_name not in off]


def load(name: str) -> type[SignalSource]:
    module, _, cls = REGISTRY[name].target.partition(":")
    source: type[SignalSource] = getattr(importlib.import_module(module), cls)
    return source


@dataclass(frozen=True)
class Built:
    """One source built for a context: ``source`` when it can run here, else None with the
    reason (``unavailable``), and what it would see here (``says``: None when it could not
    even be loaded, ``error`` the exception's type and words)."""

    name: str
    source: SignalSource | None
    unavailable: str | None = None
    says: frozenset[str] | None = None
    error: str | None = None


def build(spec: SourceSpec, ctx: SourceContext,
          emit: Callable[[str], Callable[[Reading], None]]) -> Built:
    """Load and construct one source and ask whether it can run here; ``emit(name)`` gives
    its reading callback. Never raises: a source that fails to load or construct is told
    apart (``error``), so one broken source never stops the monitor or the pilot."""
    name = spec if isinstance(spec, str) else getattr(spec, "name", "?")
    try:
        cls = load(spec) if isinstance(spec, str) else spec
        source = cls(ctx, emit(cls.name))
        reason = source.unavailable()
    except Exception as exc:  # noqa: BLE001 - reported as "could not be loaded"
        return Built(name, None, f"could not be loaded ({type(exc).__name__}: {exc})",
                     error=type(exc).__name__)
    says = frozenset(source.says())
    if reason:
        return Built(cls.name, None, reason, says)
    return Built(cls.name, source, None, says)
