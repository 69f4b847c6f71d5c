"""The GraphStore protocol: everything the checks, the API and the exports may ask of a store.

Implementations (embedded.LadybugStore, neo4j_store.Neo4jStore) say little beyond this contract.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import networkx as nx
import pandas as pd

from graphaudit.model import GraphFrames

__all__ = ["GraphStore", "open_store", "DEFAULT_DB"]

DEFAULT_DB = Path("graphaudit.db")


@runtime_checkable
class GraphStore(Protocol):
    """A property graph of the model in ``model.yaml`` plus the normalised source tables it was built from."""

    #: "ladybug" or "neo4j": selects the Cypher dialect of a named query.
    dialect: str

    def read_tables(self) -> dict[str, pd.DataFrame]:
        """The normalised source tables the graph was built from (empty dict for a new store)."""

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        """Make ``tables`` and ``graph`` the store's whole content, atomically: on any failure the store
        keeps its previous content."""

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one read-only, parameterised Cypher query; rows as dicts keyed by the RETURN names."""

    def run_named(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query of the ``cypher/`` catalogue by name, in this store's dialect."""

    def subgraph(self, node_ids: list[str], hops: int = 1, rel_types: list[str] | None = None,
                 limit: int = 5000) -> nx.MultiDiGraph:
        """Nodes within ``hops`` of the given node ids (any label), with their relationships.
        Node keys are "Label:id"; node attributes are the properties plus ``label``; edge keys are types."""

    def stats(self) -> dict[str, int]:
        """Node count per label and relationship count per type, zeros included."""

    def close(self) -> None:
        """Release files, connections and locks."""


def open_store(db: str | Path | None = None, neo4j: str | None = None, database: str | None = None,
               read_only: bool = False) -> GraphStore:
    """The store a CLI user named: ``--neo4j URI`` (credentials from NEO4J_USER / NEO4J_PASSWORD) or the
    embedded store at ``--db`` (default ./graphaudit.db)."""
    if neo4j:
        from graphaudit.store.neo4j_store import Neo4jStore

        return Neo4jStore(neo4j, user=os.environ.get("NEO4J_USER", "neo4j"),
                          password=os.environ.get("NEO4J_PASSWORD", ""), database=database)
    from graphaudit.store.embedded import LadybugStore

    return LadybugStore(Path(db) if db else DEFAULT_DB, read_only=read_only)
