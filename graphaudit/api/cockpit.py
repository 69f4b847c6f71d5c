"""The statistics cockpit (统计分析): ``GET /api/cockpit?month=YYYY-MM`` — the figures of
graphaudit.cases.stats, the same as ``graphaudit report``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.cases.run import titles
from graphaudit.cases.stats import figures

__all__ = ["router"]

router = APIRouter(prefix="/api/cockpit", tags=["cockpit 统计分析"])


@router.get("", summary="统计分析 The cockpit's figures")
def cockpit(
    month: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{2}$", description="月份 YYYY-MM（默认本月）")
    ] = None,
    caller: Caller = Depends(require(Permission.read_findings)),
) -> dict[str, Any]:
    """线索与涉及金额：按乡镇→村、检查、月份、核查状态、处置阶段；追缴金额、逾期、本月新增。"""
    try:
        return figures(caller.svc.state, month, titles=titles())
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
