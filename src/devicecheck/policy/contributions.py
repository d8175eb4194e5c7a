"""Values other packages contribute to the policy model, through an interface it owns.

Three settings take their values from registries elsewhere: the per-check severities (the
check ids and each one's default, ``checks/registry.py``), ``[cleaner] clients`` (the
catalogued Teams clients) and ``[teams] disabled_sources`` (the meeting signal sources,
``teams/sources/__init__.py``). The model does not import those packages: they import the
policy themselves, and the check and cleaner code must not load with every policy (nor a
cycle hide behind lazy imports). So the model declares a ``Choices`` slot by name, and each
registry offers a plain function (its provider) that ``devicecheck/contributors.py`` names
by "module:function", as packaging entry points would; the first read of a slot imports
that module. So the registries stay plain data, importing nothing of the policy either
(the tray's first words, before its icon, come from the check registry).
``contribute(slot, provider)`` puts another provider in a slot's place (a test's own).

A slot is read live: its provider is called on every read, so a source added to its
registry at run time is in the choices at once. Validation, ``policy show``, the docs,
ADMX and Intune all read the field metadata, and through it the same slot.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import cast, overload

#: A registry's contribution: its ids in order, each with one value (a check's default
#: severity; the id itself where there is nothing more to say).
Provider = Callable[[], Mapping[str, str]]

_PROVIDERS: dict[str, Provider] = {}

CHECKS = "checks"
CLIENTS = "clients"
SIGNAL_SOURCES = "signal-sources"


def contribute(slot: str, provider: Provider) -> None:
    """Fill ``slot`` with ``provider`` instead of the one ``contributors.py`` names."""
    _PROVIDERS[slot] = provider


def provided(slot: str) -> Mapping[str, str]:
    """What fills ``slot`` now. Raises ``LookupError`` when nothing fills it, rather than
    answer with no choices (an empty ``clients`` default would clean nothing)."""
    provider = _PROVIDERS.get(slot) or _entry(slot)
    return MappingProxyType(dict(provider()))


def _entry(slot: str) -> Provider:
    from devicecheck.contributors import PROVIDERS

    target = PROVIDERS.get(slot)
    if target is None:
        raise LookupError(f"no registry fills the policy's {slot!r} values "
                          "(devicecheck/contributors.py names none)")
    module, _, name = target.partition(":")
    found: object = getattr(importlib.import_module(module), name, None)
    if not callable(found):
        # A registry still being imported (a cycle), or a wrong name in contributors.py.
        raise LookupError(f"no registry fills the policy's {slot!r} values ({target} "
                          "is not there yet)")
    provider = cast(Provider, found)
    _PROVIDERS[slot] = provider
    return provider


class Choices(Sequence[str]):
    """The ids one registry contributes, in its order, read on every use; a field's
    ``choices`` (or ``keys``) in the model. ``defaults()`` gives each id's value."""

    __slots__ = ("slot",)

    def __init__(self, slot: str) -> None:
        self.slot = slot

    def ids(self) -> tuple[str, ...]:
        return tuple(provided(self.slot))

    def defaults(self) -> Mapping[str, str]:
        return provided(self.slot)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self.ids()[index]

    def __len__(self) -> int:
        return len(provided(self.slot))

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids())

    def __contains__(self, value: object) -> bool:
        return value in provided(self.slot)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self.ids() == tuple(other)
        return NotImplemented


    def __repr__(self) -> str:
        return f"Choices({self.slot!r})"   # no read: a repr never raises
