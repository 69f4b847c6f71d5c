"""The checks of DOMAIN.md, computed over the generated records, to make the truth complete.

Semantics (the ones the truth is written against):
- kin_approved_subsidy: approver == recipient, or approver within 3 hops of the recipient. One case per
  (approver, recipient, program).
- cadre_family_beneficiary: a cadre whose post's org_code equals the payment's village_code, in office on
  pay_date (start ≤ date ≤ end), is the recipient or within 2 hops. One case per (recipient, program,
  village).
- kin_contract: contractor = the person, or a company whose legal rep or person shareholder — or the legal rep
  or person shareholder of a company that holds shares in it (2 company levels) — is within 3 hops of a cadre
  of the issuing org in office on sign_date. One case per (org, contractor).
- hidden_link: a company's phone, address or bank account equals a household's phone or address (every member
  shares them) or the account of a payment to a person, who is a cadre or within 2 hops of one. One case per
  company.
- shared_account: an account receiving payments for recipients of ≥ 2 households. One case per account.
- deceased_recipient: pay_date > the recipient's death_date. One case per recipient.
- duplicate_payment: ≥ 2 payments with the same recipient, program and calendar month. One case per group.
- split_contracts: ≥ 3 contracts of one org, each < 100,000, to one contractor or related contractors (the
  same person or company, a company and its legal rep/shareholders, companies sharing such a person or owning
  each other), signed within 90 days (last − first ≤ 90), together ≥ 100,000. One case per (org, contractor
  group, run).
- reciprocal_approval: A approves a payment (or contract) to someone within 2 hops of cadre B (B ≠ A) and B
  approves one to someone within 2 hops of A. One case per pair.
- collusive_cluster: connected components of the conflict graph (edges from the findings above:
  approver–recipient, cadre–recipient, cadre–contractor, cadre–company, A–B and A/B–recipients of reciprocal
  pairs) with ≥ 3 distinct receiving parties (recipients/contractors/companies) and ≥ 3 records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from graphaudit.synth.officials import in_office
from graphaudit.synth.verify_registers import death_dates, register_checks, split_family
from graphaudit.synth.world import World
from graphaudit.unionfind import UnionFind

__all__ = ["Finding", "run_checks", "CHECKS", "company_people"]

CHECKS = (
    "kin_approved_subsidy",
    "cadre_family_beneficiary",
    "kin_contract",
    "hidden_link",
    "shared_account",
    "deceased_recipient",
    "duplicate_payment",
    "split_contracts",
    "reciprocal_approval",
    "collusive_cluster",
    "undeclared_kin_benefit",
    "ineligible_recipient",
    "imprisoned_recipient",
    "concurrent_benefits",
    "above_standard",
)
THRESHOLD = 100_000.0


@dataclass
class Finding:
    """One case as the checks see it (person and company indices, temporary record keys)."""

    check: str
    persons: list[int]
    pay_keys: list[int] = field(default_factory=list)
    con_keys: list[int] = field(default_factory=list)
    companies: list[int] = field(default_factory=list)
    hops: int | None = None
    orgs: list[str] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)  # for the conflict graph
    cadres: list[int] = field(default_factory=list)


def company_people(w: World) -> pd.DataFrame:
    """company, person, level (1: legal rep/shareholder of the company, 2: of a company holding shares in
    it)."""
    comp = pd.DataFrame(w.companies, columns=["i", "legal_rep"])
    sh = pd.DataFrame(w.shareholders, columns=["company", "kind", "holder", "share"])
    lvl1 = pd.concat(
        [
            comp.rename(columns={"i": "company", "legal_rep": "person"})[["company", "person"]],
            sh[sh["kind"] == "p"].rename(columns={"holder": "person"})[["company", "person"]],
        ]
    )
    lvl1 = lvl1.drop_duplicates().assign(level=1)
    parents = sh[sh["kind"] == "c"][["company", "holder"]]
    lvl2 = parents.merge(
        lvl1[["company", "person"]], left_on="holder", right_on="company", suffixes=("", "_p")
    )
    lvl2 = lvl2[["company", "person"]].drop_duplicates().assign(level=2)
    out = pd.concat([lvl1, lvl2], ignore_index=True)
    return out.sort_values(["company", "level", "person"]).drop_duplicates(["company", "person"])


def _posts(w: World) -> pd.DataFrame:
    return w.posts[["person", "org_code", "start", "end"]].rename(columns={"person": "cadre"})


def _kas(w: World, pay: pd.DataFrame) -> list[Finding]:
    a, r = pay["approver"].to_numpy(), pay["recipient"].to_numpy()
    d = np.where(a == r, 0, w.dist(a, r))
    hit = pay.assign(d=d)[d <= 3]
    out = []
    for key, g in hit.groupby(["approver", "recipient", "program"], sort=True):
        ap, rc, _prog = cast(tuple[int, int, str], key)
        out.append(
            Finding(
                "kin_approved_subsidy",
                [int(ap), int(rc)],
                g["key"].tolist(),
                hops=int(g["d"].min()),
                orgs=sorted(set(g["village"])),
                receivers=[f"p{rc}"],
                cadres=[int(ap)],
            )
        )
    return out


def _cfb(w: World, pay: pd.DataFrame) -> list[Finding]:
    sub = pay[w.cnt2[pay["recipient"].to_numpy()] > 0]
    j = sub.merge(_posts(w), left_on="village", right_on="org_code")
    if not len(j):
        return []
    ok = in_office(j["start"].to_numpy(), j["end"].to_numpy(), j["date"].to_numpy())
    d = np.where(
        j["cadre"].to_numpy() == j["recipient"].to_numpy(),
        0,
        w.dist(j["cadre"].to_numpy(), j["recipient"].to_numpy()),
    )
    j = j.assign(d=d)[ok & (d <= 2)]
    keep, ukb = split_family(w, j)
    return _family("cadre_family_beneficiary", keep, ["recipient", "program", "village"]) + _family(
        "undeclared_kin_benefit", ukb, ["recipient"]
    )


def _family(check: str, j: pd.DataFrame, by: list[str]) -> list[Finding]:
    out = []
    for _key, g in j.groupby(by, sort=True):
        rc = int(g["recipient"].to_numpy()[0])
        cad = g.sort_values(["d", "cadre"]).drop_duplicates("cadre")
        out.append(
            Finding(
                check,
                cad["cadre"].tolist() + [int(rc)],
                sorted(set(g["key"])),
                hops=int(g["d"].min()),
                orgs=sorted(set(g["village"])),
                receivers=[f"p{rc}"],
                cadres=cad["cadre"].tolist(),
            )
        )
    return out


def _contract_people(w: World, con: pd.DataFrame) -> pd.DataFrame:
    cp = company_people(w)
    pc = con[con["kind"] == "p"].assign(person=lambda x: x["contractor"], level=0)
    cc = con[con["kind"] == "c"].merge(cp, left_on="contractor", right_on="company")
    cols = ["key", "org_code", "kind", "contractor", "date", "approver", "amount", "person", "level"]
    return pd.concat([pc[cols], cc[cols]], ignore_index=True)


def _kc(w: World, con: pd.DataFrame) -> list[Finding]:
    people = _contract_people(w, con)
    people = people[w.cnt3[people["person"].to_numpy()] > 0]
    j = people.merge(_posts(w), on="org_code")
    if not len(j):
        return []
    ok = in_office(j["start"].to_numpy(), j["end"].to_numpy(), j["date"].to_numpy())
    d = np.where(
        j["cadre"].to_numpy() == j["person"].to_numpy(),
        0,
        w.dist(j["cadre"].to_numpy(), j["person"].to_numpy()),
    )
    j = j.assign(d=d)[ok & (d <= 3)]
    out = []
    cp = company_people(w)
    holders = pd.DataFrame(w.shareholders, columns=["company", "kind", "holder", "share"])
    for (org, kind, who), g in j.groupby(["org_code", "kind", "contractor"], sort=True):
        cad = g.sort_values(["d", "cadre"]).drop_duplicates("cadre")["cadre"].tolist()
        linked = g.sort_values(["d", "person"]).drop_duplicates("person")["person"].tolist()
        comps: list[int] = []
        if kind == "c":
            comps = [int(who)] + sorted(
                holders[(holders["company"] == who) & (holders["kind"] == "c")]["holder"].astype(int).tolist()
            )
            comps = [
                c for c in comps if c == who or cp[(cp["company"] == c) & cp["person"].isin(linked)].shape[0]
            ]
        out.append(
            Finding(
                "kin_contract",
                cad + [p for p in linked if p not in cad],
                con_keys=sorted(set(g["key"])),
                companies=comps,
                hops=int(g["d"].min()),
                orgs=[org],
                receivers=[f"{kind}{who}"],
                cadres=cad,
            )
        )
    return out


def _hl(w: World, pay: pd.DataFrame, con: pd.DataFrame) -> list[Finding]:
    comp = pd.DataFrame(w.companies)
    if not len(comp):
        return []
    hh = w.households
    members = pd.DataFrame({"person": np.arange(w.n), "hh": w.hh})
    rows = []
    for col, key in (("phone", "phone"), ("address", "address")):
        m = comp[["i", col]].merge(
            hh.reset_index().rename(columns={"index": "hh"})[["hh", key]], left_on=col, right_on=key
        )
        rows.append(m[["i", "hh"]].merge(members, on="hh")[["i", "person"]])
    acc = pay[["account", "recipient"]].drop_duplicates()
    by_acc = comp[["i", "account"]].merge(acc, on="account").rename(columns={"recipient": "person"})
    rows.append(by_acc[["i", "person"]])
    shared = pd.concat(rows, ignore_index=True).drop_duplicates()
    shared = shared[w.cnt2[shared["person"].to_numpy()] > 0]
    out = []
    for i, g in shared.groupby("i", sort=True):
        best: list[tuple[int, int, int]] = []
        for p in g["person"].tolist():
            cads, ds = w.near.cadres_near(p)
            best += [(int(d), int(c), int(p)) for c, d in zip(cads, ds) if d <= 2]
        if not best:
            continue
        best.sort()
        cad = list(dict.fromkeys(c for _, c, _ in best))
        ppl = list(dict.fromkeys(p for _, _, p in best if p not in cad))
        keys = sorted(con[(con["kind"] == "c") & (con["contractor"] == i)]["key"].tolist())
        orgs = sorted(set(w.posts[w.posts["person"].isin(cad[:1])]["org_code"]))
        out.append(
            Finding(
                "hidden_link",
                cad + ppl,
                con_keys=keys,
                companies=[int(i)],
                hops=best[0][0],
                orgs=orgs,
                receivers=[f"c{i}"],
                cadres=cad,
            )
        )
    return out


def _approvers_first(g: pd.DataFrame) -> list[int]:
    """The payments' approvers (in record order), then their recipients."""
    g = g.sort_values("key")
    return list(dict.fromkeys(g["approver"].astype(int).tolist() + g["recipient"].astype(int).tolist()))


