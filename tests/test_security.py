"""The API's outer guard (graphaudit.api.guard) and the audit of refused requests: body limit before parsing
and before the token check, 4xx for out-of-range values, security headers on every response, ``Secure``
cookies under TLS, and every refused or answered audited request in the audit log with its status."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from graphaudit.api.app import create_app
from graphaudit.api.auditlog import DROPPED, MAX_PARAMS, MAX_PATH
from graphaudit.api.guard import CSP, MAX_BODY, MAX_BODY_ENV
from graphaudit.api.state import DB_FILE
from tests.test_api import Env, env, person_ref, world_dir  # noqa: F401  (fixtures)


def audit_rows(env: Env, since: int = 0) -> list[dict[str, Any]]:  # noqa: F811
    con = sqlite3.connect(env.state / DB_FILE)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM audit_log WHERE id > ? ORDER BY id", (since,))]
    finally:
        con.close()


def last_id(env: Env) -> int:  # noqa: F811
    rows = audit_rows(env)
    return rows[-1]["id"] if rows else 0


# -- body size --------------------------------------------------------------------------------------------


def test_a_large_body_is_refused_before_the_token_check(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    calls: list[str] = []
    verify = env.app.state.services.tokens.verify
    monkeypatch.setattr(env.app.state.services.tokens, "verify", lambda t: calls.append(t) or verify(t))
    big = b"token=" + b"x" * (MAX_BODY + 10)
    r = env.client.post("/login", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "过大" in r.json()["detail"]
    # without a Content-Length (chunked): stopped once the limit is passed
    r = env.client.post("/login", content=iter([b"token="] + [b"x" * 65536] * 40))
    assert r.status_code == 413
    auth = {"Authorization": f"Bearer {env.tokens['admin']}", "Content-Type": "application/json"}
    r = env.client.post("/api/tokens", content=big, headers=auth)
    assert r.status_code == 413
    assert calls == []  # no token was looked at
    # a body within the limit goes through as before
    r = env.client.post("/login", data={"token": "ga_wrong"}, follow_redirects=False)
    assert r.status_code == 401 and calls == ["ga_wrong"]


def test_the_body_limit_is_configurable(env: Env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # noqa: F811
    monkeypatch.setenv(MAX_BODY_ENV, "200")
    app = create_app(env.store, tmp_path / "state")
    token = app.state.services.tokens.create("a", "admin")[1]
    c = TestClient(app)
    h = {"Authorization": f"Bearer {token}"}
    assert c.post("/api/tokens", json={"name": "x" * 300, "role": "admin"}, headers=h).status_code == 413
    assert c.post("/api/tokens", json={"name": "ok", "role": "investigator"}, headers=h).status_code == 201


# -- out-of-range values ---------------------------------------------------------------------------------


def test_out_of_range_values_are_4xx_not_500(env: Env) -> None:  # noqa: F811
    huge = str(2**63 + 5)
    cases = [
        ("admin", "GET", "/api/audit", {"offset": huge}),
        ("admin", "GET", "/api/findings", {"offset": huge}),
        ("admin", "GET", "/api/findings", {"offset": str(2**64 * 10)}),
        ("admin", "DELETE", f"/api/tokens/{huge}", {}),
        ("admin", "GET", "/static/static/app%00.js", {}),
        ("admin", "GET", "/static/static/%00", {}),
        ("admin", "GET", "/api/search", {"q": "赵", "offset": huge}),
        ("investigator", "GET", "/api/graph/neighbourhood", {"ref": "Person#" + "f" * 24, "offset": huge}),
    ]
    for role, method, path, params in cases:
        r = env.call(role, method, path, params=params)
        assert 400 <= r.status_code < 500, (path, params, r.status_code, r.text)


# -- headers and cookies --------------------------------------------------------------------------------


def test_security_headers_on_every_response(env: Env) -> None:  # noqa: F811
    responses = [
        env.get("investigator", "/api/search", q="赵"),
        env.get(None, "/api/search", q="赵"),  # 401
        env.get("investigator", "/api/audit"),  # 403
        env.get("investigator", "/api/findings/nope"),  # 404
        env.get("investigator", "/api/search"),  # 422
        env.client.get("/login"),
        env.get("investigator", "/findings"),
        env.get("investigator", "/static/static/app.js"),
        env.client.post("/login", content=b"x" * (MAX_BODY + 1)),  # 413 from the guard itself
        env.get("admin", "/static/static/%00"),  # 404 from the guard itself
    ]
    for r in responses:
        h = r.headers
        assert h["content-security-policy"] == CSP, r.url
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        if "/static/" in str(r.url) and r.status_code == 200:
            assert h["cache-control"] == "private, max-age=300"  # scripts: no personal data
        else:
            assert h["cache-control"] == "no-store", (r.url, h["cache-control"])
    assert [r.status_code for r in responses] == [200, 401, 403, 404, 422, 200, 200, 200, 413, 404]


def test_the_cookie_is_secure_under_tls_only(env: Env) -> None:  # noqa: F811
    form = {"token": env.tokens["investigator"], "next": "/findings"}
    plain = TestClient(env.app).post("/login", data=form, follow_redirects=False)
    assert plain.status_code == 303 and "secure" not in plain.headers["set-cookie"].lower()
    tls = TestClient(env.app, base_url="https://testserver").post("/login", data=form, follow_redirects=False)
    cookie = tls.headers["set-cookie"]
    assert tls.status_code == 303 and "; Secure" in cookie and "HttpOnly" in cookie and "strict" in cookie
    assert tls.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in plain.headers


# -- audit of refused and answered requests --------------------------------------------------------------


def test_denied_attempts_and_statuses_are_in_the_audit_log(env: Env) -> None:  # noqa: F811
    start = last_id(env)
    env.get(None, "/api/search", q="赵书记")
    env.get("investigator", "/api/audit")
    env.get("analyst", "/api/tokens")
    ref = person_ref(env, "investigator", "赵书记")
    env.get("investigator", "/api/graph/neighbourhood", ref="Person#" + "0" * 24)
    rows = audit_rows(env, start)
    got = [(r["who"], r["role"], r["action"], r["path"], r["status"]) for r in rows]
    assert got[0] == ("", "", "search", "/api/search", 401)
    assert got[1] == ("investigator用户", "investigator", "read_audit", "/api/audit", 403)
    assert got[2] == ("analyst用户", "analyst", "denied", "/api/tokens", 403)
    assert got[3][2:] == ("search", "/api/search", 200)
    assert got[4][2:] == ("neighbourhood", "/api/graph/neighbourhood", 404)
    assert ref and all(r["status"] is not None for r in rows)
    assert "赵书记" in rows[0]["params"]  # what the refused caller asked for
    # the admin sees them over the API, with the status
    items = env.ok("admin", "/api/audit", limit=50)["items"]
    assert any(i["action"] == "read_audit" and i.get("status") == 403 for i in items)


def test_a_flood_of_refused_requests_is_counted_not_written(
    env: Env,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refusals cost nothing: over the per-minute limit they are counted, and the count is written (once the
    minute is over, or when the server stops) — the log stays small and says what it left out."""
    audit = env.app.state.services.audit
    clock = [1000.0]
    monkeypatch.setattr(audit, "clock", lambda: clock[0])
    monkeypatch.setattr(audit, "denied_per_minute", 5)
    audit.close()  # the minutes other tests opened
    start = last_id(env)
    for i in range(40):
        assert env.client.get("/api/search", params={"q": f"x{i}"}).status_code == 401
    rows = audit_rows(env, start)
    assert [r["action"] for r in rows] == ["search"] * 5 + [DROPPED]
    assert json.loads(rows[-1]["params"])["first"] and rows[-1]["client"] == rows[0]["client"]
    clock[0] += 61  # the minute is over: the admin's read writes the count first
    items = env.ok("admin", "/api/audit", limit=5, action=DROPPED)["items"]
    assert items[0]["params"]["dropped"] == 35 and items[0]["params"]["limit"] == 5
    # a new minute: the next refusals are written again; the count of an open minute is written on close
    for i in range(7):
        env.client.get("/api/search", params={"q": f"y{i}"})
    audit.close()
    counts = [
        json.loads(r["params"]).get("dropped") for r in audit_rows(env, start) if r["action"] == DROPPED
    ]
    assert counts == [None, 35, None, 2]
    written = [r for r in audit_rows(env, start) if r["action"] == "search"]
    assert len(written) == 10


