"""Runs of the checks in the background (``POST /api/checks/run`` with ``"wait": false``).

A county's checks take about half a minute; a browser (or a proxy in front of the server) should not hold a
request open that long.  The run goes on in a thread of the worker that accepted it; its progress is kept in
the state database's ``jobs`` table, so any worker answers ``GET /api/checks/jobs/{id}``.  A job whose
process is gone (the server stopped mid-run) is reported as failed.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any

from graphaudit.api.state import State
from graphaudit.api.tokens import Principal
from graphaudit.neo4j_local.server import pid_alive

__all__ = ["JobStore"]


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class JobStore:
    """The ``jobs`` table."""

    def __init__(self, state: State) -> None:
        self.state = state

    def create(self, who: Principal, checks: list[str], params: dict[str, Any]) -> int:
        with self.state.connect() as c:
            cur = c.execute(
                "INSERT INTO jobs (started_at, by_token, by_name, checks, params, status, total, pid) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
                (
                    _now(),
                    who.token_id,
                    who.name,
                    json.dumps(checks),
                    json.dumps(params, ensure_ascii=False, default=str),
                    len(checks),
                    os.getpid(),
                ),
            )
            return int(cur.lastrowid or 0)

    def progress(self, job_id: int, current: str, done: int) -> None:
        with self.state.connect() as c:
            c.execute("UPDATE jobs SET current = ?, done = ? WHERE id = ?", (current, done, job_id))

    def finish(self, job_id: int, run_id: int, counts: dict[str, int], seconds: float) -> None:
        with self.state.connect() as c:
            c.execute(
                "UPDATE jobs SET status = 'done', current = NULL, done = total, run_id = ?, counts = ?, "
                "seconds = ?, finished_at = ? WHERE id = ?",
                (run_id, json.dumps(counts), seconds, _now(), job_id),
            )

    def fail(self, job_id: int, error: str) -> None:
        with self.state.connect() as c:
            c.execute(
                "UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
                (error[:2000], _now(), job_id),
            )

    def get(self, job_id: int) -> dict[str, Any] | None:
        """The job as the API shows it, or None."""
        with self.state.connect() as c:
            row = c.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        job = dict(row)
        if job["status"] == "running" and not (job["pid"] and pid_alive(job["pid"])):
            self.fail(job_id, "服务器在运行中停止 the server stopped during the run")
            return self.get(job_id)
        return {
            "id": job["id"],
            "status": job["status"],
            "started_at": job["started_at"],
            "finished_at": job["finished_at"],
            "by": job["by_name"],
            "checks": json.loads(job["checks"]),
            "current": job["current"],
            "done": job["done"],
            "total": job["total"],
            "run_id": job["run_id"],
            "counts": json.loads(job["counts"]) if job["counts"] else None,
            "seconds": round(job["seconds"], 3) if job["seconds"] is not None else None,
            "error": job["error"],
        }
