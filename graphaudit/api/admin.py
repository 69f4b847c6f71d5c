"""Administration over the API (admin role only): tokens (``/api/tokens``) and reading the audit log
(``/api/audit``).  The audit log has no write, edit or delete route: it is append-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import AuditEntry, AuditPage, TokenCreated, TokenInfo, TokenRequest
from graphaudit.api.tokens import TokenError

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["admin 管理"])


@router.get("/tokens", response_model=list[TokenInfo], summary="令牌列表 List tokens")
def list_tokens(caller: Caller = Depends(require(Permission.admin))) -> list[TokenInfo]:
    """全部令牌（含已吊销），不含密钥。Every token, revoked ones too, without secrets."""
    return [TokenInfo(**t) for t in caller.svc.tokens.list()]  # type: ignore[arg-type]


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="创建令牌 Create a token")
def create_token(body: TokenRequest, caller: Caller = Depends(require(Permission.admin))) -> TokenCreated:
    """新令牌只显示这一次；库中只存其 sha256。The token is shown once; only its sha256 is stored."""
    caller.log("create_token", {"name": body.name, "role": body.role.value})
    token_id, token = caller.svc.tokens.create(body.name, body.role.value)
    return TokenCreated(id=token_id, name=body.name, role=body.role, token=token)


@router.delete("/tokens/{token_id}", status_code=204, summary="吊销令牌 Revoke a token")
def revoke_token(token_id: int, caller: Caller = Depends(require(Permission.admin))) -> None:
    """吊销后立即失效。Revoked tokens stop working at once. 404 for an unknown or already revoked token."""
    caller.log("revoke_token", {"token_id": token_id})
    try:
        caller.svc.tokens.revoke(token_id)
    except TokenError as e:
        raise HTTPException(404, str(e)) from None


@router.get("/audit", response_model=AuditPage, summary="审计日志 Read the audit log")
def read_audit(
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    who: Annotated[str | None, Query(max_length=64, description="只看此人 only this holder")] = None,
    action: Annotated[str | None, Query(max_length=64, description="只看此操作 only this action")] = None,
    caller: Caller = Depends(require(Permission.admin, "read_audit")),
) -> AuditPage:
    """谁在何时以何参数读取了哪些个人信息，最新的在前；只读，不能修改或删除。
    Who read which personal data, when and with which parameters, newest first. Read-only: it cannot be
    edited or deleted."""
    total, rows = caller.svc.audit.read(offset, limit, who, action)
    return AuditPage(total=total, offset=offset, limit=limit, items=[AuditEntry(**r) for r in rows])
