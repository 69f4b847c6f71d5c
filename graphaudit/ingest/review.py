"""The review queue of names (DOMAIN.md "Names without IDs"): the pairs a load could not link by itself and
the reviewers' decisions on them, kept in the state (graphaudit.state) across loads.

A load (graphaudit.ingest.matching) leaves, per role and name, the candidates it would not link silently
(several people of that name, a sound-alike, a common name in a wide scope).  :meth:`NameReviews.save_queue`
keeps them as items — one per role, name and set of candidates, however many rows name them, with a stable id
so a review can stop and resume.  A decision (是同一人 / 不是 / 不确定) is kept per (role, name, candidate)
with a fingerprint of the candidate's record; the next load applies it (:meth:`NameReviews.decisions`), and
when the record changes the fingerprint no longer matches: the pair is asked again.  Every decision is
written to the audit log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from graphaudit.errors import GraphAuditError
from graphaudit.ingest.matching import VERDICTS, Candidate, Decisions
from graphaudit.ingest.names import plain
from graphaudit.state import State

__all__ = ["NameReviews", "UnknownItem", "fingerprint"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS name_queue (
    item_id TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL, scope TEXT NOT NULL,
    reason TEXT NOT NULL, rows TEXT NOT NULL, candidates TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS name_decisions (
    role TEXT NOT NULL, name TEXT NOT NULL, candidate TEXT NOT NULL, verdict TEXT NOT NULL,
    fingerprint TEXT NOT NULL, item_id TEXT NOT NULL, by_name TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (role, name, candidate));
"""


_AUDIT = (
    "INSERT INTO audit_log (at, token_id, who, role, action, method, path, params, client) "
    "VALUES (?, NULL, ?, 'cli', 'names.review', 'CLI', 'graphaudit names review decide', ?, '')"
)


class UnknownItem(GraphAuditError):
    """A decision on an item the queue does not hold (a mistyped id, or a queue replaced by a later load)."""


