"""The export view of a selection: the one graph every format writes, with identifiers masked, values in
plain types and each node and relationship annotated with the findings that flagged it.

Masking (unless ``show_ids``) is applied here once, so every format masks the same way:

- the ``id`` of a Person, BankAccount or Phone node and any property named ``*phone*`` or ``*account*`` go
  through :func:`graphaudit.findings.mask_id`;
- any resident ID (18 characters, GB 11643 shape) inside any other text — ``recipient_id``,
  ``legal_rep_id``, the ``extra`` JSON … — is masked the same way;
- a person's ``birth_date`` is cut to its year (:data:`COARSE`);
- node keys become ``Label:masked-id``; when two masked ids coincide (same region and last four digits) the
  later one, in the order of the real ids, gets ``#2``, ``#3`` …, so nodes still join within one export.

Node attributes: ``label`` (Person …), ``label_zh`` (人员 …), ``caption`` (the model's caption property),
the store's properties (dates as ISO strings), ``findings`` (ids, most severe first), ``checks`` and
``severity`` (the highest, 0 when unflagged).  Relationship attributes: ``type``, ``type_zh``, the
properties and ``findings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import networkx as nx

from graphaudit.findings import Finding, mask_id, ordered, scrub_ids
from graphaudit.model import MODEL

__all__ = ["View", "make_view", "scrub", "prop_type", "NODE_EXTRAS", "EDGE_EXTRAS", "COARSE", "coarse_date"]


#: Attributes the view adds to every node / relationship, with their model type.
NODE_EXTRAS = {
    "label": "string",
    "label_zh": "string",
    "caption": "string",
    "findings": "string[]",
    "checks": "string[]",
    "severity": "int64",
}
EDGE_EXTRAS = {"type": "string", "type_zh": "string", "findings": "string[]"}


@dataclass
class View:
    """What every format writes: ``graph`` (export keys and attributes, module docstring), ``findings``
    (``Finding.to_dict`` plus ``nodes`` — export keys of the evidence path — and ``edges`` — its
    relationships as ``[start key, end key, type]``), and the Finding objects themselves."""

    graph: nx.MultiDiGraph
    findings: list[dict[str, Any]]
    source: list[Finding]
    show_ids: bool
    keys: dict[str, str]
    #: finding id → (核查状态, 核查意见) from the cases, when the caller knows them (the workbook's columns)
    reviews: dict[str, tuple[str, str]] = field(default_factory=dict)

    def key_of(self, label: str, node_id: str) -> str | None:
        """The export key of the store node ``label``/``node_id``, if it is in the view."""
        return self.keys.get(f"{label}:{node_id}")


def prop_type(label: str, prop: str, edge: bool = False) -> str:
    """The model type of a property of a node label (or relationship type, ``edge=True``), or of one of
    the attributes the view adds; ``string`` for anything else."""
    extras = EDGE_EXTRAS if edge else NODE_EXTRAS
    if prop in extras:
        return extras[prop]
    spec = MODEL.rels.get(label) if edge else MODEL.nodes.get(label)
    return spec.properties.get(prop, "string") if spec else "string"


def scrub(value: Any) -> Any:
    """``value`` with every resident ID inside text masked (recursively through lists and dicts)."""
    if isinstance(value, str):
        return scrub_ids(value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def _plain(v: Any) -> Any:
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, float) and v != v:
        return None
    return v


#: Properties shown coarser when identifiers are masked: beside the region and last four digits a masked
#: resident ID shows, a person's full birth date would give the whole ID back, so only its year is shown.
COARSE = {("Person", "birth_date")}


def coarse_date(v: Any) -> Any:
    """A date (or ISO date text) cut to its year, as text: ``1965-03-02`` → ``1965``."""
    if isinstance(v, (date, datetime)):
        return str(v.year)
    if isinstance(v, str) and len(v) >= 4 and v[:4].isdigit():
        return v[:4]
    return v


def _mask_prop(label: str, prop: str, v: Any) -> Any:
    if (label, prop) in COARSE:
        return coarse_date(v)
    if not isinstance(v, str):
        return v
    if prop == "id":
        return scrub(mask_id(v, label))
    if "phone" in prop:
        return mask_id(v, "Phone")
    if "account" in prop:
        return mask_id(v, "BankAccount")
    return scrub(v)


def _order(raw: dict[str, Any], model_props: dict[str, str], skip: str) -> list[str]:
    """Property names in the model's order, then any others sorted: the same whatever order a store gives."""
    return [p for p in model_props if p in raw] + sorted(p for p in raw if p not in model_props and p != skip)


