"""The case tables, the person card and the household page say the same on Neo4j as on the embedded store
(their queries have a Neo4j text and, for person_links, an embedded dialect)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from graphaudit.ingest.pipeline import ingest
from graphaudit.store.neo4j_store import Neo4jStore
from tests.test_api import WORLD_CHECKS, Env, make_env, person_ref
from tests.test_outputs_api import env, outputs_data  # noqa: F401 - fixtures


def said(e: Env, role: str) -> dict[str, Any]:
    """The tables of every case, the cards of three people and their households, with refs replaced by what
    they name."""
    out: dict[str, Any] = {"tables": {}, "cards": {}, "households": {}}
    for c in e.ok(role, "/api/cases", limit=500)["items"]:
        out["tables"][c["case_id"]] = e.ok(role, f"/api/cases/{c['case_id']}/tables")
    for name in ("赵书记", "钱弟", "陈书记"):
        card = e.ok(role, f"/api/people/{quote(person_ref(e, role, name), safe='')}")
        for c in card["cases"]:
            c.pop("gone")
        out["cards"][name] = card
        home = next(m["household_ref"] for m in card["household"] if m["self"])
        house = e.ok(role, f"/api/households/{quote(home, safe='')}")
        for c in house["cases"]:
            c.pop("gone")
        out["households"][name] = house
    text = json.dumps(out, ensure_ascii=False, sort_keys=True)
    refs = e.app.state.services.refs  # sealed with this state's key: the two servers' refs differ

    def named(m: re.Match[str]) -> str:
        got = refs.resolve(m.group(0), False)
        assert got is not None, m.group(0)
        return f"{got[0]}={got[1]}"

    return json.loads(re.sub(r"\b[A-Z][A-Za-z]+#[A-Za-z0-9_-]+", named, text))


@pytest.mark.neo4j
def test_tables_and_cards_are_the_same_on_neo4j(
    env: Env,  # noqa: F811 - the fixture imported above
    outputs_data: Path,  # noqa: F811
    neo4j_clean,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    with Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password) as neo:
        ingest(outputs_data, neo)
        other = make_env(neo, tmp_path / "neo4j-state")
        assert (
            other.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS}).status_code == 200
        )
        fresh = make_env(env.store, tmp_path / "embedded-state")
        assert (
            fresh.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS}).status_code == 200
        )
        for role in ("auditor", "investigator"):
            want, got = said(fresh, role), said(other, role)
            assert len(want["tables"]) >= 5 and want["cards"]["赵书记"]["approved"]
            assert want["households"]["赵书记"]["approved"] and want["households"]["钱弟"]["members"]
            assert got == want
