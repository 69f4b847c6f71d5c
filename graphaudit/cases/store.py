"""Cases kept in the state database across loads and check runs: identity, what changed, reviews, history.

``CaseStore.record(run_id, cases)`` reconciles the cases folded from a run (graphaudit.cases.fold) with those
already recorded:

- **identity**: a new case takes the id of the recorded case(s) it shares findings or records with.  A new
  case's id is ``C`` + its strongest finding's id.  When one new case meets several recorded cases they merge:
  the survivor is the oldest (first seen first, then id), every other id becomes an alias of it, and their
  reviews and history move to it.  When a recorded case splits, the part sharing most with it keeps its id and
  the other parts start from a copy of its review, each with a history entry saying so;
- **what changed** against the previous run: 新增 (new), 有变化 (its records, amount, findings or checks
  changed, or it came back), 未变化, 已消失 (no finding of the run has it any more; kept with its review);
- **re-opening**: a concluded case (属实 / 不属实) whose records or amount change goes back to 核查中, with a
  review entry by "系统" saying what changed.

Reviews (status, comment, who, when) and history are keyed by case id and never deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphaudit.cases.fold import CLUSTER, Case
from graphaudit.cases.review import CONCLUDED, NEEDS_COMMENT, NEXT, CommentRequired, Status, TransitionError
from graphaudit.state import State

__all__ = ["CaseStore", "Change", "CHANGES", "SORTS", "SYSTEM", "CaseRecord"]

SYSTEM = "系统"


class Change:
    new = "新增"
    changed = "有变化"
    unchanged = "未变化"
    gone = "已消失"


#: The --change / ?change= words and the marks they select.
CHANGES = {"new": Change.new, "changed": Change.changed, "unchanged": Change.unchanged, "gone": Change.gone}
#: Sort keys of the case list → SQL ORDER BY (ending in the unique case_id).
SORTS: dict[str, str] = {
    "-severity": "gone, severity DESC, amount DESC, case_id",
    "severity": "gone, severity ASC, amount DESC, case_id",
    "-amount": "gone, amount DESC, severity DESC, case_id",
    "amount": "gone, amount ASC, severity DESC, case_id",
    "org": "gone, org_code, severity DESC, case_id",
    "-last_changed": "last_changed DESC, severity DESC, case_id",
}


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class CaseRecord:
    """What a case was at the previous run."""

    case_id: str
    status: str
    gone: bool
    first_run: int
    fingerprint: str
    data: dict[str, Any]


def _fingerprint(data: Mapping[str, Any]) -> str:
    key = json.dumps(
        [sorted(data["record_ids"]), round(float(data["amount"]), 2), sorted(data["finding_ids"])],
        ensure_ascii=False,
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def case_data(c: Case, titles: Mapping[str, str]) -> dict[str, Any]:
    """The folded case as stored (real identifiers; masking happens on output)."""
    return {
        "checks": c.checks,
        "finding_ids": c.finding_ids,
        "record_ids": c.record_ids,
        "person_ids": c.person_ids,
        "amount": c.amount,
        "relief_amount": c.relief_amount,
        "severity": c.severity,
        "org_code": c.lead.org_code,
        "org_name": c.org_name,
        "explanation": c.explanation(titles),
        "legal_basis": c.legal_basis,
        "money_band": c.money_band,
        "band_note": c.band_note,
        "cadre": c.cadre,
        "linked_findings": c.linked,
        "all_record_ids": sorted({r for f in c.findings for r in f.record_ids}),
    }


def _is_cluster(data: Mapping[str, Any]) -> bool:
    return CLUSTER in data["checks"]


class CaseStore:
    """The case tables of the state database (graphaudit.state)."""

    def __init__(self, state: State) -> None:
        self.state = state

    # -- recording a run ---------------------------------------------------------------------------------
    def record(self, run_id: int, cases: list[Case], titles: Mapping[str, str]) -> dict[str, int]:
        """Reconcile a run's cases with the recorded ones (module docstring); counts per change mark."""
        at = _now()
        new = [case_data(c, titles) for c in cases]
        with self.state.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            prev = {
                r["case_id"]: CaseRecord(
                    r["case_id"],
                    r["status"],
                    bool(r["gone"]),
                    r["first_run"],
                    r["fingerprint"],
                    json.loads(r["data"]),
                )
                for r in conn.execute("SELECT case_id, status, gone, first_run, fingerprint, data FROM cases")
            }
            aliases = {r[0]: r[1] for r in conn.execute("SELECT alias, case_id FROM case_aliases")}

            def resolve(cid: str) -> str:
                seen = set()
                while cid in aliases and cid not in seen:
                    seen.add(cid)
                    cid = aliases[cid]
                return cid

            of_finding = {
                r[0]: resolve(r[1]) for r in conn.execute("SELECT finding_id, case_id FROM case_findings")
            }
            # record → recorded case; clusters are matched with clusters on all their records (their own
            # record_ids leave out the records of the cases inside them)
            of_record: dict[bool, dict[str, str]] = {False: {}, True: {}}
            for p in sorted(prev.values(), key=lambda p: p.gone):  # open cases win a record over gone ones
                ring = _is_cluster(p.data)
                for rid in (
                    p.data.get("all_record_ids", p.data["record_ids"]) if ring else p.data["record_ids"]
                ):
                    of_record[ring].setdefault(rid, p.case_id)
            # overlap of each new case with each recorded case
            overlap: list[dict[str, int]] = []
            for d in new:
                w: dict[str, int] = defaultdict(int)
                for f in d["finding_ids"]:
                    if f in of_finding and of_finding[f] in prev:
                        w[of_finding[f]] += 1000
                ring = _is_cluster(d)
                for rid in d["all_record_ids"] if ring else d["record_ids"]:
                    if rid in of_record[ring]:
                        w[of_record[ring][rid]] += 1
                overlap.append(dict(w))
            winner: dict[str, int] = {}  # recorded case → the new case that keeps its id
            for old in {k for w in overlap for k in w}:
                winner[old] = min(
                    (i for i, w in enumerate(overlap) if old in w),
                    key=lambda i: (-overlap[i][old], -new[i]["severity"], new[i]["finding_ids"][0]),
                )
            taken = set(prev) | set(aliases)
            counts = {Change.new: 0, Change.changed: 0, Change.unchanged: 0, Change.gone: 0}
            kept: set[str] = set()
            for i, d in enumerate(new):
                won = sorted((o for o, j in winner.items() if j == i), key=lambda o: (prev[o].first_run, o))
                fp = _fingerprint(d)
                if won:
                    cid, absorbed = won[0], won[1:]
                    p = prev[cid]
                    for a in absorbed:
                        self._absorb(conn, a, cid, prev[a], run_id, at)
                        kept.add(a)
                    kept.add(cid)
                    changed = bool(absorbed) or p.gone or p.fingerprint != fp
                    change = Change.changed if changed else Change.unchanged
                    what = self._what_changed(p.data, d, absorbed, p.gone)
                    status = self._merged_status(conn, cid, p.status, [prev[a] for a in absorbed])
                    if changed and what:
                        self._history(conn, cid, run_id, at, "变化", what)
                    records_moved = set(p.data["record_ids"]) != set(d["record_ids"]) or round(
                        float(p.data["amount"]), 2
                    ) != round(float(d["amount"]), 2)
                    if status in [s.value for s in CONCLUDED] and records_moved:
                        self._review(
                            conn,
                            cid,
                            status,
                            Status.verifying.value,
                            f"记录或金额有变化，自动退回核查：{what}",
                            SYSTEM,
                            None,
                            at,
                        )
                        status = Status.verifying.value
                    first_seen = conn.execute(
                        "SELECT first_seen FROM cases WHERE case_id = ?", (cid,)
                    ).fetchone()[0]
                    last_changed = (
                        at
                        if changed
                        else conn.execute(
                            "SELECT last_changed FROM cases WHERE case_id = ?", (cid,)
                        ).fetchone()[0]
                    )
                    self._write(
                        conn, cid, status, change, d, fp, first_seen, p.first_run, last_changed, run_id
                    )
                else:
                    cid = self._new_id(d["finding_ids"][0], taken)
                    taken.add(cid)
                    change = Change.new
                    source = max(overlap[i], key=lambda o: (overlap[i][o], o)) if overlap[i] else None
                    status = Status.new.value
                    if source is not None:  # a part split off a recorded case: its review comes along
                        status = self._copy_reviews(conn, source, cid, prev[source].status)
                        self._history(
                            conn, cid, run_id, at, "拆分", f"由线索{source}拆分而来，沿用其核查状态和记录"
                        )
                        self._history(conn, source, run_id, at, "拆分", f"部分记录拆分为新线索{cid}")
                    else:
                        self._history(
                            conn,
                            cid,
                            run_id,
                            at,
                            "新增",
                            f"首次发现：{'、'.join(titles.get(c, c) for c in d['checks'])}",
                        )
                    self._write(conn, cid, status, change, d, fp, at, run_id, at, run_id)
                counts[change] += 1
                conn.executemany(
                    "INSERT OR REPLACE INTO case_findings VALUES (?, ?)", [(f, cid) for f in d["finding_ids"]]
                )
                d["case_id"] = cid
            for cid, p in prev.items():
                if cid in kept:
                    continue
                if not p.gone:
                    self._history(conn, cid, run_id, at, "消失", "本次运行未再发现该线索的记录")
                    conn.execute(
                        "UPDATE cases SET gone = 1, change = ?, last_changed = ?, last_run = ? "
                        "WHERE case_id = ?",
                        (Change.gone, at, run_id, cid),
                    )
                else:
                    conn.execute(
                        "UPDATE cases SET change = ?, last_run = ? WHERE case_id = ?",
                        (Change.gone, run_id, cid),
                    )
                counts[Change.gone] += 1
            # a cluster names the cases inside it by case id
            by_finding = {f: d["case_id"] for d in new for f in d["finding_ids"]}
            for d in new:
                if d["linked_findings"]:
                    linked = sorted({by_finding[f] for f in d["linked_findings"] if f in by_finding})
                    data = json.loads(
                        conn.execute("SELECT data FROM cases WHERE case_id = ?", (d["case_id"],)).fetchone()[
                            0
                        ]
                    )
                    data["linked_cases"] = linked
                    conn.execute(
                        "UPDATE cases SET data = ? WHERE case_id = ?",
                        (json.dumps(data, ensure_ascii=False), d["case_id"]),
                    )
        return counts

    @staticmethod
    def _new_id(finding_id: str, taken: set[str]) -> str:
        cid, n = f"C{finding_id}", 1
        while cid in taken:
            n += 1
            cid = f"C{finding_id}-{n}"
        return cid

    @staticmethod
    def _what_changed(old: Mapping[str, Any], new: Mapping[str, Any], absorbed: list[str], back: bool) -> str:
        parts = []
        if back:
            parts.append("线索重新出现")
        if absorbed:
            parts.append(f"并入线索{'、'.join(absorbed)}")
        added = sorted(set(new["record_ids"]) - set(old["record_ids"]))
        dropped = sorted(set(old["record_ids"]) - set(new["record_ids"]))
        if added:
            parts.append(f"新增记录{len(added)}笔（{'、'.join(added[:3])}{'等' if len(added) > 3 else ''}）")
        if dropped:
            parts.append(f"减少记录{len(dropped)}笔")
        if round(float(old["amount"]), 2) != round(float(new["amount"]), 2):
            parts.append(f"金额由{float(old['amount']):,.2f}元变为{float(new['amount']):,.2f}元")
        checks = [c for c in new["checks"] if c not in old["checks"]]
        if checks:
            parts.append(f"新增检查{'、'.join(checks)}")  # names; the page shows the titles
        if not parts and sorted(old["finding_ids"]) != sorted(new["finding_ids"]):
            parts.append("组成线索的检查结果有调整")
        return "；".join(parts)

    def _write(
        self,
        conn: Any,
        cid: str,
        status: str,
        change: str,
        d: Mapping[str, Any],
        fp: str,
        first_seen: str,
        first_run: int,
        last_changed: str,
        run_id: int,
    ) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO cases VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cid,
                status,
                change,
                int(d["severity"]),
                float(d["amount"]),
                d["org_code"],
                json.dumps(d["checks"]),
                d["money_band"],
                first_seen,
                first_run,
                last_changed,
                run_id,
                fp,
                json.dumps({k: v for k, v in d.items() if k != "case_id"}, ensure_ascii=False),
            ),
        )

    def _absorb(self, conn: Any, absorbed: str, into: str, rec: CaseRecord, run_id: int, at: str) -> None:
        conn.execute("INSERT OR REPLACE INTO case_aliases VALUES (?, ?, ?, ?)", (absorbed, into, run_id, at))
        conn.execute("UPDATE case_aliases SET case_id = ? WHERE case_id = ?", (into, absorbed))
        conn.execute("UPDATE case_findings SET case_id = ? WHERE case_id = ?", (into, absorbed))
        conn.execute("UPDATE case_reviews SET case_id = ? WHERE case_id = ?", (into, absorbed))
        conn.execute("UPDATE case_history SET case_id = ? WHERE case_id = ?", (into, absorbed))
        conn.execute("UPDATE case_disposal_events SET case_id = ? WHERE case_id = ?", (into, absorbed))
        conn.execute("DELETE FROM cases WHERE case_id = ?", (absorbed,))
        self._history(
            conn, into, run_id, at, "合并", f"线索{absorbed}（{rec.status}）并入本线索，其核查记录一并转入"
        )

    def _merged_status(self, conn: Any, cid: str, status: str, absorbed: list[CaseRecord]) -> str:
        """A survivor never reviewed takes the most advanced status of the cases it absorbed."""
        if status != Status.new.value:
            return status
        order = [
            Status.new.value,
            Status.verifying.value,
            Status.unsubstantiated.value,
            Status.substantiated.value,
        ]
        best = max([status, *[a.status for a in absorbed]], key=order.index)
        return best

    def _copy_reviews(self, conn: Any, source: str, to: str, status: str) -> str:
        conn.execute(
            "INSERT INTO case_reviews (case_id, from_status, to_status, comment, by_name, by_token, at) "
            "SELECT ?, from_status, to_status, comment, by_name, by_token, at FROM case_reviews "
            "WHERE case_id = ? ORDER BY id",
            (to, source),
        )
        conn.execute(
            "INSERT INTO case_disposal_events (case_id, kind, stage, detail, state, by_name, by_token, at) "
            "SELECT ?, kind, stage, detail, state, by_name, by_token, at FROM case_disposal_events "
            "WHERE case_id = ? ORDER BY id",
            (to, source),
        )
        return status

    @staticmethod
    def _history(conn: Any, cid: str, run_id: int | None, at: str, kind: str, text: str) -> None:
        conn.execute(
            "INSERT INTO case_history (case_id, run_id, at, kind, text) VALUES (?, ?, ?, ?, ?)",
            (cid, run_id, at, kind, text),
        )

    @staticmethod
    def _review(
        conn: Any, cid: str, cur: str, to: str, comment: str, by: str, token: int | None, at: str
    ) -> None:
        conn.execute(
            "INSERT INTO case_reviews (case_id, from_status, to_status, comment, by_name, by_token, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (cid, cur, to, comment, by, token, at),
        )
        conn.execute("UPDATE cases SET status = ? WHERE case_id = ?", (to, cid))

    # -- reading -----------------------------------------------------------------------------------------
    def resolve(self, case_id: str) -> str | None:
        """The live id for ``case_id`` (itself, or the survivor that absorbed it), or None if unknown."""
        with self.state.connect() as c:
            seen: set[str] = set()
            while case_id not in seen:
                seen.add(case_id)
                if c.execute("SELECT 1 FROM cases WHERE case_id = ?", (case_id,)).fetchone():
                    return case_id
                row = c.execute("SELECT case_id FROM case_aliases WHERE alias = ?", (case_id,)).fetchone()
                if row is None:
                    return None
                case_id = row[0]
        return None

    def of_finding(self, finding_id: str) -> str | None:
        """The case a finding was last folded into."""
        with self.state.connect() as c:
            row = c.execute(
                "SELECT case_id FROM case_findings WHERE finding_id = ?", (finding_id,)
            ).fetchone()
        return self.resolve(row[0]) if row else None

    def get(self, case_id: str) -> dict[str, Any] | None:
        """One case with its reviews, history and aliases (real identifiers), or None."""
        with self.state.connect() as c:
            row = c.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone()
            if row is None:
                return None
            reviews = [
                {
                    "from": r["from_status"],
                    "to": r["to_status"],
                    "comment": r["comment"],
                    "by": r["by_name"],
                    "at": r["at"],
                }
                for r in c.execute(
                    "SELECT * FROM case_reviews WHERE case_id = ? ORDER BY id", (case_id,)
                ).fetchall()
            ]
            history = [
                {"at": r["at"], "run_id": r["run_id"], "kind": r["kind"], "text": r["text"]}
                for r in c.execute("SELECT * FROM case_history WHERE case_id = ? ORDER BY id", (case_id,))
            ]
            aliases = [
                r[0] for r in c.execute("SELECT alias FROM case_aliases WHERE case_id = ?", (case_id,))
            ]
        return {**self._row(row), "reviews": reviews, "history": history, "aliases": sorted(aliases)}

    @staticmethod
    def _row(row: Any) -> dict[str, Any]:
        data = json.loads(row["data"])
        return {
            "case_id": row["case_id"],
            "status": row["status"],
            "change": row["change"],
            "gone": bool(row["gone"]),
            **{k: data.get(k) for k in ("checks", "finding_ids", "record_ids", "person_ids")},
            "amount": round(row["amount"], 2),
            "severity": row["severity"],
            "org_code": row["org_code"],
            "org_name": data.get("org_name", ""),
            "explanation": data.get("explanation", ""),
            "legal_basis": data.get("legal_basis", []),
            "money_band": row["band"],
            "band_note": data.get("band_note", ""),
            "relief_amount": data.get("relief_amount", 0.0),
            "linked_cases": data.get("linked_cases", []),
            "first_seen": row["first_seen"],
            "last_changed": row["last_changed"],
        }

    def query(
        self,
        *,
        status: str | None = None,
        change: str | None = None,
        check: str | None = None,
        org: str | None = None,
        band: str | None = None,
        stage: str | None = None,
        month: str | None = None,
        sort: str = "-severity",
        offset: int = 0,
        limit: int | None = 50,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total matching, one page of cases with their last review), filtered; ``org`` is a code prefix."""
        where, args = [], []
        if status:
            where.append("status = ?")
            args.append(status)
        if change:
            where.append("change = ?")
            args.append(change)
        if check:
            where.append("EXISTS (SELECT 1 FROM json_each(cases.checks) WHERE value = ?)")
            args.append(check)
        if org:
            where.append("org_code LIKE ? ESCAPE '\\'")
            args.append(org.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if band:
            where.append("band = ?")
            args.append(band)
        if stage:  # a disposal stage (graphaudit.cases.disposal.Stage), or 逾期 for overdue hand-offs
            last = (
                "(SELECT {} FROM case_disposal_events e WHERE e.case_id = cases.case_id "
                "ORDER BY e.id DESC LIMIT 1)"
            )
            if stage == "逾期":
                due = last.format("json_extract(state, '$.handoff.due')")
                where.append(
                    f"{last.format('stage')} = '已交办' AND gone = 0 AND {due} < date('now', 'localtime')"
                )
            else:
                where.append(f"COALESCE({last.format('stage')}, '未处置') = ?")
                args.append(stage)
        if month:  # first seen in this month (YYYY-MM)
            where.append("substr(first_seen, 1, 7) = ?")
            args.append(month)
        cond = f"WHERE {' AND '.join(where)}" if where else ""
        with self.state.connect() as c:
            total = c.execute(f"SELECT count(*) FROM cases {cond}", args).fetchone()[0]
            rows = c.execute(
                f"SELECT * FROM cases {cond} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?",
                [*args, -1 if limit is None else limit, offset],
            ).fetchall()
            out = []
            for r in rows:
                d = self._row(r)
                d["reviews"] = [
                    {"from": x[0], "to": x[1], "comment": x[2], "by": x[3], "at": x[4]}
                    for x in c.execute(
                        "SELECT from_status, to_status, comment, by_name, at FROM case_reviews "
                        "WHERE case_id = ? ORDER BY id",
                        (r["case_id"],),
                    )
                ]
                out.append(d)
        return int(total), out

    def summary(self) -> dict[str, Any]:
        """Counts by status, change mark and band (cases not gone, but for 已消失)."""
        with self.state.connect() as c:
            by_status = dict(
                c.execute("SELECT status, count(*) FROM cases WHERE gone = 0 GROUP BY 1").fetchall()
            )
            by_change = dict(c.execute("SELECT change, count(*) FROM cases GROUP BY 1").fetchall())
            by_band = dict(c.execute("SELECT band, count(*) FROM cases WHERE gone = 0 GROUP BY 1").fetchall())
        return {"by_status": by_status, "by_change": by_change, "by_band": by_band}

    # -- reviewing ---------------------------------------------------------------------------------------
    def review(
        self, case_id: str, to: Status, comment: str, by: str, token: int | None = None
    ) -> dict[str, Any]:
        """Move a case to ``to`` (raises TransitionError / CommentRequired / KeyError); returns the review."""
        comment = (comment or "").strip()
        at = _now()
        with self.state.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT status FROM cases WHERE case_id = ?", (case_id,)).fetchone()
            if row is None:
                raise KeyError(case_id)
            cur = Status(row["status"])
            if to not in NEXT[cur]:
                allowed = "、".join(s.value for s in NEXT[cur])
                raise TransitionError(f"状态不能从“{cur.value}”改为“{to.value}”（可改为：{allowed}）")
            if not comment and (to in NEEDS_COMMENT or cur in NEEDS_COMMENT):
                raise CommentRequired(f"改为“{to.value}”需要填写核查意见")
            self._review(conn, case_id, cur.value, to.value, comment, by, token, at)
        return {"status": to.value, "comment": comment, "by": by, "at": at}
