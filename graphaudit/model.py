"""The graph model, loaded once from ``model.yaml`` and checked eagerly.

Everything that depends on the schema (DDL, constraints, graph-frame validation, export headers, styling)
is derived from :data:`MODEL`; nothing about the schema is written twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from graphaudit.errors import GraphAuditError

__all__ = ["MODEL", "GraphFrames", "GraphModel", "NodeType", "RelType", "ModelError"]

TYPES = {"string", "date", "double", "int64", "bool"}
#: The embedded store's column type per model type (a ``double`` is kept as DECIMAL: :func:`ladybug_type`).
LADYBUG_TYPES = {"string": "STRING", "date": "DATE", "double": "DOUBLE", "int64": "INT64", "bool": "BOOLEAN"}
KEY = "id"
#: Digits of a DECIMAL the embedded store keeps a ``double`` in (INT64 inside: 18 digits).
DECIMAL_DIGITS = 18
#: Most decimals a ``double(n)`` may declare.
MAX_DECIMALS = 9
_DOUBLE = re.compile(r"^double\((\d)\)$")


def ladybug_type(t: str, decimals: int | None = None) -> str:
    """The embedded store's column type for model type ``t``: a ``double`` with ``decimals`` declared is a
    ``DECIMAL(18, decimals)`` (LadybugDB 0.22.0 misreads compressed DOUBLE columns on some query paths, while
    DECIMAL is an integer inside and reads right: graphaudit.store.embedded.open_for_writing)."""
    if t == "double" and decimals is not None:
        return f"DECIMAL({DECIMAL_DIGITS}, {decimals})"
    return LADYBUG_TYPES[t]


def _types(where: str, spec: dict[str, Any]) -> tuple[dict[str, str], dict[str, int]]:
    """A property map's types and the decimals of its doubles: ``double(2)`` is a double kept to 2 decimals
    (every double declares them)."""
    props: dict[str, str] = {}
    decimals: dict[str, int] = {}
    for p, t in spec.items():
        t = str(t)
        m = _DOUBLE.match(t)
        if m:
            if int(m.group(1)) > MAX_DECIMALS:
                raise ModelError(f"model.yaml: {where}.{p}: at most {MAX_DECIMALS} decimals")
            t, decimals[p] = "double", int(m.group(1))
        elif t == "double":
            raise ModelError(f"model.yaml: {where}.{p}: a double declares its decimals, e.g. double(2)")
        props[p] = t
    bad = {p: t for p, t in props.items() if t not in TYPES}
    if bad:
        raise ModelError(f"model.yaml: {where} has unknown types {bad}")
    return props, decimals


class ModelError(GraphAuditError):
    """model.yaml is inconsistent."""


@dataclass(frozen=True)
class NodeType:
    name: str
    zh: str
    caption: str
    color: str
    properties: dict[str, str]
    #: the decimals each double property is kept to (model.yaml ``double(n)``)
    decimals: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RelType:
    name: str
    zh: str
    pairs: tuple[tuple[str, str], ...]
    properties: dict[str, str]
    kin: bool = False
    decimals: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphModel:
    nodes: dict[str, NodeType]
    rels: dict[str, RelType]
    property_zh: dict[str, str] = field(default_factory=dict)

    def prop_zh(self, name: str, label: str | None = None) -> str:
        """The Chinese name of property ``name`` (of ``label``, a node label or relationship type), from
        model.yaml ``property_zh``; the name itself when undeclared."""
        return self.property_zh.get(f"{label}.{name}") or self.property_zh.get(name, name)

    @cached_property
    def kin_types(self) -> tuple[str, ...]:
        """Relationship types that are one kinship hop."""
        return tuple(r.name for r in self.rels.values() if r.kin)

    def decimals(self, kind: str, key: Any) -> dict[str, int]:
        """The decimals of a frame's double properties (``kind`` "node" with a label, or "rel" with
        ``(type, from, to)`` or a type)."""
        if kind == "node":
            return self.nodes[key].decimals
        return self.rels[key[0] if isinstance(key, tuple) else key].decimals

    def ladybug_ddl(self) -> list[str]:
        """CREATE statements for the embedded store."""
        lb = ladybug_type
        out = []
        for n in self.nodes.values():
            cols = ", ".join(f"{p} {lb(t, n.decimals.get(p))}" for p, t in n.properties.items())
            out.append(f"CREATE NODE TABLE {n.name}({cols}, PRIMARY KEY({KEY}))")
        for r in self.rels.values():
            pairs = ", ".join(f"FROM {a} TO {b}" for a, b in r.pairs)
            props = "".join(f", {p} {lb(t, r.decimals.get(p))}" for p, t in r.properties.items())
            out.append(f"CREATE REL TABLE {r.name}({pairs}{props})")
        return out

    def neo4j_schema(self) -> list[str]:
        """Uniqueness constraints on every label's key, plus indexes on properties the checks filter on."""
        out = [
            f"CREATE CONSTRAINT {n.name.lower()}_{KEY} IF NOT EXISTS "
            f"FOR (n:{n.name}) REQUIRE n.{KEY} IS UNIQUE"
            for n in self.nodes.values()
        ]
        for label, prop in (
            ("Person", "name"),
            ("Person", "household_id"),
            ("Company", "name"),
            ("Org", "name"),
            ("Payment", "pay_date"),
            ("Contract", "sign_date"),
        ):
            out.append(f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
        return out


def _load(path: Path) -> GraphModel:
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    nodes: dict[str, NodeType] = {}
    for name, spec in raw["nodes"].items():
        props, decimals = _types(f"node {name}", dict(spec["properties"]))
        if props.get(KEY) != "string":
            raise ModelError(f"model.yaml: node {name} needs a string key property '{KEY}'")
        if spec["caption"] not in props:
            raise ModelError(f"model.yaml: node {name} caption {spec['caption']!r} is not a property")
        nodes[name] = NodeType(name, spec["zh"], spec["caption"], spec["color"], props, decimals)
    rels: dict[str, RelType] = {}
    for name, spec in raw["relationships"].items():
        pairs = tuple((a, b) for a, b in spec["pairs"])
        for a, b in pairs:
            if a not in nodes or b not in nodes:
                raise ModelError(f"model.yaml: relationship {name} joins unknown label {a} or {b}")
        props, decimals = _types(f"relationship {name}", dict(spec.get("properties") or {}))
        rels[name] = RelType(name, spec["zh"], pairs, props, bool(spec.get("kin", False)), decimals)
    zh = {str(k): str(v) for k, v in (raw.get("property_zh") or {}).items()}
    used = {p for n in nodes.values() for p in n.properties} | {
        p for r in rels.values() for p in r.properties
    }
    if used - set(zh):
        raise ModelError(
            f"model.yaml: property_zh has no Chinese name for {', '.join(sorted(used - set(zh)))}"
        )
    return GraphModel(nodes, rels, zh)


MODEL: GraphModel = _load(Path(__file__).with_name("model.yaml"))


@dataclass
class GraphFrames:
    """A whole graph as tables: one frame per label (columns = the label's properties) and one per
    (relationship type, from label, to label) with columns ``from``, ``to`` and the type's properties."""

    nodes: dict[str, pd.DataFrame] = field(default_factory=dict)
    rels: dict[tuple[str, str, str], pd.DataFrame] = field(default_factory=dict)

    #: Whether another thread is still adding frames (graphaudit.ingest.stream.GraphStream).
    streaming = False

    def arriving(self) -> Iterator[tuple[str, Any, pd.DataFrame]]:
        """``("node", label, frame)`` in the model's order, then
        ``("rel", (type, from label, to label), frame)`` in the graph's order: the order a store writes them
        in (a stream yields each as it is built)."""
        for label in MODEL.nodes:
            df = self.nodes.get(label)
            if df is not None:
                yield "node", label, df
        for key, df in self.rels.items():
            yield "rel", key, df

    def validate(self, model: GraphModel = MODEL) -> None:
        """Fail loudly when a frame does not match the model, or a relationship points at a missing node."""
        # one hash table per label, reused by every relationship that ends there
        keys = {label: self.validate_node(label, df, model) for label, df in self.nodes.items()}
        for key, df in self.rels.items():
            self.validate_rel(key, df, keys, model)

    @staticmethod
    def validate_node(label: str, df: pd.DataFrame, model: GraphModel = MODEL) -> set[Any]:
        """Check one node frame against the model; return its keys (for :meth:`validate_rel`)."""
        want = list(model.nodes[label].properties)
        if list(df.columns) != want:
            raise ModelError(f"graph frame {label}: columns {list(df.columns)} != model {want}")
        if df[KEY].duplicated().any():
            dup = df.loc[df[KEY].duplicated(), KEY].iloc[0]
            raise ModelError(f"graph frame {label}: duplicate key {dup!r}")
        return set(df[KEY].to_numpy(dtype=object).tolist())

    @staticmethod
    def validate_rel(
        key: tuple[str, str, str], df: pd.DataFrame, keys: dict[str, set[Any]], model: GraphModel = MODEL
    ) -> None:
        """Check one relationship frame against the model and the node keys of each label (``keys``)."""
        rtype, a, b = key
        rt = model.rels[rtype]
        if (a, b) not in rt.pairs:
            raise ModelError(f"graph frame {rtype}: pair {a}->{b} not in model")
        want = ["from", "to", *rt.properties]
        if list(df.columns) != want:
            raise ModelError(f"graph frame {rtype}({a}->{b}): columns {list(df.columns)} != {want}")
        for side, label in (("from", a), ("to", b)):
            ends = df[side].to_numpy(dtype=object).tolist()
            known = keys.get(label, set())
            if not known.issuperset(ends):
                shown = sorted(set(ends) - known)[:3]
                raise ModelError(f"graph frame {rtype}: {side} {shown} not among {label} nodes")

    def counts(self) -> dict[str, int]:
        """Node count per label and relationship count per type (zeros included)."""
        out = {label: len(self.nodes.get(label, ())) for label in MODEL.nodes}
        for rtype in MODEL.rels:
            out[rtype] = sum(len(df) for (t, _, _), df in self.rels.items() if t == rtype)
        return out
