"""Linking each role of a load's tables — a payment's recipient and approver, a contract's contractor and
approver — by ID where there is one, else by name in its scopes (graphaudit.ingest.matching); the resolution
goes into the table's ``<role>_key`` / ``<role>_matched_by`` / ``<role>_match_score`` columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphaudit.ingest.issue import FILE, ROW, Issue
from graphaudit.ingest.matching.candidates import Decisions, Match, match_name
from graphaudit.ingest.matching.report import MatchStats, note
from graphaudit.ingest.matching.scopes import World, approver_pools, person_pools, recipient_pools
from graphaudit.ingest.names import looks_like_company

__all__ = ["ROLES", "MATCH_COLUMNS", "MATCHED", "by_id", "resolve"]

ROLES = ("recipient", "approver", "contractor")
#: The columns a role's resolution adds to its source's table: key, how, score.
MATCH_COLUMNS: dict[str, tuple[str, str, str]] = {
    r: (f"{r}_key", f"{r}_matched_by", f"{r}_match_score") for r in ROLES
}
#: The relationship properties that carry a role's resolution (SourceGraph ``Rel.props``).
MATCHED: dict[str, dict[str, Any]] = {
    r: {"matched_by": f"{r}_matched_by", "match_score": f"{r}_match_score"} for r in ROLES
}


def by_id(df: pd.DataFrame, role: str, key: str | None = None) -> pd.DataFrame:
    """The role's columns as the ID gives them: key = the ID, matched_by "id" where there is one."""
    kcol, how, score = MATCH_COLUMNS[role]
    ids = df[f"{role}_id"].fillna("").astype(object)
    has = (ids != "").to_numpy(dtype=bool)
    out = {} if key is not None else {kcol: ids.to_numpy(dtype=object)}
    out[how] = np.where(has, "id", "").astype(object)
    out[score] = np.where(has, 1.0, np.nan)
    return df.assign(**out)


def _apply(df: pd.DataFrame, role: str, rows: np.ndarray, results: list[tuple[str, Match]], key: str) -> None:
    _, how, score = MATCH_COLUMNS[role]
    idx = df.index[rows]
    for col, vals in (
        (key, [k for k, _ in results]),
        (how, [m.how for _, m in results]),
        (score, [m.score if m.key is not None else np.nan for _, m in results]),
    ):
        if col not in df or df[col].dtype != object:
            df[col] = df[col].astype(object) if col in df else None
        df.loc[idx, col] = pd.Series(vals, index=idx, dtype=object)


def _resolve_recipients(
    sub: pd.DataFrame, w: World, d: Decisions, stats: MatchStats, issues: list[Issue]
) -> None:
    how_col = MATCH_COLUMNS["recipient"][1]
    if how_col not in sub:
        sub[how_col] = np.where(sub["recipient_id"].fillna("") != "", "id", "")
    again = sub[how_col].isin(["ambiguous", "unmatched"]).to_numpy(dtype=bool)
    rid = sub["recipient_id"].fillna("")
    bad = rid.eq("") | (sub["recipient_id_issue"].fillna("").ne("") if "recipient_id_issue" in sub else False)
    need = bad.to_numpy(dtype=bool) | again
    rows = np.flatnonzero(need)
    out = []
    cols = ("recipient_name", "household_id", "village_code", FILE, ROW, "recipient_id")
    part = sub.iloc[rows]
    for name, hid, vil, f, r, rid in zip(*(part[c].tolist() for c in cols)):
        name = name or ""
        # the register's index of names (World memoises it): built only when a name is to be matched
        m = match_name(name, recipient_pools(w, w.people(), hid, vil), "recipient", d)
        if m.key is not None:
            key = m.key
        elif rid == "" or str(rid).startswith("~"):
            key = f"~{hid or vil}:{name}"
        else:  # an invalid ID no name confirms: kept as it is (reported by the adapter)
            key, m = rid, Match(rid, "id", 1.0)
        note(stats, issues, "subsidies", "领取人 (recipient_name)", "recipient", name, m, f, r)
        out.append((key, m))
    stats.count_ids("subsidies", "领取人 (recipient_name)", sub.loc[~need, FILE])
    if len(rows):
        _apply(sub, "recipient", rows, out, "recipient_id")


