"""Masking that holds: for the roles that may not see identifiers (investigator, analyst) no route and no
export gives back what the mask hides — no full resident ID, no full birth date of a person, no full phone
number — however it is asked; a resident ID is found only whole (no prefix search) and ID lookups are
rate-limited; opaque node references work in every worker process (any app on the same state folder) and
cannot be forged.

The routes are enumerated from the app itself, so a route added later is requested too (with the real ids
this county has where the path needs one, else a placeholder)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graphaudit.api import search as search_module
from graphaudit.api.app import create_app
from graphaudit.export import FORMATS
from tests.test_api import Env, all_routes, concrete, env, person_ref, world_dir  # noqa: F401  (fixtures)

MASKED_ROLES = ("investigator", "analyst")
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9])")
RESIDENT_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
#: A masked resident ID that shows its gender or check digit (the old ``110101********1234``): with the birth
#: year beside it, the check digit narrows the date to ~33 days — as many exact lookups give the whole ID.
SHOWS_GENDER_OR_CHECK = re.compile(r"(?<![0-9])[0-9]{6}\*{6,8}[0-9]{2}[0-9Xx]{1,2}(?![0-9])")


def _iso(v: Any) -> str:
    return v.isoformat() if isinstance(v, date) else str(v)


def secrets_of(env: Env) -> tuple[set[str], set[str]]:  # noqa: F811
    """(the county's full resident IDs, its people's full birth dates as text — those no other date of
    the data equals)."""
    people = env.store.run("MATCH (p:Person) RETURN p.id AS id, p.birth_date AS born")
    ids = {r["id"] for r in people if r["id"] and RESIDENT_ID.fullmatch(r["id"])}
    births = {_iso(r["born"]) for r in people if r["born"]}
    other = set()
    for q in (
        "MATCH (p:Payment) RETURN p.pay_date AS d",
        "MATCH (c:Contract) RETURN c.sign_date AS d",
        "MATCH (p:Person) RETURN p.death_date AS d",
    ):
        other |= {_iso(r["d"]) for r in env.store.run(q) if r["d"]}
    dates = {b for b in births - other if len(b) == 10}
    return ids, dates | {d.replace("-", "") for d in dates}


def leaks(text: str, ids: set[str], dates: set[str]) -> list[str]:
    found = [m.group(0) for m in RESIDENT_ID.finditer(text)]
    found += [i for i in ids if i in text]
    found += [m.group(0) for m in PHONE.finditer(text)]
    found += [m.group(0) for m in SHOWS_GENDER_OR_CHECK.finditer(text)]
    found += [d for d in dates if re.search(rf"(?<![0-9]){d}(?![0-9])", text)]
    return found


def body_text(r: Any) -> str:
    """A response as text: zip archives (xlsx, the csv folder) unpacked, every member read."""
    if r.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return r.content.decode("utf-8", "replace")


def test_no_route_and_no_export_unmasks_for_masked_roles(env: Env) -> None:  # noqa: F811
    ids, dates = secrets_of(env)
    assert len(ids) >= 20 and len(dates) >= 20  # the check has something to find
    some_pid = sorted(ids)[0]
    findings = env.ok("auditor", "/api/findings", limit=200)["items"]
    assert findings
    # the auditor sees what the others must not: the check is able to find leaks
    full = env.get("auditor", f"/api/findings/{findings[0]['finding_id']}")
    assert leaks(full.text, ids, dates)

    seen: set[tuple[str, str]] = set()
    problems: list[str] = []
    for role in MASKED_ROLES:
        refs = [person_ref(env, role, n) for n in ("赵书记", "蒋书记", "蒋弟")]
        for route_path, methods in all_routes(env.app):
            for method in sorted(methods - {"HEAD"}):
                for r in requests_for(env, role, method, route_path, findings, refs, some_pid):
                    seen.add((method, route_path))
                    assert r.status_code < 500, (role, method, route_path, r.status_code, r.text[:300])
                    bad = leaks(body_text(r), ids, dates)
                    if bad:
                        problems.append(f"{role} {method} {r.url}: {sorted(set(bad))[:5]}")
    assert not problems, "\n".join(problems)
    assert len(seen) == sum(len(m - {"HEAD"}) for _, m in all_routes(env.app))  # every route was asked


def requests_for(
    env: Env,  # noqa: F811
    role: str,
    method: str,
    route: str,
    findings: list[dict[str, Any]],
    refs: list[str],
    pid: str,
) -> list[Any]:
    """The requests that exercise ``route`` for ``role`` with this county's real ids."""
    fids = [f["finding_id"] for f in findings]
    if route == "/api/search":
        return [
            env.get(role, route, q=q, limit=100)
            for q in ("赵书记", "蒋", pid, pid[:10], pid[:6], "公司", "A1", "139", "1391111")
        ]
    if route == "/api/graph/neighbourhood":
        return [env.get(role, route, ref=ref, hops=h, limit=500) for ref in refs for h in (1, 3)]
    if route == "/api/findings":
        return [env.get(role, route, limit=200)]
    if route == "/api/findings/{finding_id}" or route == "/findings/{finding_id}":
        return [env.get(role, route.replace("{finding_id}", f)) for f in fids]
    if route == "/api/findings/{finding_id}/export":
        return [
            env.get(role, route.replace("{finding_id}", f), format=fmt) for f in fids[:6] for fmt in FORMATS
        ]
    if route == "/api/export":
        return [
            env.call(role, "POST", route, json={"refs": refs, "hops": 2, "format": fmt}) for fmt in FORMATS
        ] + [env.call(role, "POST", route, json={"selection": "flagged", "format": "json"})]
    if route == "/api/findings/{finding_id}/review":
        return [env.call(role, "POST", route.replace("{finding_id}", fids[0]), json={"status": "核查中"})]
    if route == "/api/checks/run":
        return [env.call(role, "POST", route, json={"checks": ["kin_contract", "hidden_link"]})]
    if route == "/api/checks/jobs/{job_id}":
        return [env.get(role, route.replace("{job_id}", str(i))) for i in (1, 2)]
    if route == "/static/{kind}/{name}":
        return [env.get(role, "/static/static/app.js")]
    if route == "/login" and method == "POST":
        return [env.client.post("/login", data={"token": env.tokens[role]}, follow_redirects=False)]
    path = concrete(route)
    if method == "GET":
        return [env.get(role, path)]
    return [env.call(role, method, path, json={})]


