"""The package's import graph has no cycle, and the stores load without the checks.

The graph is built from the source (``ast``), not by importing: an edge ``a → b`` for every import ``a`` runs
when it is imported — module level, class bodies, ``if``/``try``/``with`` blocks; not function bodies (lazy
imports there are deliberate) and not ``if TYPE_CHECKING:`` blocks.  Importing ``p.q.m`` runs the ``__init__``
of ``p`` and ``p.q`` first, so an edge also goes to each package on the way that is not already a package of
the importer (its own packages are initialised before it runs).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import graphaudit

ROOT = Path(graphaudit.__file__).parent


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module under ``root`` (a package named ``package``) by dotted name; a package is its __init__."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when a module with this body is imported."""
    out: list[ast.Import | ast.ImportFrom] = []
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            out.append(stmt)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        elif isinstance(stmt, ast.If):
            if not _is_type_checking(stmt.test):
                out += _import_nodes(stmt.body)
            out += _import_nodes(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            out += _import_nodes(stmt.body)
            for handler in stmt.handlers:
                out += _import_nodes(handler.body)
            out += _import_nodes(stmt.orelse) + _import_nodes(stmt.finalbody)
        elif isinstance(stmt, (ast.With, ast.ClassDef, ast.For, ast.While)):
            out += _import_nodes(stmt.body)
    return out


def _packages(name: str) -> list[str]:
    """``a.b.c`` → [``a``, ``a.b``]."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module → the modules of the package that importing it imports directly (see the module docstring)."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        here = name if is_pkg else name.rpartition(".")[0]  # the package relative imports start from
        targets: set[str] = set()
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path)).body):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
                continue
            base = node.module or ""
            if node.level:
                anchor = here.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets.add(base)
            targets |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules}
        mine = set(_packages(name)) | {name}
        edges: set[str] = set()
        for t in targets:
            for m in [*_packages(t), t]:
                if m in modules and m not in mine:
                    edges.add(m)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a list of modules, first repeated at the end) per strongly connected component that has
    one, found with Tarjan's algorithm; in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                comps.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    out = []
    for comp in comps:
        start = min(comp)
        # shortest way back to start inside the component (breadth-first)
        prev: dict[str, str] = {}
        queue = [start]
        found = None
        while queue and found is None:
            nxt = []
            for v in queue:
                for w in sorted(graph[v] & comp):
                    if w == start:
                        found = v
                        break
                    if w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if found is not None:
                    break
            queue = nxt
        path = [start]
        step = found
        while step is not None and step != start:
            path.insert(1, step)
            step = prev.get(step)
        out.append([*path, start])
    return sorted(out)


def test_graphaudit_has_no_import_cycle() -> None:
    graph = import_graph(ROOT, "graphaudit")
    assert len(graph) > 50 and "graphaudit.store.embedded" in graph
    assert "graphaudit.store.base" in graph["graphaudit.store.embedded"]
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" → ".join(c) for c in found)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def test_cycle_finder_names_the_cycle(tmp_path: Path) -> None:
    """The finder sees a cycle through a package's __init__ and a relative import, and ignores lazy and
    TYPE_CHECKING imports."""
    _write(
        tmp_path,
        {
            "__init__.py": "",
            "store/__init__.py": "from pkg.store.base import X\n",
            "store/base.py": "X = 1\n",
            "store/embedded.py": "from ..checks.catalog import load\n",
            "checks/__init__.py": "from pkg.checks import kin\n",
            "checks/catalog.py": "def load(): pass\n",
            "checks/kin.py": (
                "from typing import TYPE_CHECKING\n"
                "from pkg.store import embedded\n"
                "if TYPE_CHECKING:\n    from pkg import lazy\n"
            ),
            "lazy.py": "def f():\n    from pkg.checks import kin\n",
        },
    )
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.store.embedded"] == {"pkg.checks", "pkg.checks.catalog"}
    assert graph["pkg.lazy"] == set() and "pkg.lazy" not in graph["pkg.checks.kin"]
    assert cycles(graph) == [["pkg.checks", "pkg.checks.kin", "pkg.store.embedded", "pkg.checks"]]
    _write(tmp_path, {"store/embedded.py": "def f():\n    from ..checks.catalog import load\n"})
    assert cycles(import_graph(tmp_path, "pkg")) == []


@pytest.mark.parametrize("module", ["graphaudit.store.embedded", "graphaudit.store.neo4j_store"])
def test_a_store_loads_without_the_checks(module: str) -> None:
    """Opening a store (``graphaudit ingest``, a notebook) does not load the checks and the clusters."""
    code = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m.startswith(('graphaudit.checks', 'graphaudit.clusters'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
