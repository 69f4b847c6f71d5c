"""The API with FastAPI's test client over a real embedded store holding the hand-built county of
tests/test_checks.py: every endpoint, every role, every error (401, 403, 404, 409, 422)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from graphaudit.api.app import create_app
from graphaudit.api.roles import Role
from graphaudit.api.state import DB_FILE
from graphaudit.checks import CHECKS, run_checks
from graphaudit.store.embedded import LadybugStore
from tests.stores import loaded_store
from tests.test_checks import world

#: The checks the hand-built world() has a scenario for (tests/test_checks.py).
WORLD_CHECKS = [
    "kin_approved_subsidy",
    "cadre_family_beneficiary",
    "kin_contract",
    "hidden_link",
    "shared_account",
    "deceased_recipient",
    "duplicate_payment",
    "split_contracts",
    "reciprocal_approval",
]
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


@dataclass
class Env:
    """A running app: its client, a token per role, the store and the state folder."""

    client: TestClient
    tokens: dict[str, str]
    store: LadybugStore
    state: Path
    app: Any

    def call(self, role: str | None, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return self.client.request(method, path, headers=headers, follow_redirects=False, **kw)

    def get(self, role: str | None, path: str, **params: Any) -> Any:
        return self.call(role, "GET", path, params=params)

    def ok(self, role: str, path: str, **params: Any) -> Any:
        r = self.get(role, path, **params)
        assert r.status_code == 200, r.text
        return r.json()


def make_env(store: LadybugStore | Any, state: Path) -> Env:
    app = create_app(store, state)
    tokens = {r.value: app.state.services.tokens.create(f"{r.value}用户", r.value)[1] for r in Role}
    return Env(TestClient(app), tokens, store, state, app)


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return world().write(tmp_path_factory.mktemp("api-data") / "world")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, world_dir: Path) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("api")
    store = loaded_store(tmp, world_dir)
    e = make_env(store, tmp / "g.db" / "state")
    r = e.call("auditor", "POST", "/api/checks/run", json={"checks": WORLD_CHECKS})
    assert r.status_code == 200, r.text
    yield e
    store.close()


def person_ref(env: Env, role: str, name: str) -> str:
    items = env.ok(role, "/api/search", q=name, label="Person")["items"]
    return next(i["ref"] for i in items if i["caption"] == name)


# -- authentication ------------------------------------------------------------------------------------------
def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "1" if "id" in m.group(0) and "token" in m.group(0) else "x", path)


def all_routes(app: Any) -> list[tuple[str, set[str]]]:
    """(path, methods) of every route, included routers' too (FastAPI ≥ 0.16x wraps them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: the routes are flat
        return [(r.path, set(r.methods or {"GET"})) for r in app.routes]
    return [(c.path, set(c.methods or {"GET"})) for c in iter_route_contexts(app.routes)]


def test_every_route_refuses_a_request_without_a_token(env: Env) -> None:
    seen = []
    for route_path, methods in all_routes(env.app):
        for method in sorted(methods):
            if method == "HEAD" or (route_path, method) == ("/login", "GET"):
                continue  # the login form is the one public route
            path = concrete(route_path)
            for headers in ({}, {"Authorization": "Bearer ga_not-a-token"}, {"Cookie": "ga_token=ga_nope"}):
                r = env.client.request(method, path, headers=headers, json={}, follow_redirects=False)
                page = not path.startswith("/api/") and method == "GET" and not path.startswith("/static/")
                if page:
                    assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path)
                else:
                    assert r.status_code == 401, (method, path, r.status_code, r.text)
                assert "140107" not in r.text
            seen.append((method, route_path))
    assert len(seen) >= 24  # every API resource and page was tried: 25 routes, less the login form
    assert ("GET", "/api/findings/{finding_id}") in seen and ("POST", "/api/checks/run") in seen
    r = env.client.get("/login")
    assert r.status_code == 200 and "访问令牌" in r.text


