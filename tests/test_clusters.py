"""collusive_cluster on hand-built data, in the real embedded store and a real Neo4j.

One county (``ring_world()``): a reciprocal ring (two village approvers paying each other's relatives), a
family contractor ring (a secretary's three relatives' companies taking turns at the village's contracts) and
a large clean village (families, two cadres approving ordinary relief, the accountant paying the secretary's
wife and daughter: one-way, two parties).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphaudit.checks import CHECKS
from graphaudit.checks.check import CheckParamError
from graphaudit.checks.collusive_cluster import CHECK, cluster_subgraph
from graphaudit.clusters.detect import communities
from graphaudit.clusters.pipeline import detect_clusters
from graphaudit.findings import Finding
from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore
from tests.stores import loaded_store
from tests.test_checks import TOWN, World

R1, R2, F1, V1 = TOWN + "201", TOWN + "202", TOWN + "203", TOWN + "204"
OTHER = "140107002"
M, F = "男", "女"


def family(w: World, tag: str, village: str, head: str, born: int) -> list[str]:
    """Head, spouse, son, daughter in one household; the son's own household with wife and child."""
    P = w.person
    h = P(f"{head}", f"{tag}1", "户主", M, f"{born}-01-01", village)
    P(f"{head}妻", f"{tag}1", "配偶", F, f"{born + 2}-01-01", village)
    s = P(f"{head}子", f"{tag}2", "户主", M, f"{born + 25}-01-01", village)
    P(f"{head}女", f"{tag}1", "女", F, f"{born + 28}-01-01", village)
    P(f"{head}媳", f"{tag}2", "配偶", F, f"{born + 26}-01-01", village)
    P(f"{head}孙", f"{tag}2", "子", M, f"{born + 50}-01-01", village)
    w.kin(s, h, "子女")
    return [w.names[f"{head}{x}"] if x else h for x in ("", "妻", "子", "女", "媳", "孙")]


def ring_world() -> World:
    w = World()
    # -- reciprocal ring: A (R1's accountant) and B (R2's accountant) pay each other's relatives -------------
    a = family(w, "RA", R1, "甲会计", 1960)
    b = family(w, "RB", R2, "乙会计", 1962)
    w.cadre(a[0], R1, "村会计", "2018-01-01")
    w.cadre(b[0], R2, "村会计", "2018-01-01")
    w.pay("RING-1", "临时救助", b[2], 3000, "2024-03-01", a[0], R1)  # A for B's son
    w.pay("RING-2", "医疗救助", b[3], 5000, "2024-04-01", a[0], R1)  # A for B's daughter
    w.pay("RING-3", "危房改造", a[2], 20000, "2024-05-01", b[0], R2)  # B for A's son
    w.pay("RING-4", "临时救助", a[4], 2000, "2024-06-01", b[0], R2)  # B for A's daughter-in-law
    # -- family contractor ring: the secretary's brother, son and wife's brother each run a company ---------
    sec = family(w, "FS", F1, "丙书记", 1958)
    bro = w.person("丙弟", "FB", "户主", M, "1963-01-01", F1)
    w.kin(bro, sec[0], "兄弟姐妹")
    wbro = w.person("丁舅", "FW", "户主", M, "1961-01-01", F1)
    w.kin(wbro, sec[1], "兄弟姐妹")
    acc = w.person("戊会计", "FA", "户主", M, "1970-01-01", F1)
    w.cadre(sec[0], F1, "村党支部书记", "2018-01-01")
    w.cadre(acc, F1, "村会计", "2018-01-01")
    cos = [
        w.company(n, p) for n, p in (("丙弟建筑公司", bro), ("丙子工程公司", sec[2]), ("丁氏路桥公司", wbro))
    ]
    for k, (co, amt, day) in enumerate(
        (
            (0, 180000, "2023-03-01"),
            (1, 220000, "2023-07-01"),
            (2, 150000, "2023-11-01"),
            (0, 260000, "2024-03-01"),
            (1, 190000, "2024-07-01"),
        )
    ):
        w.contract(f"FAM-{k}", F1, cos[co], amt, day, acc)
    # -- a large clean village: 30 families, relief approved by two cadres ---------------------------------
    heads = [
        family(
            w,
            f"V{i:02d}",
            V1,
            f"{'赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏'[i]}某{i}",
            1950 + i,
        )
        for i in range(30)
    ]
    for i in range(0, 28, 2):  # marriages between families
        w.kin(heads[i][3], heads[i + 1][2], "配偶")
    cadre1, cadre2 = heads[0][0], heads[1][0]
    w.cadre(cadre1, V1, "村党支部书记", "2018-01-01")
    w.cadre(cadre2, V1, "村会计", "2018-01-01")
    n = 0
    for i in range(2, 30):
        for m in (1, 2, 3):
            n += 1
            w.pay(f"CLEAN-{n}", "低保", heads[i][0], 600, f"2024-0{m}-15", cadre2 if i % 2 else cadre1, V1)
    w.pay("CLEAN-MOTHER", "低保", heads[0][1], 600, "2024-01-15", cadre2, V1)  # the secretary's wife
    w.pay(
        "CLEAN-ONEWAY", "临时救助", heads[0][3], 1000, "2024-02-15", cadre2, V1
    )  # and his daughter: one way
    # the same people appear in another township: a scope test
    o = family(w, "OT", OTHER + "101", "己某", 1966)
    w.pay("OTHER-1", "低保", o[0], 600, "2024-01-15", cadre2, OTHER + "101")
    return w


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ring_world().write(tmp_path_factory.mktemp("rings") / "data")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Iterator[LadybugStore]:
    s = loaded_store(tmp_path_factory.mktemp("db"), data)
    yield s
    s.close()


