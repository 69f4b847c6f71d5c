"""Graph stores: one protocol (base.GraphStore, with its Capabilities), an embedded LadybugDB store and a
Neo4j store; the Cypher catalogue they run by name (catalog); a read-only view of any store (read_only)."""

from graphaudit.store.base import Capabilities, GraphStore, open_store, read_only
from graphaudit.store.catalog import query_names, query_reads

__all__ = ["Capabilities", "GraphStore", "open_store", "query_names", "query_reads", "read_only"]
