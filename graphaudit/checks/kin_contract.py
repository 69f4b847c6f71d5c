"""kin_contract: a contract awarded to a cadre of the issuing organisation or a relative within N hops, or
to a company such a person represents or holds shares in (directly or through up to two company levels).

Semantics:
- the cadre must hold a post in the issuing organisation on the signing date (township cadres count for
  township contracts, village cadres for their village's);
- the person behind a company is its legal representative or a shareholder; through a second level, the
  legal representative or shareholder of a company that holds shares in the contractor;
- one finding per contract; the closest link (fewest kinship hops, then fewest company levels, then the
  most senior cadre) is the evidence and its cadre and person come first in person_ids.

Severity link points: closeness(kinship hops) − 3 per company level beyond the first.

Identity (finding_id): the check and the contract (a contract is one deal and does not grow); a later
contract to the same contractor is a finding of its own that folds into the same case (graphaudit.cases).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, run_query
from graphaudit.checks.evidence import Link, canonical, link_from
from graphaudit.checks.legal import ART_104, FundKind
from graphaudit.checks.rows import PEOPLE, walk_path, whole_walks
from graphaudit.checks.wording import person, who, yuan
from graphaudit.findings import Finding, closeness, post_rank
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find", "owner_phrase"]

NAME = "kin_contract"
PERSONS = "kin_contract_persons"


def owner_phrase(own: Link, holder: str) -> str:
    """How ``holder`` (already worded) stands behind the contractor: "李某", "李某任法定代表人的X公司",
    "李某持股的Y公司持股的X公司"."""
    text = holder
    for step, company in zip(own.steps, own.nodes[1:]):
        verb = "任法定代表人的" if step.type == "LEGAL_REP_OF" else "持股的"
        text += f"{verb}{company.get('name') or company['id']}"
    return text


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    bounds = {"kin_hops": params["kin_hops"], "company_levels": params["company_levels"]}
    rows = run_query(store, NAME, bounds=bounds) + run_query(store, PERSONS, bounds=bounds)
    rows = whole_walks(store, rows, "cadre_id", "person_id")
    for r in rows:  # the LadybugDB variants: the ownership walk in parts, a person contractor as the kin end
        if "own_rels" in r and "own" not in r:
            r["own"] = walk_path(r["kin"]["_NODES"][-1], r["own_mid"], r["own_rels"], r["contractor"])
        r.setdefault("contractor", r["kin"]["_NODES"][-1])
    kins: dict[tuple[str, str], list[Link]] = defaultdict(list)
    owns: dict[tuple[str, str], list[Link]] = defaultdict(list)
    by_contract: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        kins[(r["cadre_id"], r["person_id"])].append(link_from(r["kin"], r["cadre_id"]))
        # a person contractor (query kin_contract_persons) is their own ownership path, of length 0
        own = link_from(r["own"], r["person_id"]) if "own" in r else Link.at(r["contractor"])
        owns[(r["person_id"], r["contractor"]["id"])].append(own)
        by_contract[r["contract_id"]].append(r)
    kin = {k: canonical(v) for k, v in kins.items()}
    owner = {k: canonical(v) for k, v in owns.items()}
    mask = params["mask_names"]
    findings = []
    for cid, rs in sorted(by_contract.items()):
        best: dict[tuple[str, str], tuple[Any, ...]] = {}
        for r in rs:
            pair = (r["cadre_id"], r["person_id"])
            k, o = kin[pair], owner[(r["person_id"], r["contractor"]["id"])]
            rank = (k.hops, o.hops, -post_rank(r["post"]), r["post"] or "", k.key(), o.key())
            if pair not in best or rank < best[pair][0]:
                best[pair] = (rank, k, o, r)
        ranked = sorted(best.values(), key=lambda t: t[0])
        _, k, o, r = ranked[0]
        contract = node("Contract", {"id": cid, "title": r["title"], "amount": r["amount"]})
        org = node("Org", {"id": r["org_code"], "name": r["org_name"]})
        evidence = (
            (k + o)
            .then("AWARDED_TO", contract, forward=False)
            .then("ISSUED", org, forward=False)
            .then("HOLDS", k.start, forward=False)
        )
        name = k.kin_name()
        holder = "本人" if k.hops == 0 else f"其{name.term}{person(k.end, mask)}"
        text = (
            f"{who(r['post'], k.start, mask)}所在的{r['org_name'] or r['org_code']}"
            f"将“{r['title'] or cid}”合同"
            f"（{yuan(float(r['amount'] or 0))}）发包给{owner_phrase(o, holder)}（{name.arrow}）"
        )
        persons = (
            [k.start["id"], k.end["id"]]
            + [t[1].start["id"] for t in ranked[1:]]
            + [t[1].end["id"] for t in ranked[1:]]
        )
        findings.append(
            make_finding(
                NAME,
                subject=[cid],
                records=[{"id": cid, "amount": r["amount"]}],
                person_ids=persons,
                record_ids=[cid],
                amount=float(r["amount"] or 0),
                org_code=r["org_code"],
                evidence=evidence,
                explanation=text,
                link_points=closeness(k.hops) - 3 * max(0, o.hops - 1),
                title=r["post"],
                details={
                    "hops": k.hops,
                    "kin": name.arrow,
                    "term": name.term,
                    "company_levels": o.hops,
                    "cadre_post": r["post"],
                    "sign_date": r["sign_date"],
                    "contractor_id": r["contractor"]["id"],
                    "contractor_name": r["contractor"].get("name"),
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="干部亲属承揽本单位工程",
    description="A contract whose contractor is, or is a company whose legal representative or shareholder "
    "(through up to company_levels company levels) is, within kin_hops hops of a cadre of the "
    "issuing organisation in office on the signing date.",
    params=(
        Param("kin_hops", int, 3, "kinship hops between cadre and contractor's person", 1, 5),
        Param("company_levels", int, 2, "company levels between that person and the contractor", 1, 3),
    ),
    queries=(NAME, PERSONS, PEOPLE),
    base=40,
    legal_basis=ART_104,
    fund_kind=FundKind.OTHER,
    find=find,
)
