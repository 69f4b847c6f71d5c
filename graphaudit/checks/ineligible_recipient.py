"""ineligible_recipient: a means-tested payment (低保, 特困供养 …: the policy file's ``means_tested``) whose
recipient's household has, on the pay date, a member who is a public employee in post, owns a counted
vehicle, holds more housing than allowed, or is a company's legal representative or shareholder.

Semantics (the rule values come from the policy file, graphaudit/policy.yaml, and are stated in each finding):
- the household is the recipient's in the register (MEMBER_OF), the recipient included;
- a public employee counts from the start date to the end date (a member who left before the payment does
  not count); a vehicle from registration to deregistration, and only if its type is not exempt
  (vehicles.exempt: 摩托车, 三轮, 低速货车, 拖拉机) and, where vehicles.counted is given, names a counted
  type; housing counts the properties held on the pay date whose use is in housing.kinds, flagged above
  housing.max_properties; a legal representative or shareholder counts on every date (the register has none);
- all flagged payments of one recipient fold into one finding; the sentence names the reason and the
  household member, every reason found is in ``details["reasons"]``.

Severity link points: 20 for a public employee in post, 15 for a counted vehicle or too much housing, 10 for a
company link (the strongest reason found).

Identity (finding_id): the check and the recipient — later payments join the same finding.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from graphaudit.checks.check import Check, make_finding, node, run_query
from graphaudit.checks.collide import approvers, payment, payment_link, span
from graphaudit.checks.legal import ART_124, FundKind
from graphaudit.checks.rows import by_date, main_org, total
from graphaudit.checks.wording import payments_phrase, person
from graphaudit.findings import Finding
from graphaudit.policy import Policy
from graphaudit.store.base import GraphStore

__all__ = ["CHECK", "find"]

NAME = "ineligible_recipient"
POINTS = {"job": 20.0, "vehicle": 15.0, "housing": 15.0, "company": 10.0}


def _reasons(store: GraphStore, pol: Policy) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Per payment id, the reasons it is flagged (kind, member, text, evidence step), and every row."""
    params = {"programs": list(pol.means_tested)}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    for r in run_query(store, NAME, params):
        rows.append(r)
        end = f"，{r['until']}离职" if r.get("until") else "，至今在职"
        out[r["id"]].append(
            {
                "kind": "job",
                "row": r,
                "text": f"为财政供养人员（{r['what'] or '工作单位不详'}，{r['since']}入职{end}）",
                "rule": "户内有在职财政供养人员",
                "step": ("EMPLOYED", node("Job", {"id": r["asset_id"], "employer": r["what"]})),
            }
        )
    # the policy's types, picked from the register's, go into the query: most vehicles are exempt
    types = [t["vehicle_type"] for t in run_query(store, "vehicle_types")]
    counted = sorted(t for t in types if t is not None and pol.vehicle_counts(t))
    null_type = None in types and pol.vehicle_counts(None)
    vehicles = {**params, "types": counted or [""], "null_type": null_type}
    for r in run_query(store, "ineligible_vehicles", vehicles) if counted or null_type else []:
        if not pol.vehicle_counts(r["what"]):
            continue
        rows.append(r)
        out[r["id"]].append(
            {
                "kind": "vehicle",
                "row": r,
                "text": f"名下有{r['what']}（{r.get('plate') or '号牌不详'}，{r['since']}登记）",
                "rule": f"车辆计入（豁免：{'、'.join(pol.vehicle_exempt) or '无'}）",
                "step": ("OWNS_VEHICLE", node("Vehicle", {"id": r["asset_id"], "plate": r.get("plate")})),
            }
        )
    held: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    kinds = [k["kind"] for k in run_query(store, "property_kinds")]
    counted = sorted(k for k in kinds if k is not None and pol.housing_counts(k))
    null_kind = None in kinds and pol.housing_counts(None)
    housing = {
        **params,
        "kinds": counted or [""],
        "null_kind": null_kind,
        "max_properties": pol.housing_max_properties,
    }
    for r in run_query(store, "ineligible_housing", housing) if counted or null_kind else []:
        if pol.housing_counts(r["what"]):
            held[r["id"]].setdefault(r["asset_id"], r)
    for pid, props in held.items():
        if len(props) <= pol.housing_max_properties:
            continue
        first = props[min(props)]
        rows.append(first)
        out[pid].append(
            {
                "kind": "housing",
                "row": first,
                "text": f"等户内成员持有住房{len(props)}套",
                "rule": f"住房不超过{pol.housing_max_properties}套"
                f"（用途：{'、'.join(pol.housing_kinds) or '全部'}）",
                "step": ("OWNS_PROPERTY", node("RealEstate", {"id": first["asset_id"]})),
                "count": len(props),
            }
        )
    for r in run_query(store, "ineligible_companies", params):
        rows.append(r)
        out[r["id"]].append(
            {
                "kind": "company",
                "row": r,
                "text": f"为{r['what'] or r['asset_id']}的{r['role']}",
                "rule": "户内成员为企业法定代表人或股东",
                "step": (
                    "LEGAL_REP_OF" if r["role"] == "法定代表人" else "SHAREHOLDER_OF",
                    node("Company", {"id": r["asset_id"], "name": r["what"]}),
                ),
            }
        )
    return out, rows