def test_birth_dates_are_years_for_masked_roles(env: Env) -> None:  # noqa: F811
    ref = person_ref(env, "investigator", "赵书记")
    center = env.ok("investigator", "/api/graph/neighbourhood", ref=ref)["center"]
    assert center["props"]["birth_date"] == "1960"
    ref = person_ref(env, "auditor", "赵书记")
    assert (
        env.ok("auditor", "/api/graph/neighbourhood", ref=ref)["center"]["props"]["birth_date"]
        == "1960-01-01"
    )


def test_resident_ids_match_only_whole_for_masked_roles(env: Env) -> None:  # noqa: F811
    pid = env.ok("auditor", "/api/search", q="赵书记")["items"][0]["id"]
    assert env.ok("auditor", "/api/search", q=pid[:12], label="Person")["items"]  # prefix: for auditors
    for role in MASKED_ROLES:
        assert env.ok(role, "/api/search", q=pid[:12], label="Person")["items"] == []
        assert env.ok(role, "/api/search", q=pid[:17], label="Person")["items"] == []
        exact = env.ok(role, "/api/search", q=pid, label="Person")["items"]
        assert [i["caption"] for i in exact] == ["赵书记"] and exact[0]["id"] != pid


def test_id_lookups_are_rate_limited(env: Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: F811
    monkeypatch.setattr(search_module, "ID_LOOKUPS", 3)
    app = create_app(env.store, tmp_path / "state")
    svc = app.state.services
    tok = {r: svc.tokens.create(r, r)[1] for r in ("investigator", "analyst", "auditor")}
    c = TestClient(app)

    def q(role: str, text: str) -> int:
        return c.get(
            "/api/search", params={"q": text}, headers={"Authorization": f"Bearer {tok[role]}"}
        ).status_code

    assert [q("investigator", f"1401070{i}") for i in range(5)] == [200, 200, 200, 429, 429]
    assert q("investigator", "赵书记") == 200  # names are not limited
    assert q("analyst", "14010700") == 200  # per token
    assert all(q("auditor", f"1401070{i}") == 200 for i in range(6))  # who sees IDs is not limited
    # the limit is kept in the state folder: a second worker on it counts the same lookups
    other = TestClient(create_app(env.store, tmp_path / "state"))
    r = other.get(
        "/api/search", params={"q": "99999"}, headers={"Authorization": f"Bearer {tok['investigator']}"}
    )
    assert r.status_code == 429 and r.headers["retry-after"] == "60"


def test_id_lookups_are_capped_per_day(env: Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: F811
    """Beside the masked ID (region, two sequence digits) a masked role sees the birth year and the gender:
    about 366 × 5 candidates are left, each an exact lookup — a minute's limit alone would allow it in an
    hour, the daily cap makes it a week's work, logged."""
    monkeypatch.setattr(search_module, "ID_LOOKUPS", 3)
    monkeypatch.setattr(search_module, "ID_LOOKUPS_PER_DAY", 5)
    clock = [1_000_000.0]
    monkeypatch.setattr(search_module.time, "time", lambda: clock[0])
    app = create_app(env.store, tmp_path / "state")
    tok = app.state.services.tokens.create("investigator", "investigator")[1]
    c = TestClient(app)

    def q(text: str) -> int:
        return c.get(
            "/api/search", params={"q": text}, headers={"Authorization": f"Bearer {tok}"}
        ).status_code

    assert [q(f"1401070{i}") for i in range(3)] == [200, 200, 200]
    clock[0] += 61
    assert [q(f"1401071{i}") for i in range(3)] == [200, 200, 429]  # 5 in the day
    clock[0] += 3600
    assert q("14010720") == 429
    clock[0] += 86400
    assert q("14010730") == 200


def test_node_references_hold_across_workers_and_cannot_be_forged(env: Env) -> None:  # noqa: F811
    ref = person_ref(env, "investigator", "赵书记")
    assert ref.startswith("Person#")
    # a second app on the same state folder, as another worker process of `graphaudit serve` would be
    other = create_app(env.store, env.state)
    c = TestClient(other)
    h = {"Authorization": f"Bearer {env.tokens['investigator']}"}
    r = c.get("/api/graph/neighbourhood", params={"ref": ref}, headers=h)
    assert r.status_code == 200 and r.json()["center"]["caption"] == "赵书记"
    # the same node gets the same ref everywhere
    again = c.get("/api/search", params={"q": "赵书记", "label": "Person"}, headers=h).json()["items"]
    assert ref in {i["ref"] for i in again}
    # altered, truncated, relabelled or made up: unknown
    body = ref.split("#", 1)[1]
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    tail = body[:-1] + ("A" if body[-1] != "A" else "B")  # may differ only in unused bits: still refused
    for bad in (
        f"Person#{flipped}",
        f"Person#{tail}",
        f"Person#{body[:-4]}",
        f"Phone#{body}",
        "Person#" + "A" * 46,
        "Person#!!",
    ):
        assert env.get("investigator", "/api/graph/neighbourhood", ref=bad).status_code == 404, bad
    # a different state folder (another server) has another key
    assert env.app.state.services.refs.resolve(ref, False) is not None
