"""A password that starts with "-" (``secrets.token_urlsafe`` makes one about every 64th start) still starts
the throwaway server: neo4j-admin must not read it as an option.  Real server, no mocks."""

from __future__ import annotations

from pathlib import Path

import neo4j
import pytest

from graphaudit.neo4j_local.server import LocalNeo4j

pytestmark = pytest.mark.neo4j


def test_password_starting_with_a_dash(neo4j_runtime: Path, tmp_path: Path) -> None:
    with (
        LocalNeo4j(tmp_path / "dash", password="-starts-with-a-dash") as server,
        neo4j.GraphDatabase.driver(server.uri, auth=(server.user, "-starts-with-a-dash")) as drv,
    ):
        assert drv.execute_query("RETURN 1 AS one").records[0]["one"] == 1
