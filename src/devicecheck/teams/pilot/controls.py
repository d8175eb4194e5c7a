"""The interface names in the Teams window's accessibility tree (pure, given the nodes).

The pilot learns from what Teams shows in each step (``learn.py``). It reads the tree
with the recording source's own walk (``a11y.base.look``: breadth first, a deadline,
content — chat, documents, lists of people — never entered), asking it for nothing, so
it reads the whole tree; each node the walk reads is noted here as it goes, and only
when its role is an interface role (status, label, image, button). Nothing is noted
about a node in a content role: its role is read, then the walk moves on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devicecheck.teams.a11y.base import INDICATOR_ROLES, MAX_NODES, Node, look

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Control:
    """An element's common role, accessible name and automation id ("" where none)."""

    role: str
    name: str
    ident: str = ""


class _Noted:
    """A node that notes itself (when in an interface role) as the walk reads its role."""

    __slots__ = ("_node", "_sink")

    def __init__(self, node: Node, sink: set[Control]) -> None:
        self._node, self._sink = node, sink

    @property
    def role(self) -> str:
        role = self._node.role
        if role in INDICATOR_ROLES:
            name = _SPACE.sub(" ", self._node.name or "").strip()
            ident = str(getattr(self._node, "ident", "") or "")
            if name or ident:
                self._sink.add(Control(role, name, ident))
        return role

    @property
    def name(self) -> str:
        return self._node.name

    @property
    def ident(self) -> str:
        return str(getattr(self._node, "ident", "") or "")

    def children(self, timeout_s: float) -> Sequence[_Noted]:
        return [_Noted(k, self._sink) for k in self._node.children(timeout_s)]


def interface_names(windows: Sequence[Node], *, deadline_s: float = 1.0,
                    clock: Callable[[], float] = time.monotonic,
                    max_nodes: int = MAX_NODES) -> tuple[frozenset[Control], bool]:
    """The controls in interface roles under ``windows``, and whether the walk read the
    whole tree (False: the deadline or the node cap stopped it)."""
    sink: set[Control] = set()
    result = look([_Noted(w, sink) for w in windows], (), (), deadline_s=deadline_s,
                  clock=clock, max_nodes=max_nodes)
    return frozenset(sink), not result.abandoned
