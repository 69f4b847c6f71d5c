"""The statistics cockpit (统计分析): ``GET /api/cockpit?month=YYYY-MM`` — the figures of
graphaudit.cases.stats, the same as ``graphaudit report``.

The figures change only when a check run, a review or a disposal step is recorded (or the day changes, for
overdue hand-offs), so each server process keeps the last few answers keyed by those and by the month."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.cases.run import titles
from graphaudit.cases.stats import figures, state_version

__all__ = ["router"]

router = APIRouter(prefix="/api/cockpit", tags=["cockpit 统计分析"])
_cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


@router.get("", summary="统计分析 The cockpit's figures")
def cockpit(
    month: Annotated[
        str | None, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="月份 YYYY-MM（默认本月）")
    ] = None,
    caller: Caller = Depends(require(Permission.read_findings)),
) -> dict[str, Any]:
    """线索与涉及金额：按乡镇→村、检查、月份、核查状态、处置阶段；追缴金额、逾期、本月新增。"""
    state = caller.svc.state
    key = (month, date.today().isoformat(), *state_version(state))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        fig = figures(state, month, titles=titles())
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    with _lock:
        _cache[key] = fig
        while len(_cache) > 16:
            _cache.popitem(last=False)
    return fig