def _resolve_approvers(
    source: str,
    df: pd.DataFrame,
    org_col: str,
    date_col: str,
    w: World,
    d: Decisions,
    stats: MatchStats,
    issues: list[Issue],
) -> None:
    column = "审核人 (approver_name)" if source == "subsidies" else "审批人 (approver_name)"
    if "approver_name" not in df:
        df["approver_name"] = ""
    names = df["approver_name"].fillna("")
    ids = df["approver_id"].fillna("")
    issue = df["approver_id_issue"].fillna("") if "approver_id_issue" in df else ids.map(lambda _: "")
    bad = ids.eq("") | issue.ne("")
    need = (bad & names.ne("")).to_numpy(dtype=bool)
    has_id = (ids.ne("") & ~need).to_numpy(dtype=bool)
    stats.count_ids(source, column, df.loc[has_id, FILE])
    rows = np.flatnonzero(need)
    out = []
    memo: dict[tuple[str, str, Any], Match] = {}
    part = df.iloc[rows]
    for name, org, day, rid, f, r in zip(
        *(part[c].tolist() for c in ("approver_name", org_col, date_col, "approver_id", FILE, ROW))
    ):
        org = org or ""
        mk = (name, org, day)
        m = memo.get(mk)
        if m is None:
            m = memo[mk] = match_name(name, approver_pools(w, org, day), "approver", d)
        if m.key is not None:
            key = m.key
        elif rid:
            key, m = rid, Match(rid, "id", 1.0)
        else:
            key = f"~{org or '县'}:{name}"
        note(stats, issues, source, column, "approver", name, m, f, r)
        out.append((key, m))
    if len(rows):
        _apply(df, "approver", rows, out, MATCH_COLUMNS["approver"][0])


def _resolve_contractors(
    ct: pd.DataFrame, w: World, d: Decisions, stats: MatchStats, issues: list[Issue]
) -> None:
    column = "承包方名称 (contractor_name)"
    ids = ct["contractor_id"].fillna("")
    names = ct["contractor_name"].fillna("")
    need = (ids.eq("") & names.ne("")).to_numpy(dtype=bool)
    stats.count_ids("contracts", column, ct.loc[~need, FILE])
    rows = np.flatnonzero(need)
    out = []
    part = ct.iloc[rows]
    for name, org, f, r in zip(*(part[c].tolist() for c in ("contractor_name", "org_code", FILE, ROW))):
        company = looks_like_company(name)
        if company:
            m = match_name(name, [w.companies()], "contractor", d)
        else:
            m = match_name(name, person_pools(w, org, w.people()), "contractor", d)
        key = m.key if m.key is not None else f"~{name}"
        note(stats, issues, "contracts", column, "contractor", name, m, f, r, company=company)
        out.append((key, m))
    if len(rows):
        _apply(ct, "contractor", rows, out, MATCH_COLUMNS["contractor"][0])


def resolve(
    tables: dict[str, pd.DataFrame], issues: list[Issue], decisions: Decisions | None = None
) -> MatchStats:
    """Match every name-only recipient, approver and contractor in ``tables`` (in place); issues for every
    row not linked by ID; the counts per source and column."""
    d = decisions or Decisions()
    stats = MatchStats()
    w = World(tables)
    sub = tables.get("subsidies")
    if sub is not None and len(sub):
        for role in ("recipient", "approver"):
            if MATCH_COLUMNS[role][1] not in sub:
                sub = by_id(sub, role, key="recipient_id" if role == "recipient" else None)
        sub = tables["subsidies"] = sub.copy()
        _resolve_recipients(sub, w, d, stats, issues)
        _resolve_approvers("subsidies", sub, "village_code", "pay_date", w, d, stats, issues)
    ct = tables.get("contracts")
    if ct is not None and len(ct):
        for role in ("contractor", "approver"):
            if MATCH_COLUMNS[role][1] not in ct:
                ct = by_id(ct, role)
        ct = tables["contracts"] = ct.copy()
        _resolve_contractors(ct, w, d, stats, issues)
        _resolve_approvers("contracts", ct, "org_code", "sign_date", w, d, stats, issues)
    return stats
