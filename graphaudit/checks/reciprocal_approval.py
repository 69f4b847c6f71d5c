"""reciprocal_approval: approver A approves money for B or B's relatives while B approves money for A or
A's relatives (within N kinship hops).

Semantics:
- money is a payment paid to the person, or a contract awarded to the person or to a company the person
  represents or holds shares in (directly or through one shareholding company);
- any two approvers count, cadres or not; their posts on the record dates name and weight them;
- one finding per pair of approvers, holding the records of both directions; the more senior approver is
  A; for each direction the closest favour is named (fewest kinship hops, then canonical path order).

Severity link points: closeness of the weaker direction — closeness(max(hops on A's side, hops on B's side)).

Identity (finding_id): the check and the two approvers (ids sorted) — later records of either direction join.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, post_on, posts_of, run_query
from graphaudit.checks.evidence import Link, link_from
from graphaudit.checks.kin_contract import owner_phrase
from graphaudit.checks.legal import ART_104, FundKind
from graphaudit.checks.rows import (
    PEOPLE,
    best_title,
    by_date,
    main_org,
    shortest_walks,
    total,
    walk_path,
    whole_walks,
)
from graphaudit.checks.wording import Names, payments_phrase, yuan
from graphaudit.findings import Finding, closeness, post_rank
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "reciprocal_approval"
CONTRACTS = "reciprocal_approval_contracts"


class Favour:
    """What approver a did for b's side: per record, the canonical (kinship path b → person, ownership path
    person → contractor)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.links: dict[str, list[tuple[Link, Link]]] = defaultdict(list)

    def add(self, kin: Link, own: Link, records: list[dict[str, Any]]) -> None:
        for r in records:
            self.records[r["id"]] = r
            self.links[r["id"]].append((kin, own))

    def closest(self) -> tuple[dict[str, Any], Link, Link]:
        """The record with the closest link, and that link."""
        best = {rid: min(ls, key=lambda t: (t[0].key(), t[1].key())) for rid, ls in self.links.items()}
        rid = min(best, key=lambda r: (best[r][0].key(), best[r][1].key(), r))
        return self.records[rid], *best[rid]


