"""Walks returned in parts and queries read once: the LadybugDB variants return a kinship walk as its inner
nodes and relationships (its end people are read by id), a query two checks share is read once per data
version.  On the tiny fixture (module-scoped)."""

from __future__ import annotations

from typing import Any

import pytest

from graphaudit.checks import CHECKS
from graphaudit.checks.check import SHARED, run_query
from graphaudit.checks.evidence import link_from
from graphaudit.checks.rows import people_by_id, walk_path, whole_walks
from graphaudit.store.catalog import load_query
from graphaudit.store.embedded import LadybugStore

#: The LadybugDB variants that walk kinship: none returns a whole path (its ends cost a scan of every person).
WALKING = [
    "cadre_family_beneficiary",
    "hidden_link",
    "kin_approved_subsidy",
    "kin_contract",
    "kin_contract_persons",
    "reciprocal_approval",
    "reciprocal_approval_contracts",
]


class Counting:
    """A store that counts the catalogue queries run through it (and may say another data version)."""

    def __init__(self, inner: LadybugStore) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.version = "v1"

    def run_named(self, name: str, params: dict | None = None, bounds: Any = None) -> list[dict]:
        self.calls.append(name)
        return self.inner.run_named(name, params or {}, bounds=bounds)

    def data_version(self) -> str:
        return self.version

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("name", WALKING)
def test_ladybug_variants_return_walks_in_parts(name: str) -> None:
    text = "\n".join(line for line in load_query(name, "ladybug").splitlines() if not line.startswith("//"))
    assert "MATCH kin =" not in text and "kin_mid" in text and "kin_rels" in text


def test_a_walk_made_whole_is_the_path_the_store_walks(tiny: LadybugStore) -> None:
    """The kinship path rebuilt from its parts equals the whole path LadybugDB returns (same nodes in the
    same order, same relationships), for every length up to 2 and for the empty walk."""
    whole = tiny.run(
        "MATCH (a:Person)-[:APPROVED]->() WITH DISTINCT a "
        "MATCH kin = (a)-[:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2]-(b:Person) "
        "RETURN a.id AS a, b.id AS b, kin"
    )
    parts = tiny.run(
        "MATCH (a:Person)-[:APPROVED]->() WITH DISTINCT a "
        "MATCH (a)-[kin:SPOUSE_OF|PARENT_OF|SIBLING_OF* ALL SHORTEST 1..2]-(b:Person) "
        "RETURN a.id AS a, b.id AS b, nodes(kin) AS kin_mid, rels(kin) AS kin_rels"
    )
    assert {len(r["kin"]["_RELS"]) for r in whole} == {1, 2}
    made = whole_walks(tiny, parts, "a", "b")

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r["a"], r["b"], tuple(str(x["_ID"]) for x in r["kin"]["_RELS"]))

    assert sorted(map(key, made)) == sorted(map(key, whole))
    by_key = {key(r): r["kin"] for r in whole}
    for r in made:
        assert link_from(r["kin"], r["a"]) == link_from(by_key[key(r)], r["a"])
    someone = next(iter(people_by_id(tiny, [whole[0]["a"]]).values()))
    assert walk_path(someone, [], [], someone) == {"_NODES": [someone], "_RELS": []}
    assert people_by_id(tiny, []) == {}


def test_a_shared_query_is_read_once_per_data_version(tiny: LadybugStore) -> None:
    assert "cadre_family_beneficiary" in SHARED
    store = Counting(tiny)
    first = CHECKS["cadre_family_beneficiary"].run(store)  # type: ignore[arg-type]
    CHECKS["undeclared_kin_benefit"].run(store)  # type: ignore[arg-type]
    assert store.calls.count("cadre_family_beneficiary") == 1
    again = CHECKS["cadre_family_beneficiary"].run(store)  # type: ignore[arg-type]
    assert [f.to_dict(True) for f in again] == [f.to_dict(True) for f in first]  # the kept rows unchanged
    store.version = "v2"  # a new load: read again
    CHECKS["cadre_family_beneficiary"].run(store)  # type: ignore[arg-type]
    assert store.calls.count("cadre_family_beneficiary") == 2
    bounds = {"hops": 1, "township": 0}  # other bounds: another result
    one = run_query(store, "cadre_family_beneficiary", bounds=bounds)  # type: ignore[arg-type]
    assert store.calls.count("cadre_family_beneficiary") == 3
    assert one == tiny.run_named("cadre_family_beneficiary", {}, bounds=bounds)
