"""pytest plugin: a real Neo4j server for the test session.

Use with ``pytest_plugins = ["tests.neo4j_fixture"]`` in a conftest. Fixtures:

* ``neo4j_server`` (session): a fresh :class:`graphaudit.neo4j_local.server.LocalNeo4j` in a tmp home,
  or the server named by ``GRAPHAUDIT_NEO4J_URI`` (+ ``NEO4J_USER``/``NEO4J_PASSWORD``).
  If it cannot start: ``pytest.fail`` when ``GRAPHAUDIT_REQUIRE_NEO4J=1``, else ``pytest.skip``.
* ``neo4j_runtime`` (session): the jar directory, for tests that start their own servers or run
  ``neo4j-admin``; skips/fails like ``neo4j_server`` when jars or java are unavailable.
* ``neo4j_clean`` (function): the same server after emptying the default database (all nodes,
  relationships, constraints and indexes except the built-in token LOOKUP indexes).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import neo4j
import pytest

from graphaudit.neo4j_local.server import LocalNeo4j, Neo4jServerError, ensure_jars, find_java

if TYPE_CHECKING:
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.store.neo4j_store import Neo4jStore


@dataclass(frozen=True)
class Neo4jServerInfo:
    """Connection details handed to tests; ``local`` is None for an external server."""

    uri: str
    user: str
    password: str
    local: LocalNeo4j | None = None

    @property
    def auth(self) -> tuple[str, str]:
        """``(user, password)`` for ``neo4j.GraphDatabase.driver``."""
        return (self.user, self.password)

    @property
    def env(self) -> dict[str, str]:
        """Environment variables the graphaudit CLI reads (for subprocess / CliRunner env)."""
        return {"NEO4J_URI": self.uri, "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}

    def driver(self) -> neo4j.Driver:
        """A new driver for this server; the caller closes it (use ``with``)."""
        return neo4j.GraphDatabase.driver(self.uri, auth=self.auth)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("GRAPHAUDIT_REQUIRE_NEO4J") == "1":
        pytest.fail(f"Neo4j required (GRAPHAUDIT_REQUIRE_NEO4J=1) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"Neo4j unavailable: {reason}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def neo4j_runtime() -> Path:
    """The Neo4j jar directory (fetched if needed) after checking that java exists."""
    try:
        find_java()
        return ensure_jars(quiet=True)
    except (Neo4jServerError, OSError) as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServerInfo]:
    """One Neo4j server for the whole session (external if ``GRAPHAUDIT_NEO4J_URI`` is set)."""
    uri = os.environ.get("GRAPHAUDIT_NEO4J_URI")
    if uri:
        user, password = os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "")
        info = Neo4jServerInfo(uri, user, password)
        try:
            with info.driver() as drv:
                drv.verify_connectivity()
        except Exception as exc:  # noqa: BLE001 - any driver failure means "unavailable"
            _unavailable(f"cannot connect to GRAPHAUDIT_NEO4J_URI={uri}: {exc}")
        yield info
        return
    home = tmp_path_factory.mktemp("neo4j")
    server = LocalNeo4j(home)
    try:
        server.start()
    except (Neo4jServerError, OSError) as exc:
        server.stop()
        _unavailable(str(exc))
    try:
        yield Neo4jServerInfo(server.uri, server.user, server.password, server)
    finally:
        server.stop()
        shutil.rmtree(Path(home) / "data", ignore_errors=True)  # keep logs/ for post-mortems


def clear_database(info: Neo4jServerInfo, database: str | None = None) -> None:
    """Delete all nodes/relationships, constraints and non-LOOKUP indexes of ``database``."""
    with info.driver() as drv, drv.session(database=database) as session:
        # Batched so big graphs fit the transaction memory limit; plain Cypher works on any 4.x/5.x.
        batch = "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c"
        while session.run(batch).single(strict=True)["c"]:
            pass
        for rec in list(session.run("SHOW CONSTRAINTS YIELD name")):
            session.run(f"DROP CONSTRAINT `{rec['name']}` IF EXISTS").consume()
        for rec in list(session.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'")):
            session.run(f"DROP INDEX `{rec['name']}` IF EXISTS").consume()


@pytest.fixture()
def neo4j_clean(neo4j_server: Neo4jServerInfo) -> Iterator[Neo4jServerInfo]:
    """The session server with an empty default database."""
    clear_database(neo4j_server)
    yield neo4j_server


@pytest.fixture()
def neo(neo4j_clean: Neo4jServerInfo) -> Iterator[Neo4jStore]:
    """A Neo4jStore on an empty database, with batches of a few rows (so a tiny dataset makes several)."""
    from graphaudit.store.neo4j_store import Neo4jStore

    s = Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password, batch_size=7)
    yield s
    s.close()


@pytest.fixture()
def embedded(tmp_path: Path) -> Iterator[LadybugStore]:
    """An empty embedded store, to load the same data into for comparison."""
    from graphaudit.store.embedded import LadybugStore

    s = LadybugStore(tmp_path / "g.db", max_db_size=1 << 30)
    yield s
    s.close()