def fingerprint(name: str, cand: Mapping[str, Any] | Candidate) -> str:
    """What a decision was made on: the name as written and the candidate's record (key, name, evidence)."""
    c = cand if isinstance(cand, Mapping) else cand.__dict__
    text = json.dumps([plain(name), c["key"], c["name"], c.get("evidence", "")], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _item_id(role: str, name: str, candidates: Iterable[Mapping[str, Any]]) -> str:
    keys = sorted(c["key"] for c in candidates)
    return hashlib.sha256(json.dumps([role, plain(name), keys]).encode()).hexdigest()[:10]


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class _Stored(Decisions):
    """Decisions from the state: a verdict counts only while the candidate's record is unchanged."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        super().__init__()
        self.fp = {}
        for r in rows:
            k = (r["role"], r["name"], r["candidate"])
            self.decided[k] = r["verdict"]
            self.fp[k] = r["fingerprint"]

    def get_for(self, role: str, name: str, cand: Candidate) -> str | None:
        k = (role, plain(name), cand.key)
        if k in self.decided and self.fp.get(k) == fingerprint(name, cand):
            return self.decided[k]
        return None


class NameReviews:
    """The name review queue and its decisions in a state folder."""

    def __init__(self, state: State) -> None:
        self.state = state
        with state.connect() as c:
            c.executescript(SCHEMA)

    def save_queue(self, pending: Iterable[Mapping[str, Any]]) -> int:
        """Replace the queue with a load's pending rows (graphaudit.ingest.matching.MatchStats.pending),
        grouped into items; the number of items."""
        items: dict[str, dict[str, Any]] = {}
        for p in pending:
            iid = _item_id(p["role"], p["name"], p["candidates"])
            it = items.setdefault(
                iid,
                {
                    "role": p["role"],
                    "name": p["name"],
                    "scope": p["scope"],
                    "reason": p["reason"],
                    "rows": [],
                    "candidates": p["candidates"],
                },
            )
            it["rows"].append([p["source"], p["file"], p["row"]])
        at = _now()
        with self.state.connect() as c:
            c.execute("DELETE FROM name_queue")
            c.executemany(
                "INSERT INTO name_queue VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        iid,
                        it["role"],
                        it["name"],
                        it["scope"],
                        it["reason"],
                        json.dumps(it["rows"], ensure_ascii=False),
                        json.dumps(it["candidates"], ensure_ascii=False),
                        at,
                    )
                    for iid, it in items.items()
                ],
            )
        return len(items)

    def items(self, open_only: bool = True) -> list[dict[str, Any]]:
        """The queue's items, each with its candidates and the current decision on each (None: not decided,
        or decided on a record that has changed since)."""
        with self.state.connect() as c:
            rows = c.execute("SELECT * FROM name_queue ORDER BY role, name, item_id").fetchall()
            dec = {
                (r["role"], r["name"], r["candidate"]): dict(r)
                for r in c.execute("SELECT * FROM name_decisions").fetchall()
            }
        out = []
        for r in rows:
            cands = json.loads(r["candidates"])
            for cand in cands:
                d = dec.get((r["role"], plain(r["name"]), cand["key"]))
                fresh = d is not None and d["fingerprint"] == fingerprint(r["name"], cand)
                cand["decision"] = d["verdict"] if fresh and d else None
            item = {**dict(r), "rows": json.loads(r["rows"]), "candidates": cands}
            item["decided"] = all(c["decision"] in (VERDICTS[0], VERDICTS[1]) for c in cands) or any(
                c["decision"] == VERDICTS[0] for c in cands
            )
            if not (open_only and item["decided"]):
                out.append(item)
        return out

    def _chosen(
        self, item_id: str, verdict: str, candidate: str | None
    ) -> tuple[Mapping[str, Any], list[dict[str, Any]]]:
        """The item and the candidates a decision applies to; GraphAuditError when it cannot be made."""
        if verdict not in VERDICTS:
            raise GraphAuditError(f"结论应为 {' / '.join(VERDICTS)} verdict must be one of them: {verdict!r}")
        with self.state.connect() as c:
            r = c.execute("SELECT * FROM name_queue WHERE item_id = ?", (item_id,)).fetchone()
        if r is None:
            raise UnknownItem(f"没有待核对项 no review item {item_id!r} (graphaudit names review list)")
        cands: list[dict[str, Any]] = json.loads(r["candidates"])
        if candidate is not None:
            chosen = [x for x in cands if x["key"] == candidate]
            if not chosen:
                keys = ", ".join(x["key"] for x in cands)
                raise GraphAuditError(f"{item_id}: 候选人中没有 {candidate} (candidates: {keys})")
        elif verdict == VERDICTS[0] and len(cands) > 1:
            raise GraphAuditError(f"{item_id}: 有{len(cands)}个候选人，请用 --candidate 指明是哪一个")
        else:
            chosen = cands
        return dict(r), chosen

    def decide(
        self, item_id: str, verdict: str, by: str, candidate: str | None = None, audit: bool = True
    ) -> list[str]:
        """Record ``verdict`` on one candidate of an item (every candidate when ``candidate`` is None and the
        verdict is 不是 or 不确定); the candidates decided.  是同一人 needs one candidate when there are
        several."""
        return self.decide_many([(item_id, verdict, candidate)], by, audit)[0]["candidates"]

    def decide_many(
        self, todo: Iterable[tuple[str, str, str | None]], by: str, audit: bool = True
    ) -> list[dict[str, Any]]:
        """Record several decisions (item id, verdict, candidate or None) at once: every one is checked first
        (:meth:`decide`), then all are written together — none when one cannot be made.  One entry per
        decision: item, role, name, verdict and the candidates decided.  ``audit``: also write each to the
        audit log as a command-line entry (the API writes its own, with the caller's token)."""
        plan = [(self._chosen(iid, v, cand), iid, v) for iid, v, cand in todo]
        at = _now()
        out = []
        with self.state.connect() as c:
            for (r, chosen), item_id, verdict in plan:
                for x in chosen:
                    c.execute(
                        "INSERT OR REPLACE INTO name_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            r["role"],
                            plain(r["name"]),
                            x["key"],
                            verdict,
                            fingerprint(r["name"], x),
                            item_id,
                            by,
                            at,
                        ),
                    )
                    if audit:
                        c.execute(
                            _AUDIT,
                            (
                                at,
                                by,
                                json.dumps(
                                    {
                                        "item": item_id,
                                        "role": r["role"],
                                        "name": r["name"],
                                        "candidate": x["key"],
                                        "verdict": verdict,
                                    },
                                    ensure_ascii=False,
                                ),
                            ),
                        )
                out.append(
                    {
                        "item_id": item_id,
                        "role": r["role"],
                        "name": r["name"],
                        "verdict": verdict,
                        "candidates": [x["key"] for x in chosen],
                    }
                )
        return out

    def decisions(self) -> Decisions:
        """Every decision, for the next load (a verdict counts while its candidate's record is unchanged)."""
        with self.state.connect() as c:
            rows = [dict(r) for r in c.execute("SELECT * FROM name_decisions").fetchall()]
        return _Stored(rows)
