"""The checks: what there is (``GET /api/checks``) and running them (``POST /api/checks/run``)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, HTTPException

from graphaudit.api.auth import Caller, require
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import CheckInfo, CheckParam, RunRequest, RunResult
from graphaudit.queries import CHECKS, CheckParamError, run_checks

__all__ = ["router", "run"]

router = APIRouter(prefix="/api/checks", tags=["checks 检查"])


@router.get("", response_model=list[CheckInfo], summary="检查列表 The checks and their parameters")
def list_checks(caller: Caller = Depends(require(Permission.read_findings))) -> list[CheckInfo]:
    """每项检查的名称、中文标题、说明和参数（含默认值）。Each check's name, title, description and parameters."""
    return [CheckInfo(name=c.name, title=c.title, description=c.description,
                      params=[CheckParam(name=p.name, type=p.type.__name__, default=p.default, help=p.help,
                                         min=p.min, max=p.max) for p in c.all_params]) for c in CHECKS.values()]


def run(caller: Caller, body: RunRequest) -> RunResult:
    """Run the checks on the shared store and persist their findings (one run at a time)."""
    if not caller.svc.run_lock.acquire(blocking=False):
        raise HTTPException(409, "检查正在运行，请稍后 a run is in progress")
    try:
        t0 = time.perf_counter()
        try:
            results = run_checks(caller.svc.store, body.checks or None, body.params)  # type: ignore[arg-type]
        except CheckParamError as e:
            raise HTTPException(422, str(e)) from None
        seconds = time.perf_counter() - t0
        run_id = caller.svc.findings.save_run(results, body.params, caller.who, seconds)
    finally:
        caller.svc.run_lock.release()
    return RunResult(run_id=run_id, seconds=round(seconds, 3), counts={k: len(v) for k, v in results.items()})


@router.post("/run", response_model=RunResult, summary="运行检查 Run checks")
def run_endpoint(body: RunRequest, caller: Caller = Depends(require(Permission.run_checks))) -> RunResult:
    """运行所选检查（默认全部）并保存线索；同一检查上次的线索被替换，核查状态保留（finding_id 稳定）。
    Run the selected checks (all by default) and save their findings, replacing those of the same checks'
    previous run; review statuses are kept (finding ids are stable). 422 for unknown checks or bad parameters."""
    caller.log("run_checks", body.model_dump())
    return run(caller, body)