def _sa(pay: pd.DataFrame) -> list[Finding]:
    n = pay.groupby("account")["hh"].nunique()
    out = []
    for acc in sorted(n[n >= 2].index):
        g = pay[pay["account"] == acc].sort_values("key")
        out.append(
            Finding("shared_account", _approvers_first(g), sorted(g["key"]), orgs=sorted(set(g["village"])))
        )
    return out


def _dr(w: World, pay: pd.DataFrame) -> list[Finding]:
    death = death_dates(w)[pay["recipient"].to_numpy()]
    hit = pay[~np.isnat(death) & (pay["date"].to_numpy().astype("datetime64[D]") > death)]
    return [
        Finding("deceased_recipient", _approvers_first(g), sorted(g["key"]), orgs=sorted(set(g["village"])))
        for _r, g in hit.groupby("recipient", sort=True)
    ]


def _dp(pay: pd.DataFrame) -> list[Finding]:
    p = pay.assign(month=pay["date"].to_numpy().astype("datetime64[M]"))
    c = p.groupby(["recipient", "program", "month"])["key"].transform("size")
    hit = p[c >= 2]
    return [
        Finding("duplicate_payment", _approvers_first(g), sorted(g["key"]), orgs=sorted(set(g["village"])))
        for _k, g in hit.groupby(["recipient", "program", "month"], sort=True)
    ]