def by_record(fs: list[Finding]) -> dict[str, Finding]:
    return {r: f for f in fs for r in f.record_ids}


def test_rings_found_as_one_cluster_each(store: LadybugStore) -> None:
    fs = CHECK.run(store)
    got = by_record(fs)
    assert len(fs) == 2
    ring = got["RING-1"]
    assert ring.record_ids == ["RING-1", "RING-2", "RING-3", "RING-4"]
    names = ring_world().names
    assert set(ring.person_ids[:2]) == {names["甲会计"], names["乙会计"]}
    assert ring.details["reciprocal_pairs"] and ring.details["severity_factors"]["reciprocity"] == 0.3 * 10
    assert "相互为对方亲属审批" in ring.explanation and "为中心的" in ring.explanation
    assert ring.explanation.count("其中") <= 1, ring.explanation  # reciprocal pairs in one clause
    assert ring.amount == 30000
    fam = got["FAM-0"]
    assert fam.record_ids == [f"FAM-{k}" for k in range(5)]
    assert fam.person_ids[0] == names["丙书记"] and "村党支部书记丙某为中心" in fam.explanation
    assert len(fam.details["companies"]) == 3 and fam.amount == 1000000
    for f in fs:
        assert 50 <= f.severity <= 100
        assert f.check == "collusive_cluster" and f.org_code
        nodes, rels = f.path["nodes"], f.path["relationships"]
        assert len(nodes) == len(rels) + 1 >= 4
        assert {"APPROVED"} <= {r["type"] for r in rels}
    # the ring's evidence closes a loop: A → B's relative ~ B → A's relative ~ A
    assert ring.path["nodes"][0]["id"] == ring.path["nodes"][-1]["id"]


def test_clean_village_is_not_flagged(store: LadybugStore) -> None:
    flagged = {r for f in CHECK.run(store) for r in f.record_ids}
    assert not {r for r in flagged if r.startswith("CLEAN") or r.startswith("OTHER")}
    det = detect_clusters(store)
    # the accountant paying the secretary's wife and daughter is a cluster, scored but below the threshold
    small = [cl for cl in det.clusters if "CLEAN-MOTHER" in cl.records]
    assert len(small) == 1 and len(small[0].parties) == 2 and not small[0].pairs
    assert small[0].records == ["CLEAN-MOTHER", "CLEAN-ONEWAY"]
    assert CHECK.run(store, {"min_parties": 1, "min_records": 1, "min_severity": 0}) != CHECK.run(store)


def test_identical_across_runs(store: LadybugStore) -> None:
    a = [f.to_dict(show_ids=True) for f in CHECK.run(store)]
    b = [f.to_dict(show_ids=True) for f in CHECK.run(store)]
    assert a == b
    det = detect_clusters(store)
    assert communities(det.projection) == det.membership == communities(det.projection)


def test_scope_and_parameters(store: LadybugStore) -> None:
    only_r = {r for f in CHECK.run(store, {"org": int(TOWN)}) for r in f.record_ids}
    assert {"RING-1", "FAM-0"} <= only_r
    assert CHECK.run(store, {"org": int(OTHER)}) == []
    det = detect_clusters(store, OTHER)
    assert set(det.projection.records) == {"OTHER-1"}
    with pytest.raises(CheckParamError, match="6-digit county"):
        CHECK.run(store, {"org": 1234})
    assert CHECK.run(store, {"min_parties": 5}) == []
    assert "collusive_cluster" in CHECKS


