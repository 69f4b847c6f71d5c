"""The Cypher catalogue: ``cypher/<name>.cypher`` is Neo4j's text; ``cypher/<name>.ladybug.cypher`` sits beside
it only where the embedded engine needs other syntax.  Each file opens with a ``//`` header comment saying
what it does and its parameters."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from graphaudit.errors import GraphAuditError

__all__ = ["CYPHER_DIR", "load_query", "query_names"]

CYPHER_DIR = Path(__file__).resolve().parents[2] / "cypher"


def query_names() -> list[str]:
    """Names of all catalogued queries."""
    return sorted(p.name.removesuffix(".cypher") for p in CYPHER_DIR.glob("*.cypher")
                  if not p.name.endswith(".ladybug.cypher"))


@lru_cache(maxsize=None)
def load_query(name: str, dialect: str = "neo4j") -> str:
    """The text of query ``name`` for ``dialect`` ("neo4j" or "ladybug")."""
    if dialect == "ladybug":
        variant = CYPHER_DIR / f"{name}.ladybug.cypher"
        if variant.exists():
            return variant.read_text(encoding="utf-8")
    path = CYPHER_DIR / f"{name}.cypher"
    if not path.exists():
        raise GraphAuditError(f"no query named {name!r} in {CYPHER_DIR}")
    return path.read_text(encoding="utf-8")
