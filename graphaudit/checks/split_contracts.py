"""split_contracts (化整为零): min_contracts or more contracts from one organisation to one contractor or to
related contractors, signed within window_days, each below the tender threshold and together reaching it.

Semantics:
- contractors are related when they share a legal representative or shareholder, or one of them is the
  legal representative or a shareholder of the other (transitively, within one organisation's contracts);
- a window is a run of contracts whose first and last signing dates are at most window_days apart;
  overlapping qualifying windows merge into one finding (its contracts may then span longer);
- approvers (most contracts first) lead person_ids, then person contractors and the people relating them;
  the approvers' most senior post on the signing dates weights severity.

Severity link points: min(20, 5 per contract from min_contracts on) — 3 contracts 5, 4 → 10 …

Identity (finding_id): the check, the organisation and the first contract of the window (the contract family):
later contracts extending the window join the same finding.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from graphaudit.checks.check import Check, Param, make_finding, node, post_on, posts_of, run_query
from graphaudit.checks.evidence import Link
from graphaudit.checks.legal import ART_104, FundKind
from graphaudit.checks.rows import best_title, by_date, total
from graphaudit.checks.wording import person, yuan
from graphaudit.findings import Finding
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find", "windows"]

NAME = "split_contracts"


class _Roots:
    """Union–find over contractor and controller ids."""

    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.up.setdefault(x, x)
        while self.up[x] != x:
            self.up[x] = self.up[self.up[x]]
            x = self.up[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.up[max(ra, rb)] = min(ra, rb)


def windows(
    contracts: list[dict[str, Any]], days: int, threshold: float, least: int
) -> list[list[dict[str, Any]]]:
    """Clusters of contracts (sorted by date) in qualifying windows, overlapping windows merged."""
    spans: list[tuple[int, int]] = []
    j = 0
    for i, k in enumerate(contracts):
        j = max(j, i)
        while j + 1 < len(contracts) and (contracts[j + 1]["sign_date"] - k["sign_date"]).days <= days:
            j += 1
        if j - i + 1 >= least and total(contracts[i : j + 1]) >= threshold:
            if spans and i <= spans[-1][1]:
                spans[-1] = (spans[-1][0], j)
            else:
                spans.append((i, j))
    return [contracts[a : b + 1] for a, b in spans]


def _walk(rows: list[dict[str, Any]], org: dict[str, Any]) -> Link:
    """Evidence: org → contract → contractor, then to the next contract's contractor through the people who
    relate them, back to org through that contract, and so on."""
    adj: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)  # id → (other id, type, forward)
    nodes: dict[str, dict[str, Any]] = {}
    for r in rows:
        x = r["contractor"]
        nodes[x["id"]] = x
        for c in r["controllers"]:
            nodes.setdefault(c["id"], node(c["label"], {"id": c["id"], "name": c["name"]}))
            adj[c["id"]].append((x["id"], c["type"], True))
            adj[x["id"]].append((c["id"], c["type"], False))
    walk = Link.at(org)
    for r in rows:
        k, x = node("Contract", {"id": r["contract_id"], "title": r["title"]}), r["contractor"]
        if walk.end["_LABEL"] == "Org":
            walk = walk.then("ISSUED", k).then("AWARDED_TO", x)
            continue
        walk = _connect(walk, x["id"], adj, nodes)
        walk = walk.then("AWARDED_TO", k, forward=False).then("ISSUED", org, forward=False)
    return walk


def _connect(
    walk: Link, target: str, adj: dict[str, list[tuple[str, str, bool]]], nodes: dict[str, dict[str, Any]]
) -> Link:
    """``walk`` extended from its end to ``target`` by the shortest ownership route (breadth first)."""
    start = str(walk.end["id"])
    prev: dict[str, tuple[str, str, bool] | None] = {start: None}
    queue = [start]
    while queue and target not in prev:
        nxt = []
        for u in queue:
            for v, t, fwd in sorted(adj[u]):
                if v not in prev:
                    prev[v] = (u, t, fwd)
                    nxt.append(v)
        queue = nxt
    route = []
    v = target
    while prev.get(v) is not None:
        u, t, fwd = prev[v]  # type: ignore[misc]
        route.append((t, v, fwd))
        v = u
    for t, v, fwd in reversed(route):
        walk = walk.then(t, nodes[v], forward=fwd)
    return walk


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    threshold = params["threshold"]
    rows = run_query(store, NAME, {"threshold": threshold})
    by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        r = dict(
            r,
            id=r["contract_id"],
            controllers=sorted((c for c in r["controllers"] if c), key=lambda c: (c["id"], c["type"])),
        )
        by_org[r["org_code"]].append(r)
    clusters = []
    for _org, rs in sorted(by_org.items()):
        roots = _Roots()
        for r in rs:
            for c in r["controllers"]:
                roots.join(r["contractor"]["id"], c["id"])
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rs:
            groups[roots.find(r["contractor"]["id"])].append(r)
        for g in groups.values():
            clusters += windows(
                by_date(g, "sign_date"), params["window_days"], threshold, params["min_contracts"]
            )
    posts = posts_of(store, {r["approver_id"] for c in clusters for r in c if r.get("approver_id")})
    mask = params["mask_names"]
    findings = []
    for ks in clusters:
        first, last = ks[0], ks[-1]
        approvers = Counter(r["approver_id"] for r in ks if r.get("approver_id"))
        title = best_title(
            p.title
            for r in ks
            if r.get("approver_id") and (p := post_on(posts, r["approver_id"], r["sign_date"]))
        )
        contractors = list({r["contractor"]["id"]: r["contractor"] for r in ks}.values())
        people = [c["id"] for c in contractors if c["_LABEL"] == "Person"]
        if len(contractors) > 1:
            people += sorted({c["id"] for r in ks for c in r["controllers"] if c["label"] == "Person"})
        names = "、".join(
            (person(c, mask) if c["_LABEL"] == "Person" else c.get("name") or c["id"])
            for c in contractors[:2]
        )
        if len(contractors) > 1:
            names += f"等{len(contractors)}家关联承包方"
        org = node("Org", {"id": first["org_code"], "name": first["org_name"]})
        days = (last["sign_date"] - first["sign_date"]).days
        text = (
            f"{first['org_name'] or first['org_code']}在{first['sign_date']}至{last['sign_date']}的{days}天内"
            f"向{names}签订{len(ks)}份合同，单份均低于招标限额{yuan(threshold)}，合计{yuan(total(ks))}，"
            f"疑似化整为零规避招标"
        )
        findings.append(
            make_finding(
                NAME,
                subject=[first["org_code"], first["id"]],
                records=ks,
                person_ids=[*sorted(approvers, key=lambda x: (-approvers[x], x)), *people],
                record_ids=[r["id"] for r in ks],
                amount=total(ks),
                org_code=first["org_code"],
                evidence=_walk(ks, org),
                explanation=text,
                title=title,
                link_points=min(20.0, 5.0 * (len(ks) - params["min_contracts"] + 1)),
                details={
                    "first_date": first["sign_date"],
                    "last_date": last["sign_date"],
                    "days": days,
                    "contractors": [c["id"] for c in contractors],
                    "threshold": threshold,
                    "approver_post": title,
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="化整为零规避招标",
    description="min_contracts or more contracts from one organisation to one contractor (or related "
    "contractors) within window_days, each below the tender threshold, together reaching it.",
    params=(
        Param("threshold", float, 100000.0, "tender threshold, yuan", 1, None),
        Param("window_days", int, 90, "days between first and last signing date", 1, 3650),
        Param("min_contracts", int, 3, "contracts in the window", 2, 50),
    ),
    queries=(NAME, "cadre_posts"),
    base=35,
    legal_basis=ART_104,
    fund_kind=FundKind.OTHER,
    find=find,
)
