"""Shared fixtures.  The Neo4j server fixtures (neo4j_server, neo4j_clean) come from
tests/neo4j_fixture.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graphaudit.store.embedded import LadybugStore
from tests.stores import TINY, loaded_store

pytest_plugins = ["tests.neo4j_fixture"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    """An embedded store with the tiny fixture dataset loaded, one per test module."""
    store = loaded_store(tmp_path_factory.mktemp("tiny"), TINY)
    yield store
    store.close()
