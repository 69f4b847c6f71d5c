"""The same API answers on Neo4j as on the embedded store, on the same data (search, neighbourhood, checks,
findings and a finding's evidence), for a role that sees identifiers and for one that does not."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from graphaudit.ingest.pipeline import ingest
from graphaudit.store.neo4j_store import Neo4jStore
from tests.test_api import WORLD_CHECKS, Env, env, make_env, world_dir  # noqa: F401 - fixtures

QUERIES = [("赵书记", None), ("公司", "Company"), ("A", "Household"), ("1401070011", "Org"), ("户主", None)]


def answers(e: Env, role: str) -> dict[str, Any]:
    """Everything the API says about the data, with refs replaced by what they name (opaque refs are keyed
    by each server's own secret)."""
    names = e.app.state.services.refs
    out: dict[str, Any] = {"search": [], "neighbourhood": [], "findings": [], "details": []}
    for q, label in QUERIES:
        params = {"q": q, "limit": 50, **({"label": label} if label else {})}
        out["search"].append(e.ok(role, "/api/search", **params))
    for item in out["search"][0]["items"][:1] + out["search"][1]["items"][:2]:
        for hops, rel in ((1, None), (2, None), (2, ["PARENT_OF", "SPOUSE_OF", "SIBLING_OF"])):
            for offset in (0, 5):
                params = {
                    "ref": item["ref"],
                    "hops": hops,
                    "offset": offset,
                    "limit": 5,
                    **({"rel": rel} if rel else {}),
                }
                out["neighbourhood"].append(e.ok(role, "/api/graph/neighbourhood", **params))
    listed = e.ok(role, "/api/findings", limit=500)
    out["findings"] = listed
    for f in listed["items"]:
        out["details"].append(e.ok(role, f"/api/findings/{f['finding_id']}"))
    text = json.dumps(out, ensure_ascii=False, sort_keys=True)

    def named(m: re.Match[str]) -> str:
        got = names.resolve(m.group(0), False)
        assert got is not None, m.group(0)
        return f"{got[0]}={got[1]}"

    return json.loads(re.sub(r"\b(?:Person|BankAccount|Phone)#[A-Za-z0-9_-]+", named, text))


@pytest.mark.neo4j
def test_same_api_answers_on_neo4j(
    env: Env,  # noqa: F811 - the fixture imported above
    world_dir: Path,  # noqa: F811
    neo4j_clean,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    with Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password) as neo:
        ingest(world_dir, neo)
        other = make_env(neo, tmp_path / "neo4j-state")
        r = other.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS})
        assert r.status_code == 200, r.text
        # the embedded env may have had its reviews changed by other tests: compare on a fresh state
        fresh = make_env(env.store, tmp_path / "embedded-state")
        assert (
            fresh.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS}).status_code == 200
        )
        for role in ("auditor", "investigator"):
            want, got = answers(fresh, role), answers(other, role)
            assert sum(len(s["items"]) for s in want["search"]) > 10
            assert want["findings"]["total"] >= 8 and len(want["neighbourhood"]) == 18
            assert got["search"] == want["search"]
            assert got["neighbourhood"] == want["neighbourhood"]
            assert got["findings"] == want["findings"]
            assert got["details"] == want["details"]
        assert (
            other.ok("investigator", "/api/stats")["nodes"] == fresh.ok("investigator", "/api/stats")["nodes"]
        )