def test_the_login_form_sets_an_httponly_cookie(env: Env) -> None:
    c = TestClient(env.app)
    r = c.post(
        "/login",
        content="token=wrong&next=/explorer",
        follow_redirects=False,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 401 and "令牌无效" in r.text
    r = c.post(
        "/login",
        content=f"token={env.tokens['investigator']}&next=//evil.example",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/cases"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert c.get("/api/me").json()["role"] == "investigator"
    assert c.get("/cases").status_code == 200 and c.get("/findings").status_code == 200
    c.post("/logout", follow_redirects=False)
    c.cookies.clear()
    assert c.get("/api/me").status_code == 401


def test_roles_and_permissions(env: Env) -> None:
    fid = env.ok("investigator", "/api/findings", limit=1)["items"][0]["finding_id"]
    forbidden = [
        ("investigator", "POST", "/api/checks/run", {}),
        ("investigator", "POST", f"/api/findings/{fid}/review", {"status": "核查中"}),
        ("investigator", "GET", f"/api/findings/{fid}/export", None),
        ("auditor", "GET", f"/api/findings/{fid}/export", None),
        ("auditor", "GET", "/api/audit", None),
        ("analyst", "GET", "/api/tokens", None),
        ("auditor", "POST", "/api/tokens", {"name": "x", "role": "admin"}),
    ]
    for role, method, path, body in forbidden:
        r = env.call(role, method, path, json=body)
        assert r.status_code == 403, (role, path, r.text)
        assert role in r.json()["detail"]
    me = {r.value: env.ok(r.value, "/api/me") for r in Role}
    assert [me[r]["show_ids"] for r in ("investigator", "auditor", "analyst", "admin")] == [
        False,
        True,
        False,
        True,
    ]
    assert "export" in me["analyst"]["permissions"] and "admin" in me["admin"]["permissions"]
    assert env.get("analyst", f"/api/findings/{fid}/export").status_code == 200


# -- search and neighbourhood --------------------------------------------------------------------------------
def test_search_by_name_and_id_masked_by_role(env: Env) -> None:
    full = env.ok("auditor", "/api/search", q="赵书记")["items"]
    assert full[0]["caption"] == "赵书记" and full[0]["label"] == "Person" and len(full[0]["id"]) == 18
    pid = full[0]["id"]
    by_id = env.ok("investigator", "/api/search", q=pid)["items"]
    assert by_id[0]["caption"] == "赵书记" and by_id[0]["id"] == pid[:6] + "********" + pid[14:16] + "**"
    assert by_id[0]["ref"].startswith("Person#") and pid not in json.dumps(by_id)
    orgs = env.ok("investigator", "/api/search", q="140107001101", label="Org")["items"]
    assert orgs and orgs[0]["label"] == "Org" and orgs[0]["id"] == "140107001101"
    firms = env.ok("investigator", "/api/search", q="公司", label="Company")["items"]
    assert len(firms) >= 3 and all("公司" in f["caption"] for f in firms)
    hh = env.ok("investigator", "/api/search", q="A1", label="Household")["items"]
    assert hh[0] == {**hh[0], "label": "Household", "id": "A1", "caption": "A1", "ref": "Household:A1"}
    page1 = env.ok("investigator", "/api/search", q="户主", limit=2)
    page2 = env.ok("investigator", "/api/search", q="户主", limit=2, offset=2)
    assert page1["has_more"] and len(page1["items"]) == 2
    assert {i["ref"] for i in page1["items"]}.isdisjoint({i["ref"] for i in page2["items"]})
    assert env.ok("investigator", "/api/search", q="没有这个人")["items"] == []


def test_neighbourhood_pages_add_up(env: Env) -> None:
    ref = person_ref(env, "investigator", "赵书记")
    whole = env.ok("investigator", "/api/graph/neighbourhood", ref=ref, hops=2, limit=500)
    assert whole["center"]["caption"] == "赵书记" and whole["center"]["hop"] == 0
    assert whole["total"] == len(whole["nodes"]) > 10 and not whole["truncated"]
    assert [n["hop"] for n in whole["nodes"]] == sorted(n["hop"] for n in whole["nodes"])
    nodes, edges, offset = [], [], 0
    while True:
        page = env.ok("investigator", "/api/graph/neighbourhood", ref=ref, hops=2, limit=4, offset=offset)
        assert page["total"] == whole["total"] and len(page["nodes"]) <= 4
        nodes += page["nodes"]
        edges += page["edges"]
        offset += 4
        if offset >= page["total"]:
            break
    assert nodes == whole["nodes"]
    key = lambda e: (e["from"], e["type"], e["to"])  # noqa: E731
    assert sorted(map(key, edges)) == sorted(map(key, whole["edges"])) and len(edges) == len(
        set(map(key, edges))
    )
    refs = {ref} | {n["ref"] for n in nodes}
    assert all(e["from"] in refs and e["to"] in refs for e in edges)
    # the same walk as the store's own subgraph
    pid = env.ok("auditor", "/api/search", q="赵书记")["items"][0]["id"]
    g = env.store.subgraph([pid], hops=2)
    assert whole["total"] == g.number_of_nodes() - 1 and len(whole["edges"]) == g.number_of_edges()
    kin = env.ok("investigator", "/api/graph/neighbourhood", ref=ref, rel=["SPOUSE_OF", "PARENT_OF"])
    assert {e["type"] for e in kin["edges"]} == {"SPOUSE_OF", "PARENT_OF"}
    assert {n["caption"] for n in kin["nodes"]} == {"钱妻", "赵儿"}
    assert not RESIDENT_ID.search(json.dumps(whole, ensure_ascii=False))
    assert RESIDENT_ID.search(
        json.dumps(
            env.ok("auditor", "/api/graph/neighbourhood", ref=person_ref(env, "auditor", "赵书记")),
            ensure_ascii=False,
        )
    )


def test_neighbourhood_and_search_errors(env: Env) -> None:
    ref = person_ref(env, "investigator", "赵书记")
    for params in ({"ref": ref, "hops": 9}, {"ref": ref, "rel": "KNOWS"}, {"ref": ref, "limit": 0}, {}):
        assert env.get("investigator", "/api/graph/neighbourhood", **params).status_code == 422, params
    assert env.get("investigator", "/api/graph/neighbourhood", ref="Person#0000").status_code == 404
    assert env.get("investigator", "/api/graph/neighbourhood", ref="Company:NOPE").status_code == 404
    pid = env.ok("auditor", "/api/search", q="赵书记")["items"][0]["id"]
    # a plain resident ID is no way round the masking for a role that may not see it
    assert env.get("investigator", "/api/graph/neighbourhood", ref=f"Person:{pid}").status_code == 404
    assert env.get("auditor", "/api/graph/neighbourhood", ref=f"Person:{pid}").status_code == 200
    for params in ({"q": ""}, {"q": "x" * 65}, {"q": "赵", "label": "Payment"}, {"q": "赵", "limit": 101}):
        r = env.get("investigator", "/api/search", **params)
        assert r.status_code == 422 and r.json()["detail"].startswith("参数错误"), params


# -- checks, findings, reviews -------------------------------------------------------------------------------
def test_run_checks_persists_the_same_findings_as_run_checks(env: Env) -> None:
    direct = run_checks(env.store, WORLD_CHECKS)
    want = sorted(
        ((f.finding_id, f.severity) for fs in direct.values() for f in fs), key=lambda x: (-x[1], x[0])
    )
    listed = env.ok("investigator", "/api/findings", limit=500)
    assert listed["total"] == len(want) >= 8
    assert [(i["finding_id"], i["severity"]) for i in listed["items"]] == sorted(
        want,
        key=lambda x: (
            -x[1],
            [f.check for fs in direct.values() for f in fs if f.finding_id == x[0]][0],
            x[0],
        ),
    )
    checks = env.ok("investigator", "/api/checks")
    assert {c["name"] for c in checks} == set(CHECKS) >= set(direct) and all(c["title"] for c in checks)
    assert env.call("auditor", "POST", "/api/checks/run", json={"checks": ["nope"]}).status_code == 422
    r = env.call(
        "auditor",
        "POST",
        "/api/checks/run",
        json={"checks": ["kin_approved_subsidy"], "params": {"kin_hops": 99}},
    )
    assert r.status_code == 422 and "kin_hops" in r.json()["detail"]
    r = env.call("auditor", "POST", "/api/checks/run", json={"checks": ["deceased_recipient"]})
    assert r.status_code == 200 and r.json()["counts"] == {
        "deceased_recipient": len(direct["deceased_recipient"])
    }
    assert env.ok("investigator", "/api/findings", limit=1)["total"] == len(want)


def test_findings_filters_sort_and_paging(env: Env) -> None:
    everything = env.ok("investigator", "/api/findings", limit=500)["items"]
    kas = env.ok("investigator", "/api/findings", check="kin_approved_subsidy")["items"]
    assert kas and {i["check"] for i in kas} == {"kin_approved_subsidy"}
    assert len(kas) == sum(i["check"] == "kin_approved_subsidy" for i in everything)
    org = everything[0]["org_code"]
    town = env.ok("investigator", "/api/findings", org=org[:9], limit=500)["items"]
    assert all(i["org_code"].startswith(org[:9]) for i in town) and any(i["org_code"] == org for i in town)
    high = env.ok("investigator", "/api/findings", min_severity=60, limit=500)["items"]
    assert all(i["severity"] >= 60 for i in high) and len(high) == sum(
        i["severity"] >= 60 for i in everything
    )
    amounts = [
        i["amount"] for i in env.ok("investigator", "/api/findings", sort="-amount", limit=500)["items"]
    ]
    assert amounts == sorted(amounts, reverse=True)
    p = [env.ok("investigator", "/api/findings", limit=3, offset=o)["items"] for o in (0, 3)]
    assert [i["finding_id"] for i in p[0] + p[1]] == [i["finding_id"] for i in everything[:6]]
    assert not RESIDENT_ID.search(json.dumps(everything, ensure_ascii=False))
    assert RESIDENT_ID.search(json.dumps(env.ok("auditor", "/api/findings"), ensure_ascii=False))
    for params in (
        {"check": "nope"},
        {"sort": "name"},
        {"status": "done"},
        {"org": "abc"},
        {"min_severity": 101},
    ):
        assert env.get("investigator", "/api/findings", **params).status_code == 422, params


def test_finding_detail_has_its_evidence(env: Env) -> None:
    item = env.ok("investigator", "/api/findings", check="kin_approved_subsidy")["items"][0]
    d = env.ok("investigator", f"/api/findings/{item['finding_id']}")
    assert d["finding"]["explanation"] == item["explanation"] and "审批" in item["explanation"]
    assert d["check_title"] and d["review"]["status"] == "新线索" and d["history"] == []
    refs = {n["ref"] for n in d["graph"]["nodes"]}
    assert set(d["path_refs"]) <= refs
    edges = {(e["from"], e["type"], e["to"]) for e in d["graph"]["edges"]}
    assert {(e["from"], e["type"], e["to"]) for e in d["path_edges"]} <= edges
    assert len(d["path_edges"]) == len(d["path_refs"]) - 1 >= 2
    assert not RESIDENT_ID.search(json.dumps(d, ensure_ascii=False))
    assert env.get("investigator", "/api/findings/0000000000000000").status_code == 404
    assert env.get("investigator", f"/api/findings/{item['finding_id']}", context=-1).status_code == 422


def test_review_workflow(env: Env, tmp_path: Path) -> None:
    fid = env.ok("investigator", "/api/findings", check="hidden_link")["items"][0]["finding_id"]
    url = f"/api/findings/{fid}/review"
    assert env.call("auditor", "POST", url, json={"status": "属实", "comment": "x"}).status_code == 409
    assert env.call("auditor", "POST", url, json={"status": "完成"}).status_code == 422
    r = env.call("auditor", "POST", url, json={"status": "核查中", "comment": "已派人核实"})
    assert r.status_code == 200 and r.json()["status"] == "核查中" and r.json()["by"] == "auditor用户"
    r = env.call("auditor", "POST", url, json={"status": "属实"})
    assert r.status_code == 422 and "意见" in r.json()["detail"]
    assert (
        env.call("auditor", "POST", url, json={"status": "属实", "comment": "电话为其弟所有"}).status_code
        == 200
    )
    assert (
        env.call(
            "auditor", "POST", "/api/findings/0000000000000000/review", json={"status": "核查中"}
        ).status_code
        == 404
    )
    d = env.ok("investigator", f"/api/findings/{fid}")
    assert d["review"]["status"] == "属实" and d["review"]["comment"] == "电话为其弟所有"
    assert [(h["from"], h["to"]) for h in d["history"]] == [("新线索", "核查中"), ("核查中", "属实")]
    assert env.ok("investigator", "/api/findings", status="属实")["items"][0]["finding_id"] == fid
    # kept across a re-run of the checks and a restart of the server
    assert env.call("auditor", "POST", "/api/checks/run", json={"checks": ["hidden_link"]}).status_code == 200
    again = make_env(env.store, env.state)
    assert again.ok("investigator", f"/api/findings/{fid}")["review"]["status"] == "属实"
    assert (
        again.ok("investigator", "/api/findings", limit=1)["total"]
        == env.ok("investigator", "/api/findings", limit=1)["total"]
    )


# -- exports, stats, admin -----------------------------------------------------------------------------------
def test_exports_are_masked_for_analysts(env: Env, tmp_path: Path) -> None:
    fid = env.ok("analyst", "/api/findings", check="kin_approved_subsidy")["items"][0]["finding_id"]
    r = env.get("analyst", f"/api/findings/{fid}/export", format="json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert len(data["nodes"]) >= 3 and data["edges"] and not RESIDENT_ID.search(r.text)
    r = env.get("admin", f"/api/findings/{fid}/export", format="graphml")
    (tmp_path / "f.graphml").write_bytes(r.content)
    g = nx.read_graphml(tmp_path / "f.graphml")
    assert g.number_of_nodes() == len(data["nodes"]) and RESIDENT_ID.search(r.text)
    assert env.get("analyst", f"/api/findings/{fid}/export", format="pdf").status_code == 422
    # every format of graphaudit.export, masked for the analyst, readable by its own reader
    import io
    import zipfile

    from openpyxl import load_workbook

    for fmt in ("gexf", "xlsx", "csv", "ftm", "html"):
        r = env.get("analyst", f"/api/findings/{fid}/export", format=fmt)
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"], fmt
        if fmt == "gexf":
            (tmp_path / "f.gexf").write_bytes(r.content)
            assert nx.read_gexf(tmp_path / "f.gexf").number_of_nodes() == len(data["nodes"])
        elif fmt == "xlsx":
            wb = load_workbook(io.BytesIO(r.content), read_only=True)
            assert "线索" in wb.sheetnames and fid in {
                c for row in wb["线索"].iter_rows(values_only=True) for c in row
            }
            blob = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c)
            assert not RESIDENT_ID.search(blob)
        elif fmt == "csv":
            names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
            assert "README.md" in names and any(n.startswith("nodes_Person") for n in names), names
        else:
            assert not RESIDENT_ID.search(r.text) and fid in r.text
    refs = [person_ref(env, "analyst", "赵书记")]
    r = env.call("analyst", "POST", "/api/export", json={"refs": refs, "hops": 1, "format": "json"})
    assert r.status_code == 200 and len(r.json()["nodes"]) > 3 and not RESIDENT_ID.search(r.text)
    assert env.call("analyst", "POST", "/api/export", json={"refs": [], "format": "json"}).status_code == 422
    assert env.call("analyst", "POST", "/api/export", json={"refs": ["Person#00"]}).status_code == 404


def test_stats(env: Env) -> None:
    s = env.ok("investigator", "/api/stats")
    want = env.store.stats()
    assert {n["name"]: n["count"] for n in s["nodes"] + s["relationships"]} == want
    assert s["nodes"][0]["zh"] == "人员" and sum(s["findings"]["by_check"].values()) > 0
    assert env.ok("investigator", "/api/model")["nodes"]["Person"]["zh"] == "人员"


def test_tokens_over_the_api(env: Env) -> None:
    r = env.call("admin", "POST", "/api/tokens", json={"name": "王五", "role": "investigator"})
    assert r.status_code == 201
    new = r.json()
    assert (
        env.client.get("/api/me", headers={"Authorization": f"Bearer {new['token']}"}).json()["name"]
        == "王五"
    )
    listed = env.ok("admin", "/api/tokens")
    assert any(t["id"] == new["id"] for t in listed) and new["token"] not in json.dumps(listed)
    assert new["token"] not in (env.state / DB_FILE).read_bytes().decode("utf-8", "replace")
    assert env.call("admin", "DELETE", f"/api/tokens/{new['id']}").status_code == 204
    assert env.client.get("/api/me", headers={"Authorization": f"Bearer {new['token']}"}).status_code == 401
    assert env.call("admin", "DELETE", f"/api/tokens/{new['id']}").status_code == 404
    assert env.call("admin", "POST", "/api/tokens", json={"name": "x", "role": "boss"}).status_code == 422


def test_audit_log_records_reads_and_is_append_only(env: Env) -> None:
    env.ok("investigator", "/api/search", q="赵书记")
    log = env.ok("admin", "/api/audit", who="investigator用户", action="search", limit=5)
    assert log["total"] >= 1 and log["items"][0]["params"]["q"] == "赵书记"
    assert log["items"][0]["role"] == "investigator" and log["items"][0]["path"] == "/api/search"
    actions = {i["action"] for i in env.ok("admin", "/api/audit", limit=1000)["items"]}
    assert {"search", "neighbourhood", "list_findings", "finding_detail", "run_checks"} <= actions
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert env.call("admin", method, "/api/audit").status_code == 405
    with (
        sqlite3.connect(env.state / DB_FILE) as c,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        c.execute("DELETE FROM audit_log")
    with (
        sqlite3.connect(env.state / DB_FILE) as c,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        c.execute("UPDATE audit_log SET who = 'x'")


def test_openapi_is_documented_and_offline(env: Env) -> None:
    spec = env.ok("investigator", "/api/openapi.json")
    ops = [op for path in spec["paths"].values() for op in path.values()]
    assert len(ops) >= 14 and all(op.get("summary") and op.get("description") for op in ops)
    assert all("200" in op["responses"] or "201" in op["responses"] or "204" in op["responses"] for op in ops)
    assert env.get("investigator", "/docs").status_code == 404  # Swagger UI would load from a CDN
    web = Path(__file__).resolve().parents[1] / "graphaudit" / "web"
    for f in [*web.glob("templates/*.html"), *web.glob("static/*")]:
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", f.read_text(encoding="utf-8")), f
        assert "googleapis" not in f.read_text(encoding="utf-8")
    r = env.get("investigator", "/static/vendor/vis-network.min.js")
    assert r.status_code == 200 and "vis" in r.text[:5000]
    assert env.get("investigator", "/static/vendor/..%2Fapi%2Fapp.py").status_code == 404
    assert env.get("investigator", "/static/static/nope.js").status_code == 404


def test_search_ranks_exact_before_prefix_before_containing(env: Env) -> None:
    items = env.ok("investigator", "/api/search", q="钱", limit=50)["items"]
    names = [i["caption"] for i in items]
    assert names[:2] == sorted(names[:2]) and all(n.startswith("钱") for n in names if "钱" in n[:1])
    firsts = [n.startswith("钱") for n in names]
    assert firsts == sorted(
        firsts, reverse=True
    )  # every name starting with 钱 before any merely containing it
    exact = env.ok("investigator", "/api/search", q="钱弟")["items"]
    assert exact[0]["caption"] == "钱弟"
    pid = env.ok("auditor", "/api/search", q="钱弟")["items"][0]["id"]
    by_prefix = env.ok("auditor", "/api/search", q=pid[:12], label="Person", limit=100)["items"]
    assert by_prefix and all(i["id"].startswith(pid[:12]) for i in by_prefix)
    assert [i["id"] for i in by_prefix] == sorted(i["id"] for i in by_prefix)


def test_hubs_are_listed_but_not_walked_through(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphaudit.api import walk
    from graphaudit.api.graph import forget_walks

    ref = person_ref(env, "investigator", "赵书记")
    before = env.ok("investigator", "/api/graph/neighbourhood", ref=ref, hops=2, limit=500)
    monkeypatch.setattr(walk, "HUB", 6)  # the village (dozens of links) becomes a hub
    forget_walks()
    after = env.ok("investigator", "/api/graph/neighbourhood", ref=ref, hops=2, limit=500)
    village = next(n for n in after["nodes"] if n["label"] == "Org")
    assert village["ref"] in after["hubs"] and after["total"] < before["total"]
    assert not any(
        e["from"] == village["ref"] or e["to"] == village["ref"]
        for e in after["edges"]
        if {e["from"], e["to"]} & {n["ref"] for n in after["nodes"] if n["hop"] == 2}
    )
    # expanded as the centre, a hub is paged in a stable order: type, label, id
    first = env.ok("investigator", "/api/graph/neighbourhood", ref=village["ref"], limit=5)
    again = env.ok("investigator", "/api/graph/neighbourhood", ref=village["ref"], limit=5)
    assert first == again and first["total"] > 6
    forget_walks()


def test_tokens_and_serve_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphaudit.cli import app

    runner = CliRunner()
    state = ["--state", str(tmp_path / "state")]
    r = runner.invoke(app, ["tokens", "create", "--role", "auditor", "--name", "张三", *state])
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("ga_") and len(token) > 40
    r = runner.invoke(app, ["tokens", "list", *state])
    assert r.exit_code == 0 and "张三" in r.output and "auditor" in r.output and token not in r.output
    from graphaudit.api.state import State
    from graphaudit.api.tokens import TokenStore

    tokens = TokenStore(State(tmp_path / "state"))
    assert tokens.verify(token) is not None and token not in (
        tmp_path / "state" / DB_FILE
    ).read_bytes().decode("utf-8", "replace")
    r = runner.invoke(app, ["tokens", "revoke", "1", *state])
    assert r.exit_code == 0 and tokens.verify(token) is None
    for args, message in (
        (["tokens", "create", "--role", "boss", "--name", "x"], "unknown role 'boss'"),
        (["tokens", "revoke", "99"], "no token with id 99"),
        (["tokens", "revoke", "1"], "already revoked"),
    ):
        r = runner.invoke(app, [*args, *state])
        assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output, r.output
        assert len(r.output.strip().splitlines()) == 1
    r = runner.invoke(app, ["serve", "--db", str(tmp_path / "empty.db"), "--port", "0"])
    assert r.exit_code == 1 and "--port 0" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["serve", "--db", str(tmp_path / "empty.db")])
    assert r.exit_code == 1 and "empty store" in r.output and len(r.output.strip().splitlines()) == 1


def test_checks_run_in_the_background(env: Env) -> None:
    import subprocess
    import time

    names = ["deceased_recipient", "duplicate_payment"]
    direct = {k: len(v) for k, v in run_checks(env.store, names).items()}
    r = env.call("auditor", "POST", "/api/checks/run", json={"checks": names, "wait": False})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("running", "done") and job["total"] == 2 and job["by"] == "auditor用户"
    deadline = time.monotonic() + 120
    while job["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        job = env.ok("investigator", f"/api/checks/jobs/{job['id']}")
    assert job["status"] == "done" and job["counts"] == direct and job["done"] == 2 and job["run_id"]
    assert (
        env.ok("investigator", "/api/findings", check="deceased_recipient", limit=1)["total"]
        == direct["deceased_recipient"]
    )
    assert env.get("investigator", "/api/checks/jobs/999999").status_code == 404
    assert (
        env.call("auditor", "POST", "/api/checks/run", json={"checks": ["nope"], "wait": False}).status_code
        == 422
    )
    assert env.call("investigator", "POST", "/api/checks/run", json={"wait": False}).status_code == 403
    svc = env.app.state.services
    assert svc.run_lock.acquire(blocking=False)  # as if another worker were running the checks
    try:
        r = env.call("auditor", "POST", "/api/checks/run", json={"checks": names, "wait": False})
        assert r.status_code == 409 and "正在运行" in r.json()["detail"]
    finally:
        svc.run_lock.release()
    # a job whose server process is gone is reported as failed, not as running for ever
    gone = subprocess.Popen(["true"])
    gone.wait()
    who = svc.tokens.verify(env.tokens["auditor"])
    jid = svc.jobs.create(who, names, {})
    with svc.state.connect() as c:
        c.execute("UPDATE jobs SET pid = ? WHERE id = ?", (gone.pid, jid))
    stale = env.ok("investigator", f"/api/checks/jobs/{jid}")
    assert stale["status"] == "failed" and "stopped" in stale["error"]
