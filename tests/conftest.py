"""Shared fixtures.  The Neo4j server fixtures (neo4j_server, neo4j_clean) come from
tests/neo4j_fixture.py."""

from __future__ import annotations

pytest_plugins = ["tests.neo4j_fixture"]