def _keys(g: nx.MultiDiGraph, show_ids: bool) -> dict[str, str]:
    """Store key → export key (module docstring)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for k in sorted(g):
        d = g.nodes[k]
        key = k if show_ids else f"{d['label']}:{_mask_prop(d['label'], 'id', d['id'])}"
        n, base = 1, key
        while key in used:
            n += 1
            key = f"{base}#{n}"
        used.add(key)
        out[k] = key
    return out


def _caption(label: str, props: dict[str, Any]) -> str:
    spec = MODEL.nodes.get(label)
    value = props.get(spec.caption) if spec else None
    return str(value if value not in (None, "") else props.get("id", ""))


def make_view(g: nx.MultiDiGraph, findings: list[Finding], show_ids: bool = False) -> View:
    """The export view (module docstring) of a selected subgraph and its findings."""
    keys = _keys(g, show_ids)
    fs = ordered(findings)
    node_flags: dict[str, list[Finding]] = {}
    edge_flags: dict[tuple[str, str, str], list[str]] = {}
    records = []
    for f in fs:
        d = f.to_dict(show_ids)
        nodes = [keys.get(f"{n['label']}:{n['id']}") for n in f.path.get("nodes", [])]
        edges = []
        for i, r in enumerate(f.path.get("relationships", [])):
            a, b = nodes[i], nodes[i + 1]
            u, v = (a, b) if r.get("direction") != "<-" else (b, a)
            edges.append([u, v, r["type"]])
            edge_flags.setdefault((str(u), str(v), r["type"]), []).append(f.finding_id)
        for k in dict.fromkeys(n for n in nodes if n):
            node_flags.setdefault(k, []).append(f)
        d["nodes"], d["edges"] = nodes, edges
        records.append(d if show_ids else scrub(d))
    out = nx.MultiDiGraph()
    for k in sorted(g, key=keys.__getitem__):
        raw = g.nodes[k]
        label = raw["label"]
        props = {
            p: _plain(raw[p])
            for p in _order(raw, MODEL.nodes[label].properties, "label")
            if _plain(raw[p]) is not None
        }
        if not show_ids:
            props = {p: _mask_prop(label, p, v) for p, v in props.items()}
        flagged = node_flags.get(keys[k], [])
        out.add_node(
            keys[k],
            label=label,
            label_zh=MODEL.nodes[label].zh,
            caption=_caption(label, props),
            **props,
            findings=[f.finding_id for f in flagged],
            checks=sorted({f.check for f in flagged}),
            severity=max((f.severity for f in flagged), default=0),
        )
    for u, v, t, raw in sorted(g.edges(keys=True, data=True), key=lambda e: (keys[e[0]], e[2], keys[e[1]])):
        props = {
            p: _plain(raw[p])
            for p in _order(raw, MODEL.rels[t].properties, "type")
            if _plain(raw[p]) is not None
        }
        if not show_ids:
            props = {p: _mask_prop(t, p, x) for p, x in props.items()}
        ku, kv = keys[u], keys[v]
        out.add_edge(
            ku, kv, key=t, type=t, type_zh=MODEL.rels[t].zh, **props, findings=edge_flags.get((ku, kv, t), [])
        )
    return View(out, records, fs, show_ids, keys)


_CAST = {"double": float, "int64": int, "bool": bool, "string": str, "date": str}


def flat(view: View, node_id: str = "id", sep: str = "; ") -> nx.MultiDiGraph:
    """The view as writers of flat attribute formats (GraphML, GEXF) need it: every value cast to its model
    type (so each attribute has one type across the graph), lists joined with ``sep``, edge keys made
    unique (``e0``, ``e1`` … in the view's order) and the store's ``id`` renamed ``node_id`` where the
    format's elements have an ``id`` of their own."""
    g = nx.MultiDiGraph()
    for k, d in view.graph.nodes(data=True):
        g.add_node(
            k,
            **{
                (node_id if p == "id" else p): _flat_value(prop_type(d["label"], p), v, sep)
                for p, v in d.items()
            },
        )
    for i, (u, v, d) in enumerate(view.graph.edges(data=True)):
        g.add_edge(
            u,
            v,
            key=f"e{i}",
            **{p: _flat_value(prop_type(d["type"], p, edge=True), x, sep) for p, x in d.items()},
        )
    return g


def _flat_value(kind: str, v: Any, sep: str) -> Any:
    if isinstance(v, list):
        return sep.join(str(x) for x in v)
    return _CAST.get(kind, str)(v)