def _rank(x: dict[str, Any]) -> tuple[Any, ...]:
    """The order reasons are weighed and listed in: strongest kind, then member, asset, link, payment."""
    r = x["row"]
    return (
        -POINTS[x["kind"]],
        str(r["member_id"]),
        str(r["asset_id"]),
        x["step"][0],
        str(r["pay_date"]),
        str(r["id"]),
    )


def find(store: GraphStore, params: dict[str, Any]) -> list[Finding]:
    pol: Policy = params["policy"]
    mask = params["mask_names"]
    reasons, rows = _reasons(store, pol)
    appr = approvers(store, rows)
    pays_of: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for pid, rs in reasons.items():
        r = rs[0]["row"]
        pays_of[str(r["recipient_id"])][pid] = payment(r)
    findings = []
    for rid, pays_by_id in sorted(pays_of.items()):
        pays = by_date(pays_by_id.values())
        # Stores return rows in no fixed order: rank every reason fully (a legal representative before a
        # shareholder of the same company) so that both stores pick the same lead and list the same reasons.
        every = sorted((x for p in pays for x in reasons[p["id"]]), key=_rank)
        lead = every[0]
        lr = lead["row"]
        recipient = {"id": rid, "name": lr["recipient_name"]}
        member = {"id": lr["member_id"], "name": lr["member_name"]}
        same = lr["member_id"] == rid
        who_ = "本人" if same else f"户内{lr['member_relation'] or '成员'}{person(member, mask)}"
        kinds = sorted({x["kind"] for x in every}, key=lambda k: -POINTS[k])
        more = f"等{len(kinds)}类情形" if len(kinds) > 1 else ""
        text = (
            f"{person(recipient, mask)}领取{payments_phrase(pays)}（{span(pays)}{appr.phrase(pays, mask)}），"
            f"但发放时{who_}{lead['text']}{more}，不符合{'、'.join(pol.means_tested)}条件"
            f"（政策：{lead['rule']}）"
        )
        evidence = payment_link(next(p for p in pays if p["id"] == lr["id"]), recipient)
        if not same:
            household = node("Household", {"id": lr["household_id"]})
            evidence = evidence.then("MEMBER_OF", household).then("MEMBER_OF", node("Person", member), False)
        rtype, asset = lead["step"]
        evidence = evidence.then(rtype, asset)
        seen: set[tuple[str, str, str, str]] = set()
        listed = []
        for x in every:
            key = (x["kind"], str(x["row"]["member_id"]), str(x["row"]["asset_id"]), x["step"][0])
            if key not in seen:
                seen.add(key)
                listed.append(
                    {
                        "kind": x["kind"],
                        "member_id": x["row"]["member_id"],
                        "asset_id": x["row"]["asset_id"],
                        "text": x["text"],
                        "rule": x["rule"],
                    }
                )
        members = sorted({str(x["row"]["member_id"]) for x in every} - {rid})
        findings.append(
            make_finding(
                NAME,
                subject=[rid],
                records=pays,
                person_ids=[*appr.order(pays), rid, *members],
                record_ids=[p["id"] for p in pays],
                amount=total(pays),
                org_code=main_org(pays),
                evidence=evidence,
                explanation=text,
                link_points=POINTS[lead["kind"]],
                details={
                    "reason": lead["kind"],
                    "reasons": listed,
                    "member_id": lr["member_id"],
                    "first_date": pays[0]["pay_date"],
                    "last_date": pays[-1]["pay_date"],
                    "policy": {
                        "file": pol.source,
                        "means_tested": list(pol.means_tested),
                        "vehicles_exempt": list(pol.vehicle_exempt),
                        "vehicles_counted": list(pol.vehicle_counted),
                        "housing_max_properties": pol.housing_max_properties,
                        "housing_kinds": list(pol.housing_kinds),
                    },
                },
            )
        )
    return findings


CHECK = Check(
    name=NAME,
    title="不符合条件人员享受低保特困",
    description="A means-tested payment whose recipient's household has, on the pay date, a member who is a "
    "public employee in post, owns a counted vehicle, holds more housing than allowed, or is a company's "
    "legal representative or shareholder (rules from the policy file).",
    params=(),
    queries=(
        NAME,
        "ineligible_vehicles",
        "vehicle_types",
        "property_kinds",
        "ineligible_housing",
        "ineligible_companies",
        "cadre_posts",
    ),
    base=30,
    legal_basis=ART_124,
    fund_kind=FundKind.RELIEF,
    find=find,
)
