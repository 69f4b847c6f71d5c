"""What every request and response goes through, before routing, parsing or the token check.

:class:`Guard` is one ASGI middleware (installed by :func:`install`):

- **Body size**: a request body longer than ``max_body`` bytes (default 1 MiB, ``$GRAPHAUDIT_MAX_BODY``) is
  refused with 413 — by its ``Content-Length`` before a byte is read, or once that many bytes have arrived —
  before anything parses it or looks at the token.  The body is then handed on to the app from memory.
- **Bad paths**: a path with a NUL or another control character is answered 404 (no resource is named so).
- **Security headers** on every response (:data:`HEADERS`): a Content-Security-Policy that allows only this
  server's own scripts, styles, images and API (the pages load nothing from elsewhere), no framing
  (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``), ``nosniff``, ``Referrer-Policy: no-referrer``,
  and ``Cache-Control: no-store`` unless the route set its own (static files): answers hold personal data.
- **TLS**: when the request came over TLS (``https``), every ``Set-Cookie`` gets ``Secure`` and the answer
  ``Strict-Transport-Security``.
- **Audit status**: entries a request adds to the audit log (:meth:`graphaudit.api.auth.Caller.log`) are
  written when its response starts, with the response's status (500 if it failed before answering).

:func:`install` also turns values no route can hold (an integer too large for SQLite) into 422 instead of 500.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

__all__ = ["Guard", "install", "HEADERS", "CSP", "MAX_BODY", "MAX_BODY_ENV", "PENDING"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("graphaudit.api")

#: Default request body limit in bytes, and the environment variable that overrides it.
MAX_BODY = 1 << 20
MAX_BODY_ENV = "GRAPHAUDIT_MAX_BODY"

#: Key in the ASGI scope's ``state`` under which a request's pending audit entries wait for its status.
PENDING = "ga_audit_pending"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS: dict[str, str] = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def _max_body() -> int:
    raw = os.environ.get(MAX_BODY_ENV, "")
    try:
        return int(raw) if raw.strip() else MAX_BODY
    except ValueError:
        return MAX_BODY


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    """The middleware (module docstring)."""

    def __init__(self, app: ASGIApp, max_body: int | None = None) -> None:
        self.app = app
        self.max_body = _max_body() if max_body is None else max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = scope.get("scheme") == "https"
        started: dict[str, int] = {}
        pending: list[Callable[[int], None]] = []
        scope.setdefault("state", {})[PENDING] = pending

        async def flush(status: int) -> None:
            entries, pending[:] = list(pending), []
            for write in entries:
                await to_thread.run_sync(write, status)

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
                message["headers"] = _secure(list(message.get("headers", [])), tls)
                await flush(message["status"])
            await send(message)

        path = scope.get("path", "")
        if any(ord(c) < 32 or c == "\x7f" for c in path):
            await _answer(guarded_send, 404, "不存在 not found (control characters in the path)")
            return
        too_big = f"请求体过大 request body over {self.max_body} bytes"
        length = _content_length(scope)
        if length is not None and length > self.max_body:
            await _answer(guarded_send, 413, too_big)
            return
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await _answer(guarded_send, 413, too_big)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            inner_receive: Receive = replay
        else:
            inner_receive = receive
        try:
            await self.app(scope, inner_receive, guarded_send)
        except Exception:
            if started:
                raise
            # answered here rather than by Starlette's outer error handler, so that a 500 carries the
            # security headers and its audit entries their status too
            log.exception("request failed: %s %s", scope.get("method"), path)
            await _answer(guarded_send, 500, "服务器内部错误 internal server error")
        finally:
            if pending:
                await flush(started.get("status", 500))


def _content_length(scope: Scope) -> int | None:
    for k, v in scope.get("headers", []):
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


def _secure(headers: list[tuple[bytes, bytes]], tls: bool) -> list[tuple[bytes, bytes]]:
    have = {k.lower() for k, _ in headers}
    out = []
    for k, v in headers:
        if tls and k.lower() == b"set-cookie" and b"; secure" not in v.lower():
            v = v + b"; Secure"
        out.append((k, v))
    out += [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in have]
    if tls and b"strict-transport-security" not in have:
        out.append((b"strict-transport-security", b"max-age=31536000"))
    if b"cache-control" not in have:
        out.append((b"cache-control", b"no-store"))
    return out


#: Error answers every operation may give (the guard, the token check, a missing resource, a store that
#: cannot answer), documented on each operation of the OpenAPI document with :data:`ERROR_SCHEMA`.
COMMON_ERRORS = {
    "400": "请求无效 bad request",
    "401": "缺少或无效的访问令牌 missing, revoked or invalid token",
    "403": "角色无此权限 the role lacks the permission",
    "404": "不存在 not found",
    "413": "请求体过大 request body too large",
    "422": "参数错误 invalid parameters or body",
    "503": "数据库不可用 the store cannot answer",
}
#: The body of every error answer: ``detail`` one line; ``errors`` the validation errors, when there are.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array"},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}


def document_errors(doc: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document ``doc`` with the error answers as the app gives them: FastAPI's validation
    error schema replaced by :data:`ERROR_SCHEMA` (the app answers ``{"detail": "…", "errors": […]}``, see
    ``create_app``), :data:`COMMON_ERRORS` (plus 409 on writes) on every operation, and every integer
    without bounds bounded to the 64-bit range the app can hold (beyond: 422, see :func:`install`)."""
    _bound_integers(doc)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["HTTPValidationError"] = ERROR_SCHEMA
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for methods in doc.get("paths", {}).values():
        for method, op in methods.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            codes = dict(COMMON_ERRORS)
            if method in ("post", "put", "patch", "delete"):
                codes["409"] = "与当前状态冲突 conflicts with the current state"
            for code, text in codes.items():
                answer = op["responses"].setdefault(code, {"description": text})
                answer["content"] = {"application/json": {"schema": ref}}
    return doc


INT64 = (-(2**63), 2**63 - 1)


def _bound_integers(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("minimum", INT64[0])
            node.setdefault("maximum", INT64[1])
        for v in node.values():
            _bound_integers(v)
    elif isinstance(node, list):
        for v in node:
            _bound_integers(v)


def install(app: FastAPI, max_body: int | None = None) -> None:
    """Put :class:`Guard` in front of ``app``, answer out-of-range values with 422 and document the error
    answers in the app's OpenAPI document (:func:`document_errors`)."""
    app.add_middleware(Guard, max_body=max_body)
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(plain())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError) -> Response:
        return JSONResponse({"detail": f"参数超出范围 value out of range ({exc})"}, status_code=422)
