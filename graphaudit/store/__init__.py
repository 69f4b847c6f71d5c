"""Graph stores: one protocol (base.GraphStore), an embedded LadybugDB store and a Neo4j store."""

from graphaudit.store.base import GraphStore, open_store

__all__ = ["GraphStore", "open_store"]
