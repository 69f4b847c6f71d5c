"""Counts of the graph and of the findings (``GET /api/stats``), and the model for the pages
(``GET /api/model``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import LabelCount, Me, Stats
from graphaudit.model import MODEL

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["stats 统计"])


@router.get("/stats", response_model=Stats, summary="统计 Counts")
def stats(caller: Caller = Depends(require(Permission.explore))) -> Stats:
    """各标签节点数、各类关系数（store.stats()），以及线索按检查和核查状态的数量。
    Nodes per label and relationships per type (``store.stats()``), findings by check and review status."""
    s = caller.svc.store.stats()
    return Stats(
        nodes=[LabelCount(name=k, zh=n.zh, count=s[k]) for k, n in MODEL.nodes.items()],
        relationships=[LabelCount(name=k, zh=r.zh, count=s[k]) for k, r in MODEL.rels.items()],
        findings=caller.svc.findings.summary(),
    )


@router.get("/model", summary="图模型 Labels, relationship types, captions, colours")
def model(caller: Caller = Depends(require(Permission.explore))) -> dict[str, Any]:
    """图模型（来自 model.yaml）：标签的中文名、显示属性和颜色，关系的中文名。
    The graph model from model.yaml: each label's Chinese name, caption property and colour; each
    relationship type's Chinese name and whether it is kinship."""
    return {
        "nodes": {k: {"zh": n.zh, "caption": n.caption, "color": n.color} for k, n in MODEL.nodes.items()},
        "relationships": {k: {"zh": r.zh, "kin": r.kin} for k, r in MODEL.rels.items()},
    }


@router.get("/me", response_model=Me, summary="当前用户 Who am I")
def me(caller: Caller = Depends(require(Permission.explore))) -> Me:
    """令牌持有人、角色及权限。The token's holder, role and permissions."""
    return Me(**caller.describe())
