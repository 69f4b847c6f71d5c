"""Findings of the last run of each check, persisted in the state database so the list survives restarts.

A run replaces the findings of the checks it ran (and only those); reviews are kept separately by the
stable ``finding_id``, so a finding found again keeps its status.  Findings are stored with the real
identifiers, like the store itself; masking happens when they are shown.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphaudit.api.state import State
from graphaudit.api.tokens import Principal
from graphaudit.findings import Finding

__all__ = ["FindingStore", "SORTS", "Who"]


@dataclass(frozen=True)
class Who:
    """Who ran the checks from the command line (no token)."""

    name: str
    token_id: int | None = None


#: Sort keys of the findings list: name → SQL ORDER BY (always ending in a unique key, for stable pages).
SORTS: dict[str, str] = {
    "-severity": 'f.severity DESC, f."check", f.finding_id',
    "severity": 'f.severity ASC, f."check", f.finding_id',
    "-amount": "f.amount DESC, f.severity DESC, f.finding_id",
    "amount": "f.amount ASC, f.severity DESC, f.finding_id",
    "org": "f.org_code, f.severity DESC, f.finding_id",
    "check": 'f."check", f.severity DESC, f.finding_id',
}


class FindingStore:
    """The ``findings`` and ``runs`` tables."""

    def __init__(self, state: State) -> None:
        self.state = state

    def save_run(
        self,
        results: dict[str, list[Finding]],
        params: dict[str, Any],
        who: Principal | Who,
        seconds: float,
        data_version: str | None = None,
    ) -> int:
        """Replace the findings of the checks in ``results``; returns the run's id.  ``data_version`` names
        the data the checks ran on (the embedded store's generation, or a digest of the store's counts)."""
        counts = {k: len(v) for k, v in results.items()}
        with self.state.connect() as c:
            cur = c.execute(
                "INSERT INTO runs (started_at, seconds, by_token, by_name, checks, params, counts, "
                "data_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.fromtimestamp(time.time() - seconds).astimezone().isoformat(timespec="seconds"),
                    seconds,
                    who.token_id,
                    who.name,
                    json.dumps(list(results)),
                    json.dumps(params, ensure_ascii=False, default=str),
                    json.dumps(counts),
                    data_version,
                ),
            )
            run_id = int(cur.lastrowid or 0)
            c.executemany('DELETE FROM findings WHERE "check" = ?', [(k,) for k in results])
            c.executemany(
                "INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        f.finding_id,
                        f.check,
                        f.severity,
                        f.amount,
                        f.org_code,
                        run_id,
                        f.explanation,
                        json.dumps(f.person_ids),
                        json.dumps(f.record_ids),
                        json.dumps(f.to_dict(show_ids=True), ensure_ascii=False),
                    )
                    for fs in results.values()
                    for f in fs
                ],
            )
        return run_id

    def all(self) -> list[Finding]:
        """Every stored finding: the last run of each check."""
        with self.state.connect() as c:
            rows = c.execute("SELECT data FROM findings ORDER BY finding_id").fetchall()
        return [Finding(**json.loads(r["data"])) for r in rows]

    def get(self, finding_id: str) -> Finding | None:
        """One finding, or None."""
        with self.state.connect() as c:
            row = c.execute("SELECT data FROM findings WHERE finding_id = ?", (finding_id,)).fetchone()
        return Finding(**json.loads(row["data"])) if row else None

    def query(
        self,
        *,
        check: str | None = None,
        org: str | None = None,
        min_severity: int | None = None,
        max_severity: int | None = None,
        status: str | None = None,
        sort: str = "-severity",
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total matching, one page of summaries: the contract's fields but path, plus ``status``), filtered;
        ``org`` matches a code prefix, so a township's code also finds its villages' findings; status
        新线索 includes never-reviewed findings."""
        where, args = [], []
        if check:
            where.append('f."check" = ?')
            args.append(check)
        if org:
            where.append("f.org_code LIKE ? ESCAPE '\\'")
            args.append(org.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if min_severity is not None:
            where.append("f.severity >= ?")
            args.append(str(min_severity))
        if max_severity is not None:
            where.append("f.severity <= ?")
            args.append(str(max_severity))
        if status:
            where.append("COALESCE(r.status, '新线索') = ?")
            args.append(status)
        cond = f"WHERE {' AND '.join(where)}" if where else ""
        base = f"FROM findings f LEFT JOIN reviews r ON r.finding_id = f.finding_id {cond}"
        with self.state.connect() as c:
            total = c.execute(f"SELECT count(*) {base}", args).fetchone()[0]
            rows = c.execute(
                f'SELECT f.finding_id, f."check", f.severity, f.amount, f.org_code, f.explanation, '
                f"f.person_ids, f.record_ids, COALESCE(r.status, '新线索') AS status {base} "
                f"ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return int(total), [
            dict(r, person_ids=json.loads(r["person_ids"]), record_ids=json.loads(r["record_ids"]))
            for r in rows
        ]

    def summary(self) -> dict[str, Any]:
        """Counts by check and by review status, and the last run."""
        with self.state.connect() as c:
            by_check = {r[0]: r[1] for r in c.execute('SELECT "check", count(*) FROM findings GROUP BY 1')}
            by_status = {
                r[0]: r[1]
                for r in c.execute(
                    "SELECT COALESCE(r.status, '新线索'), count(*) FROM findings f "
                    "LEFT JOIN reviews r ON r.finding_id = f.finding_id GROUP BY 1"
                )
            }
            last = c.execute(
                "SELECT started_at, seconds, by_name, checks, counts, data_version FROM runs "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
        last_run = (
            None
            if last is None
            else {
                "started_at": last["started_at"],
                "seconds": round(last["seconds"], 2),
                "by": last["by_name"],
                "checks": json.loads(last["checks"]),
                "counts": json.loads(last["counts"]),
                "data_version": last["data_version"],
            }
        )
        return {"by_check": by_check, "by_status": by_status, "last_run": last_run}
