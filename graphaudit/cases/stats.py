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

The cases are read once per state version (:func:`state_version`) and day, and summed per month first seen
(:class:`_Month`); a month's figures add up the months up to it (a county's 10,000 cases: one read of
about half a second on a busy machine, then a few milliseconds a month).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphaudit.cases.disposal import DisposalStore, Stage
from graphaudit.cases.review import Status
from graphaudit.state import State

__all__ = ["figures", "month_of", "township_of", "state_version", "VERSION"]

#: What the figures depend on: a new run, review, disposal step, history entry or case changes it.
VERSION = (
    "SELECT (SELECT max(id) FROM runs), (SELECT max(id) FROM case_reviews), "
    "(SELECT max(id) FROM case_disposal_events), (SELECT max(id) FROM case_history), "
    "(SELECT count(*) FROM cases)"
)


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


def state_version(state: State) -> tuple[Any, ...]:
    """The state's version for the figures (:data:`VERSION`), with the database file's identity."""
    from graphaudit.state import DB_FILE

    with state.connect() as c:
        version = tuple(c.execute(VERSION).fetchone())
    try:
        ino = (state.folder / DB_FILE).stat().st_ino
    except OSError:
        ino = 0
    return (str(state.folder), ino, *version)


@dataclass
class _Month:
    """The cases first seen in one month, summed by every breakdown."""

    totals: dict[str, Any] = field(default_factory=lambda: {**_row(), "removed": 0})
    towns: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(_row))
    villages: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(_row))
    )
    checks: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(_row))
    statuses: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(_row))
    stages: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(_row))
    closed: dict[str, list[float]] = field(default_factory=dict)  # closing month → [cases, recovered]


_prepared: OrderedDict[tuple[Any, ...], tuple[dict[str, _Month], dict[str, str]]] = OrderedDict()
_lock = threading.Lock()


def _by_month(state: State, today: date | None) -> tuple[dict[str, _Month], dict[str, str]]:
    """The live cases summed per month first seen, and the organisation names they carry; kept per state
    version and day (overdue hand-offs change with the day)."""
    key = (*state_version(state), (today or date.today()).isoformat())
    with _lock:
        if key in _prepared:
            _prepared.move_to_end(key)
            return _prepared[key]
    with state.connect() as c:
        rows = c.execute(
            "SELECT case_id, status, amount, org_code, checks, substr(first_seen, 1, 7) AS month "
            "FROM cases WHERE gone = 0"
        ).fetchall()
        # the name each organisation's cases carry: read from its last case
        known = {
            r[0]: r[1] or ""
            for r in c.execute(
                "SELECT org_code, json_extract(data, '$.org_name') FROM cases WHERE rowid IN "
                "(SELECT max(rowid) FROM cases WHERE gone = 0 GROUP BY org_code)"
            )
        }
    disposals = DisposalStore(state).all_current(today)
    months: dict[str, _Month] = defaultdict(_Month)
    leads: dict[str, str] = {}
    for r in rows:
        b = months[r["month"]]
        d = disposals.get(r["case_id"])
        amount = float(r["amount"])
        closing = (d or {}).get("closing") or {}
        recovered = float(closing.get("recovered") or 0.0)
        overdue = bool(d and d["overdue"])
        if d and d["stage"] in (Stage.accepted.value, Stage.closed.value):
            b.totals["removed"] += int(((d or {}).get("feedback") or {}).get("removed") or 0)
        _add(b.totals, amount, recovered, overdue)
        if closing:
            shut = b.closed.setdefault(str(closing.get("at", ""))[:7], [0, 0.0])
            shut[0] += 1
            shut[1] += recovered
        town = township_of(r["org_code"])
        _add(b.towns[town], amount, recovered, overdue)
        _add(b.villages[town][r["org_code"]], amount, recovered, overdue)
        lead = leads.get(r["checks"])
        if lead is None:
            lead = leads[r["checks"]] = (json.loads(r["checks"]) or [""])[0]
        _add(b.checks[lead], amount, recovered, overdue)
        _add(b.statuses[r["status"]], amount, recovered, overdue)
        _add(b.stages[d["stage"] if d else Stage.none.value], amount, recovered, overdue)
    out = (dict(months), known)
    with _lock:
        _prepared[key] = out
        while len(_prepared) > 8:
            _prepared.popitem(last=False)
    return out


def _merge(into: dict[str, dict[str, Any]], rows: Mapping[str, dict[str, Any]]) -> None:
    for k, v in rows.items():
        r = into.setdefault(k, _row())
        for f in ("cases", "amount", "recovered", "overdue"):
            r[f] += v[f]


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
    per_month, known = _by_month(state, today)
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
    towns: dict[str, dict[str, Any]] = {}
    villages: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    checks: dict[str, dict[str, Any]] = {}
    statuses: dict[str, dict[str, Any]] = {s.value: _row() for s in Status}
    stages: dict[str, dict[str, Any]] = {s.value: _row() for s in Stage}
    for m in sorted(per_month):
        if m > month:  # first seen after the month: not known at its end
            continue
        b = per_month[m]
        for f in ("cases", "amount", "recovered", "overdue", "removed"):
            totals[f] += b.totals[f]
        if m == month:
            totals["new_this_month"] = b.totals["cases"]
        closed = b.closed.get(month)
        if closed:
            totals["closed_this_month"] += int(closed[0])
            totals["recovered_this_month"] += closed[1]
        _merge(towns, b.towns)
        for t, vs in b.villages.items():
            _merge(villages[t], vs)
        _merge(checks, b.checks)
        _merge(statuses, b.statuses)
        _merge(stages, b.stages)
    months: dict[str, dict[str, Any]] = {}
    for m in _months(month):
        months[m] = _row()
        if m in per_month:
            _merge(months, {m: per_month[m].totals})
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
