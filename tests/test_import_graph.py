"""The import graph of ``src/devicecheck`` has no cycles (issues 16 and 28).

Edges come from the modules' own ``import`` statements, read with ``ast``: top-level and
function-level imports of ``devicecheck.*`` count (an import inside a function that breaks
a cycle at import time still ties the two modules together), and so do imports under
``if TYPE_CHECKING:`` (issue 28: they never run, but a module that names another's types
depends on it as much; the tray's parts named the controller that way and formed a
cycle). ``from devicecheck.pkg import name`` is an edge to ``devicecheck.pkg.name`` when
that is a module, else to ``devicecheck.pkg``. Importing a submodule also runs its
packages' ``__init__``; a package's ``__init__`` is a node like any module, so an
``__init__`` that imports its own submodules shows up too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "devicecheck"


def module_files() -> dict[str, Path]:
    """Module name -> file, for every module of the package."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(node: ast.AST, *, type_only: bool = True) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import under ``node``; those guarded by ``if TYPE_CHECKING:`` only when
    ``type_only`` (the default: they count)."""
    for child in ast.iter_child_nodes(node):
        if not type_only and isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:  # the ``else:`` branch runs
                yield from _imports_of(other, type_only=type_only)
            continue
        yield from _imports_of(child, type_only=type_only)


def _imports_of(node: ast.AST, *, type_only: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node, type_only=type_only)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(*, type_only: bool = True) -> dict[str, set[str]]:
    """Module -> the package modules it imports (``type_only``: counting imports under
    ``if TYPE_CHECKING:``)."""
    files = module_files()
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in _imports(tree, type_only=type_only):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(name, is_package, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                           for a in node.names]
            for target in targets:
                while target and target not in files:  # "devicecheck.x.attr" -> module
                    target = target.rpartition(".")[0]
                if target.startswith(PACKAGE) and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


#: Cycles left for their owners, each to be removed from here when it is broken, so that
#: this list only ever shrinks. Empty: none is known (the last ones, the tray's parts
#: naming the controller for their types, went with issue 28).
KNOWN_CYCLES: list[list[str]] = []


def test_graph_is_read_from_the_sources() -> None:
    graph = import_graph()
    assert "devicecheck.ui.tray.controller" in graph
    assert "devicecheck.ui.tray.window_manager" in graph["devicecheck.ui.tray.controller"]
    # A function-level import is an edge: the window manager opens the report window lazily.
    assert "devicecheck.ui.windows.report_window" in graph["devicecheck.ui.tray.window_manager"]
    # So is a TYPE_CHECKING import (the window manager names the report's type only
    # there), unless the graph is asked for run-time imports alone.
    wm = "devicecheck.ui.tray.window_manager"
    assert "devicecheck.report" in graph[wm]
    assert "devicecheck.report" not in import_graph(type_only=False)[wm]


def test_no_tray_part_imports_the_controller() -> None:
    """Issue 28: the parts are written against Protocols (``HookHost``, ``LinkHost``,
    ``WindowHost``), so the controller composes them and none depends on it."""
    graph = import_graph()
    controller = "devicecheck.ui.tray.controller"
    parts = sorted(m for m in graph[controller] if m.startswith("devicecheck.ui.tray."))
    assert {"devicecheck.ui.tray.teams_link", "devicecheck.ui.tray.window_manager",
            "devicecheck.ui.tray.log_folder", "devicecheck.ui.tray.hooks"} <= set(parts)
    assert [m for m in parts if controller in graph[m]] == []


def test_the_cleaner_does_not_import_the_teams_link() -> None:
    """Issue 28: the restart flow is given "is a meeting on?" as a callable; the one-shot
    read of the sources lives in ``teams/oneshot.py``."""
    graph = import_graph()
    assert {m: sorted(t for t in targets if t.startswith("devicecheck.teams"))
            for m, targets in graph.items()
            if m.startswith("devicecheck.cleaner")
            and any(t.startswith("devicecheck.teams") for t in targets)} == {}


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_src() -> None:
    found = cycles(import_graph())
    new = [c for c in found if c not in KNOWN_CYCLES]
    assert new == [], f"import cycles: {new}"
    # A known cycle that is gone must leave the list too (it only ever shrinks).
    assert [c for c in KNOWN_CYCLES if c not in found] == []


def test_no_import_cycle_touches_the_ui() -> None:
    for cycle in cycles(import_graph()):
        assert not any(m.startswith(("devicecheck.ui", "devicecheck.qtsupport"))
                       for m in cycle), cycle