def test_an_entry_is_a_few_kilobytes_at_most(env: Env) -> None:  # noqa: F811
    start = last_id(env)
    env.client.get("/api/search", params={"q": "赵" * 3_000, "x": "1" * 20_000})
    env.client.get("/" + "p" * 50_000)
    rows = audit_rows(env, start)
    assert rows and all(len(r["params"]) <= MAX_PARAMS and len(r["path"]) <= MAX_PATH for r in rows)
    cut = json.loads(rows[0]["params"])
    assert cut["_cut"] > MAX_PARAMS and cut["head"].startswith('{"q": "赵')


@pytest.mark.parametrize("raw", ['"nan"', '"inf"', "NaN", "Infinity", "-Infinity", '"1e999"'])
def test_non_finite_check_parameters_are_422_over_the_api(env: Env, raw: str) -> None:  # noqa: F811
    """A NaN threshold silently replaced a check's findings (issue 19): the API refuses it, as JSON text or
    as the bare NaN/Infinity tokens Python's JSON parser accepts."""
    body = '{"checks": ["split_contracts"], "params": {"split_contracts.threshold": ' + raw + "}}"
    headers = {"Authorization": f"Bearer {env.tokens['auditor']}", "Content-Type": "application/json"}
    r = env.client.post("/api/checks/run", content=body, headers=headers)
    assert r.status_code == 422 and "threshold" in r.json()["detail"], r.text
