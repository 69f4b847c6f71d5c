"""A flagged cluster as a ``collusive_cluster`` Finding: members, records, an evidence path through the
cluster and one Chinese sentence, e.g. "某村以村党支部书记张某为中心的7人群体：…"."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from graphaudit.checks.evidence import Link
from graphaudit.checks.rows import best_title
from graphaudit.checks.wording import Names, yuan
from graphaudit.clusters.conflicts import Conflict, KinIndex
from graphaudit.clusters.pipeline import Detection
from graphaudit.clusters.projection import split
from graphaudit.clusters.score import Cluster
from graphaudit.findings import Finding, make_finding_id, post_rank
from graphaudit.store.base import GraphStore

__all__ = ["to_findings", "NAME"]

NAME = "collusive_cluster"
SEGMENTS = 4  # conflict links shown on the evidence path
ID_REL = {"Phone": "HAS_PHONE", "Address": "HAS_ADDRESS", "BankAccount": "HAS_ACCOUNT"}


def _nodes(store: GraphStore, keys: set[str]) -> dict[str, dict[str, Any]]:
    """Node dicts (properties plus _LABEL) of the given node keys."""
    people = sorted(i for k in keys for lab, i in [split(k)] if lab == "Person")
    others = sorted(i for k in keys for lab, i in [split(k)] if lab != "Person")
    out: dict[str, dict[str, Any]] = {}
    if people:
        for r in store.run_named("cluster_people", {"ids": people}):
            n = {k: v for k, v in r["n"].items() if k not in ("_ID",)}
            out[f"Person:{n['id']}"] = n
    if others:
        for r in store.run_named("cluster_names", {"ids": others}):
            out[f"{r['label']}:{r['id']}"] = {"_LABEL": r["label"], "id": r["id"], "name": r["name"]}
    for k in keys:
        lab, i = split(k)
        out.setdefault(k, {"_LABEL": lab, "id": i, "name": ""})
    return out


def _segment(det: Detection, c: Conflict, nodes: dict[str, dict[str, Any]]) -> Link:
    """approver → record → party (← owner) ~ kin ~ the relative's cadre, for the link's largest record."""
    proj, kin = det.projection, det.kin
    rec = max((proj.records[r] for r in c.records), key=lambda r: (r.amount, r.id))
    caption = {"program": rec.what} if rec.kind == "Payment" else {"title": rec.what}
    walk = (
        Link.at(nodes[rec.approver])
        .then("APPROVED", {"_LABEL": rec.kind, "id": rec.id, **caption})
        .then("PAID_TO" if rec.kind == "Payment" else "AWARDED_TO", nodes[rec.party])
    )
    person_key = proj.nodes[c.person]
    if person_key != rec.party:  # the party is a company: back through its owners to the person
        owners = dict(proj.owners.get(rec.party, []))
        if person_key in owners:
            walk = walk.then(owners[person_key], nodes[person_key], forward=False)
        else:
            hold = next(
                h for h, _ in proj.owners.get(rec.party, []) if person_key in dict(proj.owners.get(h, []))
            )
            walk = walk.then("SHAREHOLDER_OF", nodes[hold], forward=False).then(
                dict(proj.owners[hold])[person_key], nodes[person_key], forward=False
            )
    return walk + _kin_walk(det, kin, c.person, c.kin_of, nodes)


def _kin_walk(det: Detection, kin: KinIndex, a: int, b: int, nodes: dict[str, dict[str, Any]]) -> Link:
    proj = det.projection
    path = kin.path(b, a)[::-1]
    walk = Link.at(nodes[proj.nodes[path[0]]])
    for x, y in zip(path, path[1:]):
        i, j = min(x, y), max(x, y)
        part = next(p for p in proj.edge_parts(i, j) if p.kind == "kin")
        walk = walk.then(part.type, nodes[proj.nodes[y]], forward=part.src == proj.nodes[x])
    return walk


def _evidence(det: Detection, cl: Cluster, nodes: dict[str, dict[str, Any]]) -> Link:
    """Conflict links chained end to end where they meet (a reciprocal pair closes a loop)."""
    order = sorted(
        cl.conflicts,
        key=lambda c: (-sum(det.projection.records[r].amount for r in c.records), c.kind, c.actor, c.party),
    )
    segs = [_segment(det, c, nodes) for c in order[:12]]
    walk = segs.pop(0)
    for _ in range(SEGMENTS - 1):
        end = walk.end["id"]
        nxt = next((s for s in segs if s.start["id"] == end), None) or next(
            (s.reversed() for s in segs if s.end["id"] == end), None
        )
        if nxt is None:
            break
        segs = [s for s in segs if s is not nxt and s.reversed() != nxt]
        walk = walk + nxt
    return walk


def _title(det: Detection, node_key: str) -> str | None:
    return best_title(p.title for p in det.posts.get(split(node_key)[1], []))


def to_findings(
    store: GraphStore, det: Detection, clusters: list[Cluster], mask: bool = True
) -> list[Finding]:
    """One Finding per flagged cluster."""
    proj = det.projection
    want = {proj.nodes[n] for cl in clusters for n in cl.core}
    want |= {proj.records[r].approver for cl in clusters for r in cl.records}
    want |= {proj.records[r].party for cl in clusters for r in cl.records}
    want |= {h for cl in clusters for r in cl.records for h, _ in proj.owners.get(proj.records[r].party, [])}
    want |= {h2 for k in list(want) for h2, _ in proj.owners.get(k, [])}
    orgs = {proj.records[r].org_code for cl in clusters for r in cl.records}
    nodes = _nodes(store, want | {f"Org:{o}" for o in orgs if o})
    out = []
    for cl in clusters:
        out.append(_finding(det, cl, nodes, mask))
    return out


def cluster_subject(det: Detection, cl: Cluster) -> list[str]:
    """A cluster's identity: its core pair — the two deciders with the most conflict links (ties: the smaller
    id), ids sorted; a cluster with one decider is that decider.  Members, records and other deciders joining
    later leave it unchanged; only a new decider out-linking the pair changes it, and then the case it folds
    into keeps its id through the records it shares (graphaudit.cases.fold)."""
    proj = det.projection
    links = Counter(c.actor for c in cl.conflicts)
    ids = {d: split(proj.nodes[d])[1] for d in cl.deciders}
    ranked = sorted(ids, key=lambda d: (-links.get(d, 0), ids[d]))
    return sorted(ids[d] for d in ranked[:2])


def _finding(det: Detection, cl: Cluster, nodes: dict[str, dict[str, Any]], mask: bool) -> Finding:
    proj = det.projection
    links = Counter(c.actor for c in cl.conflicts)
    deciders = sorted(cl.deciders, key=lambda d: (-post_rank(_title(det, proj.nodes[d])), -links[d], d))
    center = deciders[0]
    people = [proj.nodes[n] for n in cl.core if proj.nodes[n].startswith("Person:")]
    companies = [proj.nodes[n] for n in cl.core if proj.nodes[n].startswith("Company:")]
    first = [proj.nodes[d] for d in deciders]
    persons = [split(k)[1] for k in dict.fromkeys(first + sorted(people))]
    recs = [proj.records[r] for r in cl.records]
    org_counts = Counter(r.org_code for r in recs)
    org = min(org_counts, key=lambda o: (-org_counts[o], o))
    place = (nodes.get(f"Org:{org}") or {}).get("name") or org
    broker = cl.brokers[0] if cl.brokers else None
    named = [center, *[x for pair in cl.pairs[:2] for x in pair]]
    if broker:
        named.append(int(broker["node"]))  # type: ignore[call-overload]
    names = Names([nodes[proj.nodes[n]] for n in named], mask)
    who = f"{_title(det, proj.nodes[center]) or '审批人'}{names(nodes[proj.nodes[center]])}"
    text = (
        f"{place}以{who}为中心的{len(people)}人群体"
        + (f"（含{len(companies)}家企业）" if companies else "")
        + f"：{len(cl.deciders)}名干部或审批人审批或经手的{len(recs)}笔资金共{yuan(cl.conflicted)}"
        + f"流向其亲属，占群体内审批资金的{round(100 * cl.conflicted / cl.approved) if cl.approved else 0}%"
    )
    pairs = [f"{names(nodes[proj.nodes[a]])}与{names(nodes[proj.nodes[b]])}" for a, b in cl.pairs[:2]]
    if pairs:
        more = f"等{len(cl.pairs)}对" if len(cl.pairs) > 2 else ""
        text += f"，其中{'、'.join(pairs)}{more}相互为对方亲属审批"
    if broker and int(broker["kin_groups"]) >= 2:  # type: ignore[call-overload]
        who = names(nodes[proj.nodes[int(broker["node"])]])  # type: ignore[call-overload]
        text += f"；{who}审批的资金流向{broker['kin_groups']}个亲属群体"
    record_ids = sorted(cl.records)
    brokers = [
        {
            "person_id": split(proj.nodes[int(cast(Any, b)["node"])])[1],
            "kin_groups": b["kin_groups"],
            "betweenness": b["betweenness"],
        }
        for b in cl.brokers
    ]
    details = {
        "members": len(cl.members),
        "core": len(cl.core),
        "communities": len(cl.communities),
        "cadres": [split(proj.nodes[d])[1] for d in deciders],
        "posts": [_title(det, proj.nodes[d]) for d in deciders],
        "companies": [split(k)[1] for k in companies],
        "parties": len(cl.parties),
        "reciprocal_pairs": [[split(proj.nodes[a])[1], split(proj.nodes[b])[1]] for a, b in cl.pairs],
        "conflict_links": Counter(c.kind for c in cl.conflicts),
        "conflicted_amount": cl.conflicted,
        "approved_amount": cl.approved,
        "density": round(cl.density, 4),
        "baseline_density": round(det.baseline, 4),
        "brokers": brokers,
        "severity_factors": dict(cl.factors),
    }
    details["conflict_links"] = dict(sorted(cast(dict[str, int], details["conflict_links"]).items()))
    details["record_money"] = {
        r.id: [round(r.amount, 2), r.what if r.kind == "Payment" else "合同"]
        for r in sorted(recs, key=lambda r: r.id)
    }
    return Finding(
        finding_id=make_finding_id(NAME, cluster_subject(det, cl)),
        check=NAME,
        severity=cl.severity,
        amount=round(cl.conflicted, 2),
        org_code=org,
        person_ids=persons,
        record_ids=record_ids,
        path=_evidence(det, cl, nodes).as_path(),
        explanation=text,
        details=details,
    )
