"""The Cypher catalogue: ``graphaudit/cypher/<name>.cypher`` is Neo4j's text; ``<name>.ladybug.cypher`` sits
beside it only where the embedded engine needs other syntax.  Each file opens with a ``//`` header comment saying
what it does and its parameters.  Read through :mod:`importlib.resources`, so an installed wheel has them."""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from graphaudit.errors import GraphAuditError

__all__ = ["CYPHER_DIR", "load_query", "query_names"]

CYPHER_DIR: Traversable = resources.files("graphaudit") / "cypher"


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
        raise GraphAuditError(f"no query named {name!r} in the catalogue (graphaudit/cypher)")
    return path.read_text(encoding="utf-8")
