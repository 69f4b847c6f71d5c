"""The checks: what there is (``GET /api/checks``), running them (``POST /api/checks/run``), and following a
run in the background (``GET /api/checks/jobs/{id}``)."""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from graphaudit.api.auth import Caller, require
from graphaudit.api.context import Services
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import CheckInfo, Job, RunRequest, RunResult
from graphaudit.api.tokens import Principal
from graphaudit.checks import CHECKS, CheckParamError, resolve_params, run_checks

__all__ = ["router", "run", "start", "save"]

router = APIRouter(prefix="/api/checks", tags=["checks 检查"])


@router.get("", response_model=list[CheckInfo], summary="检查列表 The checks and their parameters")
def list_checks(caller: Caller = Depends(require(Permission.read_findings))) -> list[CheckInfo]:
    """每项检查的名称、中文标题、说明、参数（含默认值）、基础分、依据条文和资金类别。
    Each check's declaration: name, title, description, parameters, base severity, legal basis, fund kind."""
    return [CheckInfo.of(c) for c in CHECKS.values()]


def save(
    svc: Services, results: dict[str, Any], params: dict[str, Any], who: Principal, seconds: float
) -> int:
    """Persist a run: its findings, then the cases of all stored findings (graphaudit.cases.run) — the same
    record ``graphaudit check`` makes."""
    from graphaudit.cases.run import data_version, org_names, record_run

    rec = record_run(
        svc.state,
        results,
        params,
        who=who,
        seconds=seconds,
        version=data_version(svc.store),
        orgs=org_names(svc.store),
    )
    return rec.run_id


def _names(body: RunRequest) -> list[str]:
    """The checks to run, their parameters validated first (422)."""
    names = list(dict.fromkeys(body.checks or CHECKS))
    try:
        resolve_params(names, body.params)
    except CheckParamError as e:
        raise HTTPException(422, str(e)) from None
    return names


def _lock(caller: Caller) -> None:
    if not caller.svc.run_lock.acquire(blocking=False):
        raise HTTPException(409, "检查正在运行，请稍后 a run is in progress")


def run(caller: Caller, body: RunRequest) -> RunResult:
    """Run the checks on the shared store and persist their findings (one run at a time)."""
    names = _names(body)
    _lock(caller)
    try:
        t0 = time.perf_counter()
        results = run_checks(caller.svc.store, names, body.params)
        seconds = time.perf_counter() - t0
        run_id = save(caller.svc, results, body.params, caller.who, seconds)
    finally:
        caller.svc.run_lock.release()
    return RunResult(run_id=run_id, seconds=round(seconds, 3), counts={k: len(v) for k, v in results.items()})


def _background(svc: Services, who: Principal, names: list[str], params: dict[str, Any], job_id: int) -> None:
    """The body of a background run: progress into the job, findings saved as by :func:`run`."""
    try:
        running: list[str] = []
        ended: list[str] = []
        lock = threading.Lock()

        def started(name: str) -> None:
            with lock:
                running.append(name)
                svc.jobs.progress(job_id, "，".join(running), len(ended))

        def done(name: str, _seconds: float) -> None:
            with lock:
                running.remove(name)
                ended.append(name)
                svc.jobs.progress(job_id, "，".join(running), len(ended))

        t0 = time.perf_counter()
        results = run_checks(svc.store, names, params, on_check=started, on_done=done)
        seconds = time.perf_counter() - t0
        run_id = save(svc, results, params, who, seconds)
        svc.jobs.finish(job_id, run_id, {k: len(v) for k, v in results.items()}, seconds)
    except Exception as e:  # noqa: BLE001 - the job reports any failure; nobody waits on this thread
        svc.jobs.fail(job_id, f"{type(e).__name__}: {e}")
    finally:
        svc.run_lock.release()


def start(caller: Caller, body: RunRequest) -> Job:
    """Start a run in the background; the job to poll."""
    names = _names(body)
    _lock(caller)
    try:
        job_id = caller.svc.jobs.create(caller.who, names, body.params)
        threading.Thread(
            target=_background,
            args=(caller.svc, caller.who, names, body.params, job_id),
            name=f"checks-job-{job_id}",
            daemon=True,
        ).start()
    except BaseException:
        caller.svc.run_lock.release()
        raise
    job = caller.svc.jobs.get(job_id)
    assert job is not None
    return Job(**job)


@router.post(
    "/run",
    response_model=RunResult,
    summary="运行检查 Run checks",
    responses={202: {"model": Job, "description": "已在后台开始 started in the background (wait=false)"}},
)
def run_endpoint(body: RunRequest, caller: Caller = Depends(require(Permission.run_checks))) -> Any:
    """运行所选检查（默认全部）并保存线索；同一检查上次的线索被替换，核查状态保留（finding_id 稳定）。
    Run the selected checks (all by default) and save their findings, replacing those of the same checks'
    previous run; review statuses are kept (finding ids are stable). 422 for unknown checks or bad parameters,
    409 while another run is in progress. With ``"wait": false`` the run goes on in the background: 202 and a
    job to poll at ``/api/checks/jobs/{id}`` (a county takes about half a minute)."""
    caller.log("run_checks", body.model_dump())
    if body.wait:
        return run(caller, body)
    return JSONResponse(start(caller, body).model_dump(), status_code=202)


@router.get("/jobs/{job_id}", response_model=Job, summary="后台运行进度 A background run's progress")
def job_status(job_id: int, caller: Caller = Depends(require(Permission.read_findings))) -> Job:
    """后台运行的状态：running（当前检查、已完成数）、done（各检查线索数）或 failed（原因）。
    A background run: running (the check now running, how many are done), done (findings per check) or failed
    (why). 404 for an unknown job."""
    job = caller.svc.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"没有这个运行任务 no job {job_id}")
    return Job(**job)
