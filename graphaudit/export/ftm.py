"""FollowTheMoney entities as JSON lines, for Aleph / OpenAleph (``ftm`` tools,
``alephclient write-entities``).

Nodes: Person → Person, Company → Company, Org → PublicBody, Contract → Contract, Payment → Payment,
BankAccount → BankAccount; Household, Phone, Address and Program become properties (household notes,
``phone``, ``address``, ``programme``).  Relationships: SPOUSE_OF / PARENT_OF / SIBLING_OF → Family,
HOLDS → Occupancy of a Position (one Position per organisation and title), LEGAL_REP_OF → Directorship,
SHAREHOLDER_OF and HAS_ACCOUNT → Ownership, AWARDED_TO → ContractAward, PART_OF → Membership,
APPROVED → UnknownLink (role 审批人) for a contract and the Payment's ``summary`` for a payment; ISSUED,
PAID_TO, IN_ORG, PAID_INTO and UNDER are properties of the Contract and Payment.

Entity ids are stable: a hash of the export key, signed with the namespace ``graphaudit``
(``followthemoney.namespace.Namespace``).  A Payment's payer and beneficiary and a Contract's authority
outside the selection are referenced by the id they have when selected.  Masked phone numbers are left
out (FtM would reject them); masked ID numbers go into ``idNumber`` / ``accountNumber`` as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.namespace import Namespace
from followthemoney.proxy import EntityProxy

from graphaudit.export.atomic import atomic_write
from graphaudit.export.view import View
from graphaudit.findings import mask_id

__all__ = ["write", "SUFFIX", "entities", "NODE_SCHEMA", "EDGE_SCHEMA", "entity_id"]

SUFFIX = ".ftm.json"
NS = Namespace("graphaudit")
NODE_SCHEMA = {
    "Person": "Person",
    "Company": "Company",
    "Org": "PublicBody",
    "Contract": "Contract",
    "Payment": "Payment",
    "BankAccount": "BankAccount",
}
#: Relationship type → the interval schema it becomes (None: folded into a node's properties).
EDGE_SCHEMA: dict[str, str | None] = {
    "SPOUSE_OF": "Family",
    "PARENT_OF": "Family",
    "SIBLING_OF": "Family",
    "HOLDS": "Occupancy",
    "LEGAL_REP_OF": "Directorship",
    "SHAREHOLDER_OF": "Ownership",
    "HAS_ACCOUNT": "Ownership",
    "AWARDED_TO": "ContractAward",
    "PART_OF": "Membership",
    "APPROVED": "UnknownLink",
}
KIN = {"SPOUSE_OF": "配偶 spouse", "PARENT_OF": "子女 child", "SIBLING_OF": "兄弟姐妹 sibling"}
GENDER = {"男": "male", "女": "female", "M": "male", "F": "female"}


def entity_id(key: str) -> str:
    """The stable, namespaced FtM id of the node or interval with export key ``key``."""
    e = model.make_entity("Thing")
    e.make_id("graphaudit", key)
    return str(NS.sign(e.id))


def _make(schema: str, key: str, **props: Any) -> EntityProxy:
    e = model.make_entity(schema)
    e.id = entity_id(key)
    for p, v in props.items():
        for x in v if isinstance(v, list) else [v]:
            if x not in (None, ""):
                e.add(p, str(x))
    return e


def _other_key(view: View, label: str, node_id: Any) -> str | None:
    if not node_id:
        return None
    key = view.key_of(label, str(node_id))
    if key:
        return key
    return f"{label}:{node_id if view.show_ids else mask_id(str(node_id), label)}"


def entities(view: View) -> list[EntityProxy]:
    """Every entity of the view, nodes first, in the view's order."""
    g = view.graph
    out: dict[str, EntityProxy] = {}
    notes = lambda d: f"graphaudit 线索 {'; '.join(d['findings'])}" if d["findings"] else None  # noqa: E731
    for k, d in g.nodes(data=True):
        schema = NODE_SCHEMA.get(d["label"])
        if schema is None:
            continue
        p: dict[str, Any] = {"notes": notes(d), "country": "cn"}
        if d["label"] == "Person":
            p.update(
                name=d.get("name") or d["caption"],
                gender=GENDER.get(d.get("gender", "")),
                birthDate=d.get("birth_date"),
                deathDate=d.get("death_date"),
                idNumber=d["id"],
                address=d.get("address"),
                status=d.get("status"),
                phone=d.get("phone") if view.show_ids else None,
                description=f"户号 {d['household_id']}，与户主关系 {d.get('relation', '')}"
                if d.get("household_id")
                else None,
            )
        elif d["label"] == "Company":
            p.update(
                name=d.get("name") or d["caption"],
                uscCode=d["id"],
                registrationNumber=d["id"],
                address=d.get("address"),
                jurisdiction="cn",
                phone=d.get("phone") if view.show_ids else None,
            )
        elif d["label"] == "Org":
            p.update(name=d.get("name") or d["caption"], registrationNumber=d["id"], jurisdiction="cn")
        elif d["label"] == "Contract":
            p.update(
                title=d.get("title") or d["id"],
                procedureNumber=d["id"],
                amount=d.get("amount"),
                currency="CNY",
                contractDate=d.get("sign_date"),
                method=d.get("method"),
                authority=entity_id(k2) if (k2 := _other_key(view, "Org", d.get("org_code"))) else None,
            )
        elif d["label"] == "Payment":
            payer = _other_key(view, "Org", d.get("village_code"))
            payee = _other_key(view, "Person", d.get("recipient_id"))
            p = {
                "recordId": d["id"],
                "amount": d.get("amount"),
                "currency": "CNY",
                "date": d.get("pay_date"),
                "programme": d.get("program"),
                "purpose": d.get("program"),
                "description": notes(d),
                "payer": entity_id(payer) if payer else None,
                "beneficiary": entity_id(payee) if payee else None,
                "summary": f"审批人 {d['approver_id']}" if d.get("approver_id") else None,
            }
        elif d["label"] == "BankAccount":
            p.update(accountNumber=d["id"])
        out[k] = _make(schema, k, **p)
    for u, v, t, d in g.edges(keys=True, data=True):
        a, b = g.nodes[u], g.nodes[v]
        ia, ib = entity_id(u), entity_id(v)
        ekey = f"{u}|{t}|{v}"
        desc = f"graphaudit 线索 {'; '.join(d['findings'])}" if d["findings"] else None
        if t in KIN:
            out[ekey] = _make("Family", ekey, person=ia, relative=ib, relationship=KIN[t], description=desc)
        elif t == "HOLDS":
            title = d.get("title") or "职务"
            pos_key = f"{v}|POSITION|{title}"
            if pos_key not in out:
                out[pos_key] = _make(
                    "Position", pos_key, name=f"{b['caption']}{title}", organization=ib, country="cn"
                )
            ended = d.get("end_date")
            out[ekey] = _make(
                "Occupancy",
                ekey,
                holder=ia,
                post=entity_id(pos_key),
                startDate=d.get("start_date"),
                endDate=ended,
                status="ended" if ended else "current",
                description=desc,
            )
        elif t == "LEGAL_REP_OF":
            out[ekey] = _make(
                "Directorship", ekey, director=ia, organization=ib, role="法定代表人", description=desc
            )
        elif t in ("SHAREHOLDER_OF", "HAS_ACCOUNT"):
            share = d.get("share")
            pct = round(share * 100, 4) if isinstance(share, float) and share <= 1 else share
            out[ekey] = _make(
                "Ownership",
                ekey,
                owner=ia,
                asset=ib,
                percentage=pct,
                role="股东" if t == "SHAREHOLDER_OF" else "账户持有人",
                description=desc,
            )
        elif t == "AWARDED_TO":
            out[ekey] = _make(
                "ContractAward",
                ekey,
                contract=ia,
                supplier=ib,
                amount=a.get("amount"),
                currency="CNY",
                date=a.get("sign_date"),
                description=desc,
            )
        elif t == "PART_OF":
            out[ekey] = _make("Membership", ekey, member=ia, organization=ib, role="隶属", description=desc)
        elif t == "APPROVED" and b["label"] == "Contract":
            out[ekey] = _make("UnknownLink", ekey, subject=ia, object=ib, role="审批人", description=desc)
        elif t in ("PAID_TO", "IN_ORG", "PAID_INTO") and u in out:
            prop = {"PAID_TO": "beneficiary", "IN_ORG": "payer", "PAID_INTO": "beneficiaryAccount"}[t]
            out[u].set(prop, ib)
        elif t == "ISSUED" and v in out:
            out[v].set("authority", ia)
        elif t == "HAS_PHONE" and view.show_ids and u in out:
            out[u].add("phone", b["id"])
        elif t == "HAS_ADDRESS" and u in out:
            out[u].add("address", b["id"])
    return list(out.values())


def write(view: View, out: Path) -> list[Path]:
    """Write one entity per line to ``out``; the files written."""
    with atomic_write(out, "w", encoding="utf-8") as fh:
        for e in entities(view):
            fh.write(json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    return [out]
