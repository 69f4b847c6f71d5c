"""truth.json: every case the checks must find (planted or accidental) and the near-misses they must not flag.

Schema::

    {"generator": "graphaudit.synth", "size": ..., "seed": ..., "messy": ..., "reference_date": "2024-12-31",
     "semantics": {check: one line}, "counts": {file: rows},
     "cases": [{"case_id", "check", "org_code", "person_ids" (approver/cadre first), "record_ids",
                "company_ids", "hops" (int or null), "amount", "variant", "note", "accidental"}],
     (prefecture sizes: cases across a county border also have "cross_county": true and "counties": [the
      county of the case's records and cadre, the county of the relative or company]; see cases_cross.py)
     "near_misses": [same fields, "would_be_check" instead of "check"],
     "messy_manifest": {"invalid_ids": [...], "missing_ids": [...]} (messy mode only),
     "warnings": [...]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphaudit.synth.tables import Tables
from graphaudit.synth.verify import Finding
from graphaudit.synth.world import Plant, World

__all__ = ["load_truth", "assemble", "PREFIX", "SEMANTICS"]

PREFIX = {
    "kin_approved_subsidy": "KAS",
    "cadre_family_beneficiary": "CFB",
    "kin_contract": "KC",
    "hidden_link": "HL",
    "shared_account": "SA",
    "deceased_recipient": "DR",
    "duplicate_payment": "DP",
    "split_contracts": "SC",
    "reciprocal_approval": "RA",
    "collusive_cluster": "CC",
    "undeclared_kin_benefit": "UKB",
    "ineligible_recipient": "IR",
    "imprisoned_recipient": "IMP",
    "concurrent_benefits": "CB",
    "above_standard": "AS",
}
SEMANTICS = {
    "kin_approved_subsidy": (
        "approver is the recipient or within 3 kinship hops; one case per approver, recipient, program"
    ),
    "cadre_family_beneficiary": (
        "cadre with org_code == payment village_code, in office on pay_date, is the recipient or "
        "within 2 hops; once any 备案 exists, only programmes that need no 备案 (not 低保)"
    ),
    "undeclared_kin_benefit": (
        "the cadre_family_beneficiary payments under 低保 with no 备案 (declarations) of a linking cadre "
        "for the recipient dated on or before pay_date; one case per recipient"
    ),
    "ineligible_recipient": (
        "低保/特困供养 payment; a member of the recipient's household on pay_date is a public employee in "
        "post, owns a counted (non-exempt) vehicle, holds > 1 住宅, or is a company's legal rep or "
        "shareholder; one case per recipient"
    ),
    "imprisoned_recipient": "custody start < pay_date <= custody end (or none); one case per recipient",
    "concurrent_benefits": (
        "one recipient paid 低保 and 特困供养 (an exclusive set) in one calendar month; one case per "
        "recipient and set"
    ),
    "above_standard": "amount > the programme's monthly standard (低保 1500, 特困供养 1200); one case per "
    "recipient and programme",
    "kin_contract": (
        "contractor, or legal rep / person shareholder of the contractor or of a company holding "
        "shares in it, within 3 hops of a cadre of the issuing org in office on sign_date; one case"
        " per org and contractor"
    ),
    "hidden_link": (
        "company phone/address/bank account equal to the household phone/address (all members) or "
        "the payment account of a cadre or someone within 2 hops of one; one case per company"
    ),
    "shared_account": (
        "one bank_account in payments for recipients of >= 2 household_ids; records = all its payments"
    ),
    "deceased_recipient": (
        "pay_date > recipient's death_date (the household register's, else the deaths register's); one "
        "case per recipient"
    ),
    "duplicate_payment": (">= 2 payments with the same recipient, program and calendar month"),
    "split_contracts": (
        ">= 3 contracts < 100000 from one org to one contractor or related contractors (shared "
        "person, ownership), last - first <= 90 days, sum >= 100000"
    ),
    "reciprocal_approval": (
        "A approved a payment/contract for someone within 2 hops of cadre B and B for someone "
        "within 2 hops of A"
    ),
    "collusive_cluster": (
        "component of the conflict graph (edges from the kin findings above) with >= 3 receiving "
        "parties and >= 3 records"
    ),
}


def load_truth(path: str | Path) -> dict[str, Any]:
    """The parsed truth.json of a synthetic dataset (``path`` may be the file or its folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "truth.json"
    with open(p, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def _org(orgs: list[str], fallback: str) -> str:
    orgs = sorted(set(o for o in orgs if o))
    if len(orgs) == 1:
        return orgs[0]
    if orgs and len({o[:9] for o in orgs}) == 1:
        return orgs[0][:9]
    return fallback


def _entry(
    w: World,
    t: Tables,
    persons: list[int],
    pay: list[int],
    con: list[int],
    comps: list[int],
    hops: int | None,
    orgs: list[str],
) -> dict[str, Any]:
    pid = w.pids
    ids = sorted(t.pay_id[k] for k in pay) + sorted(t.con_id[k] for k in con)
    amount = sum(t.pay_amount[k] for k in pay) + sum(t.con_amount[k] for k in con)
    return {
        "org_code": _org(orgs, w.county.code),
        "person_ids": [str(pid[p]) for p in dict.fromkeys(persons)],
        "record_ids": ids,
        "company_ids": [w.companies[c]["uscc"] for c in comps],
        "hops": hops,
        "amount": round(float(amount), 2),
    }


def _keys(x: Finding | Plant) -> set[tuple[str, int]]:
    return {("p", k) for k in x.pay_keys} | {("c", k) for k in x.con_keys} | {("k", c) for c in x.companies}


def assemble(
    w: World, t: Tables, found: list[Finding], start: dict[str, int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Cases (one per finding, annotated by the plant it matches), near-misses and warnings for one county."""
    cases: list[dict[str, Any]] = []
    near: list[dict[str, Any]] = []
    warnings: list[str] = []
    plants = [p for p in w.plants if not p.near_miss]
    index: dict[tuple[str, str, int], list[int]] = {}
    for i, p in enumerate(plants):
        for k in _keys(p):
            index.setdefault((p.check, *k), []).append(i)
    matched: set[int] = set()
    for f in found:
        votes: dict[int, int] = {}
        for k in _keys(f):
            for i in index.get((f.check, *k), []):
                votes[i] = votes.get(i, 0) + 1
        best = min(votes, key=lambda i: (-votes[i], i)) if votes else None
        e = _entry(w, t, f.persons, f.pay_keys, f.con_keys, f.companies, f.hops, f.orgs)
        start[f.check] = start.get(f.check, 0) + 1
        e = {"case_id": f"{PREFIX[f.check]}-{w.county.code}-{start[f.check]:04d}", "check": f.check, **e}
        if best is not None:
            matched.add(best)
            e.update(variant=plants[best].variant, note=plants[best].note, accidental=False)
        else:
            e.update(variant="accidental", note="背景数据中偶然出现的情形（未刻意植入）", accidental=True)
            warnings.append(f"accidental {f.check} in {e['org_code']}: {e['record_ids'][:3]}")
        cases.append(e)
    for i, p in enumerate(plants):
        if i not in matched:
            warnings.append(f"planted {p.check}/{p.variant} not detected: {p.note}")
    by_check: dict[str, list[Finding]] = {}
    for f in found:
        by_check.setdefault(f.check, []).append(f)
    for p in w.plants:
        if not p.near_miss:
            continue
        pk = _keys(p) - {("k", c) for c in p.companies}
        hit = [f for f in by_check.get(p.check, []) if pk & _keys(f)]
        if hit:
            warnings.append(f"near-miss {p.check}/{p.variant} fires; dropped")
            continue
        e = _entry(
            w,
            t,
            p.persons,
            p.pay_keys,
            p.con_keys,
            p.companies,
            p.hops,
            [str(w.vcode[x]) for x in p.persons[-1:]]
            if p.pay_keys
            else [c["org_code"] for c in w.contracts if c["key"] in set(p.con_keys)],
        )
        start["NM"] = start.get("NM", 0) + 1
        near.append(
            {
                "case_id": f"NM-{w.county.code}-{start['NM']:04d}",
                "would_be_check": p.check,
                **e,
                "variant": p.variant,
                "note": p.note,
                "accidental": False,
            }
        )
    return cases, near, warnings


def write_truth(
    path: Path,
    header: dict[str, Any],
    cases: list[dict[str, Any]],
    near: list[dict[str, Any]],
    manifest: dict[str, Any] | None,
    warnings: list[str],
) -> None:
    """Write truth.json (stable key order, UTF-8, not ASCII-escaped)."""
    doc = {**header, "semantics": SEMANTICS, "cases": cases, "near_misses": near}
    if manifest is not None:
        doc["messy_manifest"] = manifest
    doc["warnings"] = warnings
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
