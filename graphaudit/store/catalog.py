"""The Cypher catalogue: ``graphaudit/cypher/<name>.cypher`` is Neo4j's text; ``<name>.ladybug.cypher``
sits beside it only where the embedded engine needs other syntax.  Each file opens with a ``//`` header
comment saying what it does and its parameters.  Read through :mod:`importlib.resources`, so an installed
wheel has them.

Only the stores read it (``GraphStore.run_named``): a store picks its dialect, the caller names the query."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from graphaudit.errors import GraphAuditError

__all__ = [
    "CYPHER_DIR",
    "CatalogError",
    "load_query",
    "query_names",
    "query_reads",
    "query_text",
    "MAX_BOUND",
]

CYPHER_DIR: Traversable = resources.files("graphaudit") / "cypher"

#: The largest variable-length bound a query may be given.
MAX_BOUND = 10

_BOUND = re.compile(r"(\d+)\s*/\*(\w+)\*/")


class CatalogError(GraphAuditError):
    """A query that is not in the catalogue, or a bound that is not a small int."""


def query_names() -> list[str]:
    """Names of all catalogued queries."""
    return sorted(
        p.name.removesuffix(".cypher")
        for p in CYPHER_DIR.iterdir()
        if p.name.endswith(".cypher") and not p.name.endswith(".ladybug.cypher")
    )


@cache
def load_query(name: str, dialect: str = "neo4j") -> str:
    """The text of query ``name`` for ``dialect`` ("neo4j" or "ladybug")."""
    if dialect == "ladybug":
        variant = CYPHER_DIR / f"{name}.ladybug.cypher"
        if variant.is_file():
            return variant.read_text(encoding="utf-8")
    path = CYPHER_DIR / f"{name}.cypher"
    if not path.is_file():
        raise CatalogError(f"no query named {name!r} in the catalogue (graphaudit/cypher)")
    return path.read_text(encoding="utf-8")


def query_text(name: str, dialect: str, bounds: Mapping[str, int] | None = None) -> str:
    """Query ``name`` in ``dialect`` with its bounds: a number marked ``/*key*/`` in the text (a
    variable-length bound, which Cypher cannot parameterise) is replaced by ``bounds[key]``, which must be an
    int from 0 to :data:`MAX_BOUND` — it never comes from a user string unvalidated."""
    text = load_query(name, dialect)
    if not bounds:
        return text
    for k, v in bounds.items():
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_BOUND:
            raise CatalogError(f"{name}: bound {k} must be an int from 0 to {MAX_BOUND}, got {v!r}")

    def sub(m: re.Match[str]) -> str:
        return f"{bounds[m.group(2)]} /*{m.group(2)}*/" if m.group(2) in bounds else m.group(0)

    return _BOUND.sub(sub, text)


#: ``:Label`` or ``:TYPE|OTHER`` (alternatives: one of them will do).
_MATCHED = re.compile(r":\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*\|\s*:?\s*[A-Za-z_][A-Za-z0-9_]*)*)")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


@cache
def query_reads(name: str) -> tuple[tuple[str, ...], ...]:
    """The node labels and relationship types catalogue query ``name`` matches, in order; a tuple of
    several is an alternative (``[:LEGAL_REP_OF|SHAREHOLDER_OF]``).  What a check needs of the data."""
    from graphaudit.model import MODEL

    text = _COMMENT.sub("", load_query(name))
    known = set(MODEL.nodes) | set(MODEL.rels)
    out: list[tuple[str, ...]] = []
    for m in _MATCHED.finditer(text):
        names = tuple(n for n in re.split(r"[\s|:]+", m.group(1)) if n in known)
        if names and names not in out:
            out.append(names)
    return tuple(out)
