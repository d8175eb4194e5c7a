"""Learn from the Teams window what this laptop's Teams shows (pure).

During the pilot the runner takes snapshots of the interface names in the Teams
window's accessibility tree (``a11y.base.interface_names``: controls in status, label,
image and button roles; chat, documents and lists of people are never entered). Here:

- names and ids seen while recording (``record``) and in none of the steps where nothing
  records (``idle``, ``join``, ``after``) are candidates for ``[recording]
  indicator_names``: Teams' recording indicator, in whatever language Teams speaks here;
- automation ids seen in the meeting (``join``) and in neither ``idle`` nor ``after`` are
  the call controls (``hangup-button``...), candidates for the meeting signal.

``stop-record`` and ``leave`` are not baselines: Teams may take a moment to take its
indicator down, and a name still showing then is still the indicator.

Only interface words are ever offered: short (at most ``MAX_WORDS`` words and
``MAX_CHARS`` characters), no digits (clocks, counts, phone numbers), no ``@`` or
address, no ``:`` (an announcement "Name: message" is a person's words); ids must look
like a developer's identifier, without long numbers or GUIDs (a person's id). A control
that carries a participant's name (a video tile) is in every meeting step, so it is
never *only* in ``record``; the rules above are the second fence. A baseline step whose
window could not be read whole means nothing can be learned: a name missed in it would
look new.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from devicecheck.teams.a11y.base import BUTTON, INDICATOR_ROLES, normalise
from devicecheck.teams.pilot.controls import Control

MAX_WORDS = 6
MAX_CHARS = 48
RECORDING_BASELINE: tuple[str, ...] = ("idle", "join", "after")
MEETING_BASELINE: tuple[str, ...] = ("idle", "after")
#: The policy field for call-control ids, once the window source reads them as a meeting
#: signal (the lines to paste are printed only when the policy model has it).
CALL_CONTROL_FIELD = "call_control_ids"

_NOT_WORDS = re.compile(r"[0-9@:/\\<>{}\[\]|=#%]")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_PERSONAL_ID = re.compile(r"\d{3,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}|orgid|8:")


@dataclass(frozen=True)
class Snapshot:
    """The controls seen in one look at the Teams window during ``step``."""

    step: str
    controls: frozenset[Control]
    complete: bool


@dataclass(frozen=True)
class Learned:
    indicator_names: tuple[str, ...] = ()
    call_control_ids: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    looks: dict[str, int] = field(default_factory=dict)   # snapshots per step

    def as_dict(self) -> dict[str, object]:
        return {"indicator_names": list(self.indicator_names),
                "call_control_ids": list(self.call_control_ids),
                "notes": list(self.notes), "looks": dict(self.looks)}


def usable_name(control: Control) -> bool:
    """An interface word, not someone's text (see the module)."""
    name = control.name.strip()
    if control.role not in INDICATOR_ROLES or not name:
        return False
    if len(name) > MAX_CHARS or len(name.split()) > MAX_WORDS or len(name) < 2:
        return False
    return not _NOT_WORDS.search(name)


def usable_ident(ident: str) -> bool:
    return bool(_IDENT.match(ident)) and not _PERSONAL_ID.search(ident)


def _by_step(snapshots: Iterable[Snapshot]) -> dict[str, list[Snapshot]]:
    out: dict[str, list[Snapshot]] = {}
    for s in snapshots:
        out.setdefault(s.step, []).append(s)
    return out


def _words(snaps: Sequence[Snapshot]) -> set[str]:
    """Normalised names and ids of every control in ``snaps`` (for the baselines: every
    control counts there, usable or not)."""
    out: set[str] = set()
    for s in snaps:
        for c in s.controls:
            if c.name:
                out.add(normalise(c.name))
            if c.ident:
                out.add(c.ident.casefold())
    return out


def _baseline(steps: dict[str, list[Snapshot]], names: Sequence[str],
              notes: list[str]) -> set[str] | None:
    missing = [n for n in names if not any(s.complete for s in steps.get(n, ()))]
    if missing:
        notes.append("the Teams window could not be read whole in "
                     + ", ".join(missing) + ", so nothing was learned from it")
        return None
    return set().union(*(_words(steps[n]) for n in names))


def learn(snapshots: Iterable[Snapshot]) -> Learned:
    steps = _by_step(snapshots)
    notes: list[str] = []
    looks = {name: len(snaps) for name, snaps in steps.items()}
    indicators: list[str] = []
    base = _baseline(steps, RECORDING_BASELINE, notes)
    if base is not None:
        if not steps.get("record"):
            notes.append("the Teams window was not read while recording")
        for control in sorted({c for s in steps.get("record", ()) for c in s.controls},
                              key=lambda c: (c.name, c.ident, c.role)):
            if control.name and usable_name(control) \
                    and normalise(control.name) not in base:
                indicators.append(control.name)
            if control.ident and usable_ident(control.ident) \
                    and control.ident.casefold() not in base:
                indicators.append(control.ident)
    calls: list[str] = []
    # Its baseline steps are among the recording's: a note about them is already made.
    base = _baseline(steps, MEETING_BASELINE, notes if not notes else [])
    if base is not None:
        seen = {c.ident for s in steps.get("join", ()) for c in s.controls
                if c.ident and c.role == BUTTON}
        calls = sorted(i for i in seen if usable_ident(i) and i.casefold() not in base)
    return Learned(tuple(_dedupe(indicators)), tuple(calls), tuple(notes), looks)


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = normalise(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def toml_list(values: Iterable[str]) -> str:
    # JSON string escapes (\", \\, \uXXXX) are valid TOML basic strings.
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def policy_lines(learned: Learned, indicator_names: Sequence[str],
                 call_control_ids: Sequence[str] | None = None) -> list[str]:
    """The policy lines IT can paste: the current lists with what was learned added.
    ``call_control_ids``: the policy's current list, None when the model has no such
    field (then no line for it)."""
    lines: list[str] = []
    new = [n for n in learned.indicator_names
           if normalise(n) not in {normalise(x) for x in indicator_names}]
    if new:
        lines += ["[recording]",
                  f"indicator_names = {toml_list(_dedupe([*indicator_names, *new]))}"]
    if call_control_ids is not None:
        calls = [i for i in learned.call_control_ids if i not in call_control_ids]
        if calls:
            lines += ["[teams]",
                      f"{CALL_CONTROL_FIELD} = {toml_list([*call_control_ids, *calls])}"]
    return lines
