"""Authentication and authorisation: every route but the login form needs a live token.

The token comes as ``Authorization: Bearer <token>`` (API clients) or in the HttpOnly, SameSite=Strict cookie
that the login form sets (the web pages and their scripts).  ``require(permission, action)`` is the one
dependency endpoints use: it answers 401 without a live token, 403 when the role lacks the permission (both
written to the audit log, under ``action`` or ``denied``), and, when ``action`` is given, appends the request
(who, when, path, parameters and, once answered, its status) to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request

from graphaudit.api.auditlog import DENIED, now
from graphaudit.api.context import Services, services
from graphaudit.api.guard import PENDING
from graphaudit.api.roles import ROLE_ZH, Permission, allowed
from graphaudit.api.tokens import Principal

__all__ = ["COOKIE", "Caller", "require", "token_of", "NotLoggedIn"]

COOKIE = "ga_token"


class NotLoggedIn(HTTPException):
    """401: no live token (pages turn this into a redirect to the login form)."""

    def __init__(self) -> None:
        super().__init__(
            401,
            "缺少或无效的访问令牌 (missing, revoked or invalid token)",
            headers={"WWW-Authenticate": "Bearer"},
        )


@dataclass
class Caller:
    """The authenticated caller of one request."""

    who: Principal
    svc: Services
    request: Request

    @property
    def show_ids(self) -> bool:
        """Whether this caller sees resident IDs, accounts and phones unmasked."""
        return allowed(self.who.role, Permission.see_ids)

    def may(self, permission: Permission) -> bool:
        return allowed(self.who.role, permission)

    def log(self, action: str, params: dict[str, Any] | None = None) -> None:
        """Append this request to the audit log under ``action`` with ``params`` (written with the response's
        status when the response starts, see :mod:`graphaudit.api.guard`)."""
        _log(self.svc, self.request, self.who, action, params or {})

    def describe(self) -> dict[str, Any]:
        return {
            "token_id": self.who.token_id,
            "name": self.who.name,
            "role": self.who.role.value,
            "role_zh": ROLE_ZH[self.who.role],
            "show_ids": self.show_ids,
            "permissions": sorted(p.value for p in Permission if self.may(p)),
        }


def _log(
    svc: Services,
    request: Request,
    who: Principal | None,
    action: str,
    params: dict[str, Any],
    status: int | None = None,
) -> None:
    """An audit entry for ``request``: now when ``status`` is known, else when the response starts (the guard
    middleware fills in its status); written at once when no guard is in front of the app."""
    client = request.client.host if request.client else ""
    at = now()

    def write(code: int | None) -> None:
        svc.audit.record(who, action, request.method, request.url.path, params, client, code, at)

    pending = request.scope.get("state", {}).get(PENDING)
    if status is None and pending is not None:
        pending.append(write)
    else:
        write(status)


def _params(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {**request.path_params, **{k: q.getlist(k) if len(q.getlist(k)) > 1 else v for k, v in q.items()}}


def token_of(request: Request) -> str:
    """The token a request carries (header first, then cookie), or ""."""
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE, "")


def require(permission: Permission, action: str | None = None) -> Callable[..., Caller]:
    """Dependency: the caller, if they have ``permission``; logs the request as ``action`` if given."""

    def dep(request: Request, svc: Services = Depends(services)) -> Caller:
        who = svc.tokens.verify(token_of(request))
        if who is None:
            _log(svc, request, None, action or DENIED, _params(request), 401)
            raise NotLoggedIn()
        caller = Caller(who, svc, request)
        if not caller.may(permission):
            _log(svc, request, who, action or DENIED, _params(request), 403)
            raise HTTPException(
                403,
                f"角色“{ROLE_ZH[who.role]}”无权执行此操作 "
                f"(role {who.role.value} lacks permission {permission.value})",
            )
        if action:
            caller.log(action, _params(request))
        return caller

    return dep