def _groups(w: World, con: pd.DataFrame) -> dict[str, str]:
    """Contractor entity ('p12' / 'c3') → representative of its group of related contractors."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for c in w.companies:
        union(f"c{c['i']}", f"p{c['legal_rep']}")
    for s in w.shareholders:
        union(f"c{s['company']}", f"{s['kind']}{s['holder']}")
    return {f"{k}{v}": find(f"{k}{v}") for k, v in zip(con["kind"], con["contractor"])}


def _sc(w: World, con: pd.DataFrame) -> list[Finding]:
    sub = con[con["amount"] < THRESHOLD]
    if not len(sub):
        return []
    grp = _groups(w, con)
    sub = sub.assign(g=[grp[f"{k}{v}"] for k, v in zip(sub["kind"], sub["contractor"])])
    out = []
    for key, g in sub.groupby(["org_code", "g"], sort=True):
        org = cast(str, key[0])
        g = g.sort_values(["date", "key"])
        d = g["date"].to_numpy().astype("datetime64[D]")
        amt = g["amount"].to_numpy()
        hit = np.zeros(len(g), dtype=bool)
        for i in range(len(g)):
            inwin = (d >= d[i]) & ((d - d[i]).astype(int) <= 90)
            if inwin.sum() >= 3 and amt[inwin].sum() >= THRESHOLD:
                hit |= inwin
        if hit.any():
            h = g[hit]
            ents = list(dict.fromkeys(f"{k}{v}" for k, v in zip(h["kind"], h["contractor"])))
            reps = [int(w.companies[int(e[1:])]["legal_rep"]) for e in ents if e[0] == "c"]
            people = list(
                dict.fromkeys(
                    h["approver"].astype(int).tolist() + [int(e[1:]) for e in ents if e[0] == "p"] + reps
                )
            )
            out.append(
                Finding(
                    "split_contracts",
                    people,
                    con_keys=sorted(h["key"]),
                    companies=[int(e[1:]) for e in ents if e[0] == "c"],
                    orgs=[org],
                )
            )
    return out


def _ra(w: World, pay: pd.DataFrame, con: pd.DataFrame) -> list[Finding]:
    rows = []
    p = pay[w.cnt2[pay["recipient"].to_numpy()] > 0]
    for a, r, k, v in zip(p["approver"], p["recipient"], p["key"], p["village"]):
        cads, ds = w.near.cadres_near(int(r))
        rows += [
            (int(a), int(c), int(r), int(k), int(dd), "pay", v)
            for c, dd in zip(cads, ds)
            if dd <= 2 and c != a
        ]
    cp = _contract_people(w, con)
    cp = cp[w.cnt2[cp["person"].to_numpy()] > 0]
    for a, r, k, o in zip(cp["approver"], cp["person"], cp["key"], cp["org_code"]):
        cads, ds = w.near.cadres_near(int(r))
        rows += [
            (int(a), int(c), int(r), int(k), int(dd), "con", o)
            for c, dd in zip(cads, ds)
            if dd <= 2 and c != a
        ]
    e = pd.DataFrame(rows, columns=["a", "b", "r", "key", "d", "kind", "org"])
    out: list[Finding] = []
    if not len(e):
        return out
    pairs = set(zip(e["a"], e["b"]))
    for a, b in sorted(pairs):
        if a < b and (b, a) in pairs:
            g = e[((e["a"] == a) & (e["b"] == b)) | ((e["a"] == b) & (e["b"] == a))]
            hops = int(max(g[g["a"] == a]["d"].min(), g[g["a"] == b]["d"].min()))
            rec = list(dict.fromkeys(g.sort_values("key")["r"].tolist()))
            out.append(
                Finding(
                    "reciprocal_approval",
                    [a, b] + rec,
                    sorted(set(g[g["kind"] == "pay"]["key"])),
                    sorted(set(g[g["kind"] == "con"]["key"])),
                    hops=hops,
                    orgs=sorted(set(g["org"])),
                    receivers=[f"p{r}" for r in rec],
                    cadres=[a, b],
                )
            )
    return out


def _cc(found: list[Finding]) -> list[Finding]:
    sets: UnionFind[str] = UnionFind()
    for f in found:
        sets.union([f"p{c}" for c in f.cadres] + f.receivers)
    comps: dict[str, list[Finding]] = {}
    for f in found:
        if f.cadres:
            comps.setdefault(sets.find(f"p{f.cadres[0]}"), []).append(f)
    out = []
    for _root, fs in sorted(comps.items()):
        receivers = {r for f in fs for r in f.receivers}
        pk = sorted({k for f in fs for k in f.pay_keys})
        ck = sorted({k for f in fs for k in f.con_keys})
        if len(receivers) >= 3 and len(pk) + len(ck) >= 3:
            cad = list(dict.fromkeys(c for f in fs for c in f.cadres))
            others = list(dict.fromkeys(p for f in fs for p in f.persons if p not in cad))
            comps_ = sorted({c for f in fs for c in f.companies})
            out.append(
                Finding(
                    "collusive_cluster",
                    cad + others,
                    pk,
                    ck,
                    comps_,
                    orgs=sorted({o for f in fs for o in f.orgs}),
                    cadres=cad,
                )
            )
    return out


def run_checks(w: World) -> list[Finding]:
    """Every check over the county's records, in CHECKS order."""
    pay = w.payments()
    con = w.contracts_frame()
    found = _kas(w, pay) + _cfb(w, pay) + _kc(w, con) + _hl(w, pay, con)
    ra = _ra(w, pay, con)
    rest = _sa(pay) + _dr(w, pay) + _dp(pay) + _sc(w, con)
    cc = _cc(found + ra)
    regs = [
        Finding(check, persons, keys, orgs=sorted(set(pay[pay["key"].isin(keys)]["village"])))
        for check, persons, keys in register_checks(w, pay)
    ]
    return found + rest + ra + cc + regs
