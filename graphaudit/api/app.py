"""The application factory: one shared store, the state folder, the API routers and the web pages.

    app = create_app(store, state_dir)       # store: any GraphStore; state_dir: see graphaudit.api.state

``graphaudit serve --workers N`` runs N worker processes; each builds its app with :func:`app_from_env`
from the settings the command leaves in the environment (``GRAPHAUDIT_SERVE``) and opens the store itself
(read-only).  Everything the workers share lives in the state folder's SQLite file.

No route is public but the login form (``GET``/``POST /login``).  The OpenAPI document is served at
``/api/openapi.json`` to token holders; the interactive docs (Swagger UI, ReDoc) are off because they load
from a CDN, and this server runs offline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from graphaudit.api import (
    admin,
    cases,
    checks,
    cockpit,
    disposal,
    exports,
    findings,
    graph,
    households,
    names,
    pages,
    people,
    records,
    search,
    stats,
)
from graphaudit.api.auth import Caller, require
from graphaudit.api.context import Services
from graphaudit.api.roles import Permission
from graphaudit.api.state import State
from graphaudit.errors import GraphAuditError, StoreError
from graphaudit.store.base import GraphStore

__all__ = ["create_app", "app_from_env", "SERVE_ENV"]

#: The environment variable with a worker's settings (JSON: db, neo4j, database, state).
SERVE_ENV = "GRAPHAUDIT_SERVE"

DESCRIPTION = """\
基层“微腐败”线索核查：搜索人员、户、企业和单位，查看关系图，运行检查，核查线索，导出证据子图。
Cross-checks of county registers for grassroots micro-corruption: search, explore the relationship graph,
run checks, review findings, export evidence.

**认证 Authentication**: every route needs a token — `Authorization: Bearer <token>`, or the cookie the
login form sets. Tokens are made with `graphaudit tokens create --role ROLE --name NAME`.
Roles: investigator 调查员 (explore, read findings), auditor 审核员 (+ run checks, review, unmasked IDs),
analyst 分析员 (+ export, masked IDs), admin 管理员 (everything, tokens, audit log).
Reads of personal data are written to an append-only audit log.
"""


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def create_app(store: GraphStore, state_dir: str | Path) -> FastAPI:
    """The API and web pages over ``store``, with tokens, findings, reviews and audit log in ``state_dir``."""
    app = FastAPI(
        title="graphaudit",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.services = Services(store, State(state_dir))
    app.router.on_shutdown.append(app.state.services.audit.close)  # counts of refusals not yet written
    for module in (
        search,
        graph,
        findings,
        records,
        cases,
        disposal,
        cockpit,
        checks,
        exports,
        stats,
        people,
        households,
        names,
        admin,
        pages,
    ):
        app.include_router(module.router)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(caller: Caller = Depends(require(Permission.explore))) -> dict[str, Any]:
        return app.openapi()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if (
            exc.status_code == 401
            and _is_page(request)
            and request.method == "GET"
            and not request.url.path.startswith("/static/")
        ):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return JSONResponse(
            {
                "detail": f"参数错误 invalid {where}: {first.get('msg', 'invalid request')}",
                "errors": [{k: e.get(k) for k in ("loc", "msg", "type")} for e in errors],
            },
            status_code=422,
        )

    @app.exception_handler(GraphAuditError)
    async def graphaudit_error(request: Request, exc: GraphAuditError) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=503 if isinstance(exc, StoreError) else 400)

    from graphaudit.api.guard import install  # body limit, bad paths, security headers, audit status

    install(app)
    return app


def app_from_env() -> FastAPI:
    """A worker's app: the store and state folder named in ``$GRAPHAUDIT_SERVE``, warmed up (search index,
    hubs) before it takes requests; the store is closed when the worker stops."""
    from graphaudit.store import open_store

    cfg = json.loads(os.environ[SERVE_ENV])
    store = open_store(cfg.get("db"), cfg.get("neo4j"), cfg.get("database"), read_only=True, query_threads=1)
    app = create_app(store, cfg["state"])
    app.state.services.warm()
    app.router.on_shutdown.append(store.close)
    return app