def test_projection_as_networkx(store: LadybugStore) -> None:
    proj = detect_clusters(store).projection
    g = proj.to_networkx()
    names = ring_world().names
    a, s = f"Person:{names['甲会计']}", f"Person:{names['乙会计子']}"
    assert (
        g.has_edge(a, s) and g.edges[a, s]["kinds"] == ["approval"] and g.edges[a, s]["records"] == ["RING-1"]
    )
    assert g.number_of_edges() == len(proj.edges) and g.number_of_nodes() == len(proj.nodes)
    kin = [d for _, _, d in g.edges(data=True) if d["kinds"] == ["kin"]]
    assert kin and all(d["weight"] == 1.0 for d in kin)


def test_subgraph_of_a_cluster(store: LadybugStore) -> None:
    ring = by_record(CHECK.run(store))["RING-1"]
    g = cluster_subgraph(store, ring, hops=1)
    keys = set(g.nodes)
    assert {f"Person:{p}" for p in ring.person_ids} <= keys
    assert {f"Payment:{r}" for r in ring.record_ids} <= keys
    assert any(t == "APPROVED" for _, _, t in g.edges(keys=True))


def test_self_approval_of_an_isolated_person_is_in_the_projection(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """An approver whose only record is a payment to himself has no projection edge; he must still be a node
    (the checks' world() has one, and it used to stop the whole check)."""
    from graphaudit.clusters.projection import build_projection
    from tests.test_checks import world

    data = world().write(tmp_path_factory.mktemp("world"))
    with LadybugStore(tmp_path_factory.mktemp("wdb") / "g.db", max_db_size=1 << 30) as st:
        ingest(data, st)
        proj = build_projection(st)
        selfpaid = [r for r in proj.records.values() if r.approver == r.party]
        assert selfpaid, "world() plants a self-approved payment"
        assert all(r.approver in proj.index for r in selfpaid)
        fs = CHECK.run(st, {})
        assert all(f.check == "collusive_cluster" for f in fs)


@pytest.mark.neo4j
def test_same_answers_on_both_stores(store: LadybugStore, data: Path, neo4j_clean) -> None:  # type: ignore[no-untyped-def]
    from graphaudit.store.neo4j_store import Neo4jStore

    with Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password) as neo:
        ingest(data, neo)
        for params in (
            {},
            {"org": int(TOWN), "mask_names": False},
            {"min_parties": 1, "min_records": 1, "min_severity": 0},
        ):
            exp = [f.to_dict(show_ids=True) for f in CHECK.run(store, params)]
            got = [f.to_dict(show_ids=True) for f in CHECK.run(neo, params)]
            assert got == exp and exp
        de, dn = detect_clusters(store), detect_clusters(neo)
        assert dn.projection.nodes == de.projection.nodes and dn.projection.weights == de.projection.weights
        assert dn.membership == de.membership


def test_projection_columns_agree_with_their_parts(store: LadybugStore) -> None:
    """The columnar projection: each edge's weight is the exact sum of its parts, the approval parts together
    at most APPROVAL_CAP, every part joins its edge's two nodes, and kin distances from the breadth-first
    table are igraph's shortest paths on the kin edges."""
    import math

    import igraph as ig

    from graphaudit.clusters.conflicts import MAX_HOPS, KinIndex
    from graphaudit.clusters.projection import APPROVAL_CAP

    proj = detect_clusters(store).projection
    assert len(proj.pairs) == len(proj.weight) == len(proj.starts) and len(proj.parts.i) >= len(proj.pairs)
    capped = 0
    for (i, j), w in zip(proj.pairs.tolist(), proj.weight.tolist()):
        parts = proj.edge_parts(i, j)
        approvals = math.fsum(p.weight for p in parts if p.kind == "approval")
        others = [p.weight for p in parts if p.kind != "approval"]
        assert parts and w == round(math.fsum([*others, min(APPROVAL_CAP, approvals)]), 9)
        assert all(p.src in (proj.nodes[i], proj.nodes[j]) for p in parts)
        capped += approvals > APPROVAL_CAP
    assert capped, "the ring world has approvals heavier than the cap"
    assert proj.edge_parts(0, 0) == []
    sources = sorted({proj.records.ends(r)[0] for r in proj.records})
    kin = KinIndex(proj, sources)
    g = ig.Graph(n=len(proj.nodes), edges=proj.pairs[proj.has_kind("kin")].tolist())
    for s, row in zip(sources, g.distances(sources)):
        want = {v: int(d) for v, d in enumerate(row) if d <= MAX_HOPS}
        assert kin.dist(s) == want
