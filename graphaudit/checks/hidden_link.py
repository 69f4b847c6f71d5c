"""hidden_link: a contractor company that shares a phone, an address or a bank account with a cadre or a
cadre's relative within N hops.

Semantics:
- the company must be a contractor, and only its contracts signed while the cadre held a post count (whichever
  organisation issued them); those contracts are the finding's records;
- sharing with the company's own legal representative or shareholders is not hidden and is left out
  (kin_contract covers ownership);
- one finding per company; the closest link (fewest hops, then bank account before phone before address,
  then the most senior cadre) is the evidence.

Severity link points: min(20, closeness(hops) + 5 for a bank account, 3 for a phone, 0 for an address).

Identity (finding_id): the check and the company — its later contracts join the same finding.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, run_query
from graphaudit.checks.legal import ART_104, FundKind
from graphaudit.checks.rows import (
    PEOPLE,
    best_title,
    by_date,
    kin_links,
    main_org,
    outranks,
    total,
    whole_walks,
)
from graphaudit.checks.wording import person, who, yuan
from graphaudit.findings import Finding, closeness, post_rank
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "hidden_link"
KINDS = {
    "BankAccount": ("HAS_ACCOUNT", "银行账户", 5.0),
    "Phone": ("HAS_PHONE", "联系电话", 3.0),
    "Address": ("HAS_ADDRESS", "地址", 0.0),
}
ORDER = list(KINDS)


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    rows = whole_walks(
        store, run_query(store, NAME, bounds={"hops": params["hops"]}), "cadre_id", "person_id"
    )
    links = kin_links(rows, "cadre_id", "person_id")
    by_company: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_company[r["company"]["id"]].append(r)
    mask = params["mask_names"]
    findings = []
    for co_id, rs in sorted(by_company.items()):
        contracts: dict[str, dict[str, Any]] = {}
        cand = {}
        for r in rs:
            for k in r["contracts"]:
                old = contracts.get(k["id"])
                if old is None or outranks(k["post"], old["post"]):
                    contracts[k["id"]] = dict(k)
            kin = links[(r["cadre_id"], r["person_id"])]
            kind = r["shared"]["_LABEL"]
            title = best_title(k["post"] for k in r["contracts"])
            rank = (kin.hops, ORDER.index(kind), -post_rank(title), kin.key(), str(r["shared"]["id"]))
            key = (r["cadre_id"], r["person_id"], kind, str(r["shared"]["id"]))
            cand[key] = (rank, kin, r, title)
        ranked = sorted(cand.values(), key=lambda t: t[0])
        _, kin, r, title = ranked[0]
        ks = by_date(contracts.values(), "sign_date")
        shared, company = r["shared"], r["company"]
        rtype, word, bonus = KINDS[shared["_LABEL"]]
        first = ks[0]
        evidence = (
            kin.then(rtype, shared)
            .then(rtype, company, forward=False)
            .then("AWARDED_TO", node("Contract", first), forward=False)
            .then("ISSUED", node("Org", {"id": first["org_code"], "name": first["org_name"]}), forward=False)
        )
        name = kin.kin_name()
        actor = who(title, kin.start, mask)
        target = f"{actor}本人" if kin.hops == 0 else f"{actor}的{name.term}{person(kin.end, mask)}"
        orgs = sorted({k["org_name"] or k["org_code"] for k in ks})
        deals = (
            f"“{first['title'] or first['id']}”合同（{yuan(total(ks))}）"
            if len(ks) == 1
            else f"{len(ks)}份合同（共{yuan(total(ks))}）"
        )
        text = (
            f"{target}与承包{'、'.join(orgs)}{deals}的{company.get('name') or co_id}使用同一{word}"
            f"（{name.arrow}）"
        )
        persons = [
            kin.start["id"],
            kin.end["id"],
            *[t[2]["cadre_id"] for t in ranked[1:]],
            *[t[2]["person_id"] for t in ranked[1:]],
        ]
        findings.append(
            make_finding(
                NAME,
                subject=[co_id],
                records=ks,
                person_ids=persons,
                record_ids=list(contracts),
                amount=total(ks),
                org_code=main_org(ks),
                evidence=evidence,
                explanation=text,
                link_points=min(20.0, closeness(kin.hops) + bonus),
                title=title,
                details={
                    "hops": kin.hops,
                    "kin": name.arrow,
                    "term": name.term,
                    "shared": shared["_LABEL"],
                    "company_id": co_id,
                    "company_name": company.get("name"),
                    "cadre_post": title,
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="承包企业与干部亲属共用联系方式",
    description="A contractor company that shares a phone, address or bank account with a cadre, or a "
    "cadre's relative within `hops` hops (its contracts signed while the cadre held a post).",
    params=(Param("hops", int, 2, "kinship hops between cadre and the person sharing the identifier", 1, 3),),
    queries=(NAME, PEOPLE),
    base=30,
    legal_basis=ART_104,
    fund_kind=FundKind.OTHER,
    find=find,
)