def _deals(records: list[dict[str, Any]], whom: str, own: Link) -> str:
    """ "向X发放低保金600元", "将“项目”合同（80000元）发包给X任法定代表人的Y公司", or both kinds summed."""
    kinds = {r["kind"] for r in records}
    if kinds == {"Payment"}:
        return (
            "向"
            + whom
            + "发放"
            + payments_phrase(
                [
                    {"id": r["id"], "program": r["what"], "amount": r["amount"], "pay_date": r["date"]}
                    for r in records
                ]
            )
        )
    if kinds == {"Contract"}:
        what = f"“{records[0]['what']}”合同" if len(records) == 1 else f"{len(records)}份合同"
        sum_ = f"{'共' if len(records) > 1 else ''}{yuan(total(records))}"
        return f"将{what}（{sum_}）发包给{owner_phrase(own, whom)}"
    return f"向{whom}发放或发包资金共{len(records)}笔{yuan(total(records))}"


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    bounds = {"hops": params["hops"]}
    rows = run_query(store, NAME, bounds=bounds)
    contract_rows = run_query(store, CONTRACTS, bounds=bounds)
    done = {(r["approver_id"], r["other_id"]) for r in (*rows, *contract_rows)}
    mutual = {k for k in done if (k[1], k[0]) in done}
    rows = [r for r in rows if (r["approver_id"], r["other_id"]) in mutual]
    contract_rows = [r for r in contract_rows if (r["approver_id"], r["other_id"]) in mutual]
    # the LadybugDB variants return each walk in parts (rows.whole_walks), the Neo4j text whole
    whole_walks(store, [*rows, *contract_rows], "other_id", "recipient_id")
    rows = shortest_walks(rows, "other_id", "recipient_id")
    contract_rows = shortest_walks(contract_rows, "other_id", "recipient_id")
    favours: dict[tuple[str, str], Favour] = defaultdict(Favour)
    for r in rows:
        kin = link_from(r["kin"], r["other_id"])
        favours[(r["approver_id"], r["other_id"])].add(kin, Link.at(kin.end), r["records"])
    for r in contract_rows:
        kin = link_from(r["kin"], r["other_id"])
        if "own" in r:
            own = link_from(r["own"], r["recipient_id"])
        else:
            own = link_from(
                walk_path(kin.end, r["own_mid"], r["own_rels"], r["contractor"]), r["recipient_id"]
            )
        favours[(r["approver_id"], r["other_id"])].add(kin, own, r["records"])
    pairs = sorted({tuple(sorted(k)) for k in favours if (k[1], k[0]) in favours})
    posts = posts_of(store, {x for pair in pairs for x in pair})
    mask = params["mask_names"]

    def title_of(a: str, b: str) -> str | None:
        recs = favours[(a, b)].records.values()
        return best_title(p.title for r in recs if (p := post_on(posts, a, r["date"])))

    findings = []
    for x, y in pairs:
        if (-post_rank(title_of(y, x)), y) < (-post_rank(title_of(x, y)), x):
            x, y = y, x
        fa, fb = favours[(x, y)], favours[(y, x)]  # a = x did for y's side; b = y did for x's side
        rec_a, kin_b, own_b = fa.closest()
        rec_b, kin_a, own_a = fb.closest()
        title_a, title_b = title_of(x, y), title_of(y, x)
        node_a, node_b = kin_a.start, kin_b.start

        def favour_walk(approver: Mapping[str, Any], rec: dict[str, Any], kin: Link, own: Link) -> Link:
            via = "PAID_TO" if rec["kind"] == "Payment" else "AWARDED_TO"
            caption = {"program" if rec["kind"] == "Payment" else "title": rec["what"]}
            return (
                Link.at(approver).then("APPROVED", node(rec["kind"], {**rec, **caption})).then(via, own.end)
                + own.reversed()
                + kin.reversed()
            )

        evidence = favour_walk(node_a, rec_a, kin_b, own_b) + favour_walk(node_b, rec_b, kin_a, own_a)
        name_b, name_a = kin_b.kin_name(), kin_a.kin_name()

        names = Names([node_a, node_b, kin_b.end, kin_a.end], mask)

        def whom(k: Link, term: str, owner: str, names: Names = names) -> str:
            return f"{owner}本人" if k.hops == 0 else f"{owner}的{term}{names(k.end)}"

        recs_a, recs_b = by_date(fa.records.values(), "date"), by_date(fb.records.values(), "date")
        text = (
            f"{title_a or '审核人'}{names(node_a)}审批"
            f"{_deals(recs_a, whom(kin_b, name_b.term, (title_b or '审核人') + names(node_b)), own_b)}，"
            f"{names(node_b)}审批{_deals(recs_b, whom(kin_a, name_a.term, names(node_a)), own_a)}，"
            f"二人相互为对方或其亲属审批（{name_b.arrow}；{name_a.arrow}）"
        )
        every = recs_a + recs_b
        others = sorted({k.end["id"] for ls in (*fa.links.values(), *fb.links.values()) for k, _ in ls})
        findings.append(
            make_finding(
                NAME,
                subject=sorted((x, y)),
                records=every,
                person_ids=[x, y, kin_b.end["id"], kin_a.end["id"], *others],
                record_ids=[r["id"] for r in every],
                amount=total(every),
                org_code=main_org(every),
                evidence=evidence,
                explanation=text,
                link_points=closeness(max(kin_a.hops, kin_b.hops)),
                title=best_title([title_a, title_b]),
                details={
                    "hops_a_side": kin_a.hops,
                    "hops_b_side": kin_b.hops,
                    "kin_a_side": name_a.arrow,
                    "kin_b_side": name_b.arrow,
                    "posts": [title_a, title_b],
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="干部相互为对方亲属审批",
    description="Approver A approves money (payments, contracts) for B or B's relatives within `hops` hops "
    "while B approves money for A or A's relatives.",
    params=(Param("hops", int, 2, "kinship hops between an approver and the other's beneficiary", 1, 3),),
    queries=(NAME, CONTRACTS, PEOPLE, "cadre_posts"),
    base=35,
    legal_basis=ART_104,
    fund_kind=FundKind.MIXED,
    find=find,
)
