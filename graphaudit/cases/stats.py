"""The figures of the statistics cockpit (统计分析) and of the monthly report (``graphaudit report``) — one
function for both, so the page and the spreadsheet never disagree.

``figures(state, month)`` counts the cases known at the end of ``month`` (first seen by then) that are still
found (not 已消失), with their review status and disposal as they stand now:

- ``totals``: cases, money at risk (涉及金额), new this month, closed (销号) this month, money recovered
  (追缴, from the closings) and people removed from the rolls (清退, from accepted feedback), overdue
  hand-offs;
- ``by_township`` (乡镇 = the first 9 digits of a 12-digit organisation code) with its ``villages``;
- ``by_check`` (each case under its lead check — the first of its checks — so the rows add up to the total);
- ``by_month`` (the month a case was first seen, the last 12 months up to ``month``);
- ``by_status`` and ``by_disposal`` (处置阶段).

Every breakdown but ``by_month`` (which covers 12 months only) adds up to ``totals`` (cases, amount,
recovered).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from graphaudit.cases.disposal import DisposalStore, Stage
from graphaudit.cases.review import Status
from graphaudit.state import State

__all__ = ["figures", "month_of", "township_of"]


def township_of(org_code: str) -> str:
    """The township (乡镇) code of an organisation: the first 9 digits of a 12-digit code."""
    return org_code[:9] if len(org_code) == 12 and org_code.isdigit() else org_code


def month_of(month: str | None, today: date | None = None) -> str:
    """``YYYY-MM`` checked, or this month."""
    if not month:
        return (today or date.today()).isoformat()[:7]
    try:
        date.fromisoformat(month + "-01")
    except ValueError:
        raise ValueError(f"月份应为 YYYY-MM，而不是“{month}”") from None
    return month


def _months(last: str, n: int = 12) -> list[str]:
    y, m = int(last[:4]), int(last[5:7])
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _row() -> dict[str, Any]:
    return {"cases": 0, "amount": 0.0, "recovered": 0.0, "overdue": 0}


def _add(r: dict[str, Any], amount: float, recovered: float, overdue: bool) -> None:
    r["cases"] += 1
    r["amount"] += amount
    r["recovered"] += recovered
    r["overdue"] += int(overdue)


def _rounded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["amount"] = round(r["amount"], 2)
        r["recovered"] = round(r["recovered"], 2)
        if "villages" in r:
            _rounded(r["villages"])
    return rows


def figures(
    state: State,
    month: str | None = None,
    *,
    today: date | None = None,
    titles: Mapping[str, str] | None = None,
    names: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The cockpit's and the report's figures for ``month`` (module docstring).  ``titles`` names the checks;
    ``names`` maps an organisation code to its name (default: the names the cases carry, then the shipped
    admin divisions for townships and counties)."""
    month = month_of(month, today)
    end = month + "-31T99"  # every timestamp of the month sorts before it
    with state.connect() as c:
        rows = c.execute(
            "SELECT case_id, status, amount, org_code, checks, first_seen, "
            "json_extract(data, '$.org_name') AS org_name FROM cases WHERE gone = 0 AND first_seen <= ?",
            (end,),
        ).fetchall()
    disposals = DisposalStore(state).all_current(today)
    known = {r["org_code"]: r["org_name"] or "" for r in rows}
    from graphaudit.places import shipped_names  # townships and counties the package ships

    shipped = shipped_names()
    name = names or (lambda code: known.get(code) or shipped.get(code, ""))
    totals = {
        "cases": 0,
        "amount": 0.0,
        "new_this_month": 0,
        "closed_this_month": 0,
        "recovered": 0.0,
        "recovered_this_month": 0.0,
        "removed": 0,
        "overdue": 0,
    }
    towns: dict[str, dict[str, Any]] = defaultdict(_row)
    villages: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(_row))
    checks: dict[str, dict[str, Any]] = defaultdict(_row)
    months: dict[str, dict[str, Any]] = {m: _row() for m in _months(month)}
    statuses: dict[str, dict[str, Any]] = {s.value: _row() for s in Status}
    stages: dict[str, dict[str, Any]] = {s.value: _row() for s in Stage}
    for r in rows:
        d = disposals.get(r["case_id"])
        amount = float(r["amount"])
        closing = (d or {}).get("closing") or {}
        recovered = float(closing.get("recovered") or 0.0)
        overdue = bool(d and d["overdue"])
        fb = (d or {}).get("feedback") or {}
        if d and d["stage"] in (Stage.accepted.value, Stage.closed.value):
            totals["removed"] += int(fb.get("removed") or 0)
        totals["cases"] += 1
        totals["amount"] += amount
        totals["recovered"] += recovered
        totals["overdue"] += int(overdue)
        if r["first_seen"][:7] == month:
            totals["new_this_month"] += 1
        if closing and str(closing.get("at", ""))[:7] == month:
            totals["closed_this_month"] += 1
            totals["recovered_this_month"] += recovered
        town = township_of(r["org_code"])
        _add(towns[town], amount, recovered, overdue)
        _add(villages[town][r["org_code"]], amount, recovered, overdue)
        lead = (json.loads(r["checks"]) or [""])[0]
        _add(checks[lead], amount, recovered, overdue)
        if r["first_seen"][:7] in months:
            _add(months[r["first_seen"][:7]], amount, recovered, overdue)
        _add(statuses[r["status"]], amount, recovered, overdue)
        _add(stages[d["stage"] if d else Stage.none.value], amount, recovered, overdue)
    titles = titles or {}
    by_township = [
        {
            "code": t,
            "name": name(t),
            **v,
            "villages": sorted(
                ({"code": code, "name": name(code), **x} for code, x in villages[t].items()),
                key=lambda x: (-x["cases"], x["code"]),
            ),
        }
        for t, v in towns.items()
    ]
    by_township.sort(key=lambda x: (-x["cases"], x["code"]))
    totals["amount"] = round(totals["amount"], 2)
    totals["recovered"] = round(totals["recovered"], 2)
    totals["recovered_this_month"] = round(totals["recovered_this_month"], 2)
    return {
        "month": month,
        "totals": totals,
        "by_township": _rounded(by_township),
        "by_check": _rounded(
            sorted(
                ({"check": k, "title": titles.get(k, k), **v} for k, v in checks.items()),
                key=lambda x: (-x["cases"], x["check"]),
            )
        ),
        "by_month": _rounded([{"month": m, **v} for m, v in months.items()]),
        "by_status": _rounded([{"status": s, **v} for s, v in statuses.items()]),
        "by_disposal": _rounded([{"stage": s, **v} for s, v in stages.items()]),
    }
