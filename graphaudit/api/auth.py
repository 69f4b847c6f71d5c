"""Authentication and authorisation: every route but the login form needs a live token.

The token comes as ``Authorization: Bearer <token>`` (API clients) or in the HttpOnly, SameSite=Strict cookie
that the login form sets (the web pages and their scripts).  ``require(permission, action)`` is the one
dependency endpoints use: it answers 401 without a live token, 403 when the role lacks the permission, and,
when ``action`` is given, appends the request (who, when, path and parameters) to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request

from graphaudit.api.context import Services, services
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
        """Append this request to the audit log under ``action`` with ``params``."""
        req = self.request
        client = req.client.host if req.client else ""
        self.svc.audit.record(self.who, action, req.method, req.url.path, params or {}, client)

    def describe(self) -> dict[str, Any]:
        return {
            "token_id": self.who.token_id,
            "name": self.who.name,
            "role": self.who.role.value,
            "role_zh": ROLE_ZH[self.who.role],
            "show_ids": self.show_ids,
            "permissions": sorted(p.value for p in Permission if self.may(p)),
        }


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
            raise NotLoggedIn()
        caller = Caller(who, svc, request)
        if not caller.may(permission):
            raise HTTPException(
                403,
                f"角色“{ROLE_ZH[who.role]}”无权执行此操作 "
                f"(role {who.role.value} lacks permission {permission.value})",
            )
        if action:
            caller.log(
                action,
                {
                    **request.path_params,
                    **{
                        k: request.query_params.getlist(k) if len(request.query_params.getlist(k)) > 1 else v
                        for k, v in request.query_params.items()
                    },
                },
            )
        return caller

    return dep
