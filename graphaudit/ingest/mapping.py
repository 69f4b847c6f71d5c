"""How a source becomes graph, as data: the vocabulary of the declarations and their eager validation.

Each source module declares, beside its columns, a :class:`SourceGraph` (followthemoney's mapping style):

- ``nodes``: the nodes each row names, by a local name — a :class:`Node` gives the label, the column holding
  the node's key and the properties taken from other columns;
- ``rels``: the relationships each row makes between two of those nodes (:class:`Rel`), with their properties;
- ``derive``: relationships that real logic computes from whole tables (kinship), as a :class:`Derive`.

How the mentions of one label from every source become one node per key (which mention wins, what follows
from the key itself, which relationships a node's own properties make) is declared per label in
:mod:`graphaudit.ingest.labels` (:class:`LabelRules`).  :func:`graphaudit.ingest.build.build_graph` interprets
all of it; nothing about a source is written there.

Everything is checked when it is declared (at import): a declaration that names an unknown column, label,
relationship, property or node fails at once with :class:`MappingError`, naming the source and the node or
relationship at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphaudit.errors import GraphAuditError
from graphaudit.ingest.values import CLEANERS
from graphaudit.model import KEY, MODEL, GraphModel

if TYPE_CHECKING:
    import pandas as pd

    from graphaudit.ingest.issue import Issue

__all__ = [
    "MappingError",
    "Col",
    "Const",
    "IdIssue",
    "Value",
    "Node",
    "Rel",
    "Derive",
    "SourceGraph",
    "Link",
    "Context",
    "Prefer",
    "LabelRules",
    "same",
    "check_source_graph",
    "check_label_rules",
    "check_registry",
]


class MappingError(GraphAuditError):
    """A graph mapping names something that does not exist (a column, label, relationship or property)."""


@dataclass(frozen=True)
class Col:
    """A column's values, optionally normalised as values compared across sources are
    (graphaudit.ingest.values.CLEANERS: ``Col("phone", "phone")``)."""

    column: str
    clean: str | None = None


@dataclass(frozen=True)
class Const:
    """The same value on every row (e.g. ``registered: Const(True)`` for the household register)."""

    value: Any


@dataclass(frozen=True)
class IdIssue:
    """Why the resident ID in ``column`` is unusable: the adapter's ``<column>_issue``, or "missing ID" where
    the column is empty (a register loads such rows under a ``~household:name`` key)."""

    column: str

    MISSING = "缺少证件号码 missing ID"


#: What a property is taken from: a column (by name), a normalised column, a constant or an ID's problem.
Value = str | Col | Const | IdIssue


def same(*columns: str) -> dict[str, Value]:
    """Properties taken from columns of the same name: ``same("title", "amount")``."""
    return {c: c for c in columns}


@dataclass(frozen=True)
class Node:
    """A node each row of the source names: its ``label``, the column holding its key, and properties.

    ``otherwise`` makes it a party (a column of kind ``party``): a node of ``label`` where the key is shaped
    like a resident ID, of ``otherwise`` where it is not (a USCC).  Rows with an empty key name no node."""

    label: str
    key: str | Col
    props: Mapping[str, Value] = field(default_factory=dict)
    otherwise: str | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label,) if self.otherwise is None else (self.label, self.otherwise)


@dataclass(frozen=True)
class Rel:
    """A relationship each row makes from one of the source's nodes to another (by their local names).
    Rows where either end is empty make none; equal rows make one."""

    type: str
    frm: str
    to: str
    props: Mapping[str, Value] = field(default_factory=dict)


Tables = Mapping[str, "pd.DataFrame"]
RelKey = tuple[str, str, str]


@dataclass(frozen=True)
class Derive:
    """Relationships that code computes from whole tables (kinship from the register and the relations file).

    ``fn(tables)`` returns one frame per key in ``emits`` — columns ``from``, ``to`` and the type's
    properties, each row once, sorted by (from, to) — and the issues it found.  It runs after every other
    relationship (it takes longest; the store writes the rest meanwhile), whether or not the tables in
    ``reads`` have rows."""

    name: str
    fn: Callable[[Tables], tuple[dict[RelKey, pd.DataFrame], list[Issue]]]
    reads: tuple[str, ...]
    emits: tuple[RelKey, ...]


@dataclass(frozen=True)
class SourceGraph:
    """The graph one source emits: nodes by local name, relationships between them, derivations."""

    nodes: Mapping[str, Node] = field(default_factory=dict)
    rels: tuple[Rel, ...] = ()
    derive: tuple[Derive, ...] = ()

    def rel_keys(self, rel: Rel) -> list[RelKey]:
        """The (type, from label, to label) frames ``rel`` fills: two where one end is a party."""
        return [(rel.type, a, b) for a in self.nodes[rel.frm].labels for b in self.nodes[rel.to].labels]


@dataclass(frozen=True)
class Link:
    """A relationship from every node of a label to the node one of its properties names (``prop``), or to
    the key code computes from the node frame (``key``: a frame → Series of target keys, None for none)."""

    type: str
    to: str
    prop: str | None = None
    key: Callable[[pd.DataFrame], pd.Series] | None = None


@dataclass(frozen=True)
class Context:
    """What a label's ``complete`` may use besides the node frame."""

    org_names: Mapping[str, str] = field(default_factory=dict)  # Org code → name, for orgs no source names


@dataclass(frozen=True)
class Prefer:
    """Which of several mentions of one key makes the node: those where ``prop`` is present (not missing, not
    "") first, or with ``smallest`` the one with the smallest value (missing last)."""

    prop: str
    smallest: bool = False


@dataclass(frozen=True)
class LabelRules:
    """How the mentions of one label, from every source, become one node per key.

    Mentions are taken in ``order`` — entries ``"source"`` or ``"source.node"``; mentions not listed follow in
    the sources' load order — then stably sorted by ``prefer``; the first mention of each key is the node.
    A property in ``fill`` that this mention lacks is taken from the first mention that has it (a death
    register's date for a person the household register still lists as living).  ``complete(frame, context)``
    then fills what follows from the key itself (code: ID checks, the parent township of a village);
    ``links`` are relationships the finished nodes make through their own properties.
    """

    order: tuple[str, ...] = ()
    prefer: tuple[Prefer, ...] = ()
    fill: tuple[str, ...] = ()
    complete: Callable[[pd.DataFrame, Context], pd.DataFrame] | None = None
    links: tuple[Link, ...] = ()


# -- validation --------------------------------------------------------------------------------------------


def _names(known: Any) -> str:
    return ", ".join(sorted(known))


def _check_label(where: str, label: str, model: GraphModel) -> None:
    if label not in model.nodes:
        raise MappingError(f"{where}: unknown label {label!r} (model.yaml has: {_names(model.nodes)})")


def _check_value(where: str, prop: str, value: Value, columns: set[str]) -> None:
    if isinstance(value, Const):
        return
    if isinstance(value, str):
        column = value
    elif isinstance(value, (Col, IdIssue)):
        column = value.column
    else:
        raise MappingError(
            f"{where}: property {prop!r} takes {value!r}; expected a column name, Col, Const or IdIssue"
        )
    if column not in columns:
        what = "the key" if prop == KEY else f"property {prop!r}"
        raise MappingError(f"{where}: {what} names unknown column {column!r} (columns: {_names(columns)})")
    if isinstance(value, IdIssue) and f"{column}_issue" not in columns:
        raise MappingError(f"{where}: IdIssue({column!r}) needs an ID column (kind pid, uscc or party)")
    if isinstance(value, Col) and value.clean is not None and value.clean not in CLEANERS:
        raise MappingError(
            f"{where}: column {column!r} has unknown normaliser {value.clean!r} (known: {_names(CLEANERS)})"
        )


def check_source_graph(source: str, graph: SourceGraph, columns: set[str], model: GraphModel = MODEL) -> None:
    """Raise :class:`MappingError` unless every name in ``graph`` exists: columns of the source's table
    (``columns``), labels, relationship types and pairs, and properties in ``model``."""
    for name, node in graph.nodes.items():
        where = f"source {source}, node {name!r}"
        for label in node.labels:
            _check_label(where, label, model)
        _check_value(where, KEY, node.key if isinstance(node.key, Col) else Col(node.key), columns)
        for prop, value in node.props.items():
            for label in node.labels:
                if prop == KEY or prop not in model.nodes[label].properties:
                    raise MappingError(
                        f"{where}: {label} has no property {prop!r} to map "
                        f"(properties besides the key: {_names(set(model.nodes[label].properties) - {KEY})})"
                    )
            _check_value(where, prop, value, columns)
    for rel in graph.rels:
        where = f"source {source}, relationship {rel.type} {rel.frm}->{rel.to}"
        if rel.type not in model.rels:
            raise MappingError(
                f"{where}: unknown relationship type {rel.type!r} (model.yaml has: {_names(model.rels)})"
            )
        for end in (rel.frm, rel.to):
            if end not in graph.nodes:
                raise MappingError(f"{where}: no node named {end!r} (nodes: {_names(graph.nodes)})")
        for _, a, b in graph.rel_keys(rel):
            if (a, b) not in model.rels[rel.type].pairs:
                raise MappingError(f"{where}: model.yaml has no {rel.type} from {a} to {b}")
        for prop, value in rel.props.items():
            if prop not in model.rels[rel.type].properties:
                raise MappingError(
                    f"{where}: {rel.type} has no property {prop!r} "
                    f"(properties: {_names(model.rels[rel.type].properties) or 'none'})"
                )
            _check_value(where, prop, value, columns)
    for d in graph.derive:
        for rtype, a, b in d.emits:
            if rtype not in model.rels or (a, b) not in model.rels[rtype].pairs:
                raise MappingError(
                    f"source {source}, derivation {d.name!r}: model.yaml has no {rtype} from {a} to {b}"
                )


def check_label_rules(
    rules: Mapping[str, LabelRules], sources: Mapping[str, SourceGraph], model: GraphModel = MODEL
) -> None:
    """Raise :class:`MappingError` unless the per-label rules name existing labels, properties, relationships
    and, in ``order``, existing sources and nodes (``sources``: source name → its graph)."""
    for label, rule in rules.items():
        where = f"label rules for {label}"
        _check_label(where, label, model)
        props = model.nodes[label].properties
        for p in rule.prefer:
            if p.prop not in props:
                raise MappingError(
                    f"{where}: prefer names unknown property {p.prop!r} (properties: {_names(props)})"
                )
        for prop in rule.fill:
            if prop not in props or prop == KEY:
                raise MappingError(
                    f"{where}: fill names unknown property {prop!r} (properties: {_names(props)})"
                )
        for entry in rule.order:
            src, _, node = entry.partition(".")
            if src not in sources:
                raise MappingError(
                    f"{where}: order names unknown source {src!r} (sources: {_names(sources)})"
                )
            if node and node not in sources[src].nodes:
                raise MappingError(
                    f"{where}: order names unknown node {entry!r} "
                    f"(nodes of {src}: {_names(sources[src].nodes)})"
                )
            if node and label not in sources[src].nodes[node].labels:
                raise MappingError(f"{where}: order names {entry!r}, which is no {label}")
        for link in rule.links:
            lw = f"{where}, link {link.type}"
            if link.type not in model.rels:
                raise MappingError(f"{lw}: unknown relationship type (model.yaml has: {_names(model.rels)})")
            _check_label(lw, link.to, model)
            if (label, link.to) not in model.rels[link.type].pairs:
                raise MappingError(f"{lw}: model.yaml has no {link.type} from {label} to {link.to}")
            if (link.prop is None) == (link.key is None):
                raise MappingError(f"{lw}: give exactly one of prop and key")
            if link.prop is not None and link.prop not in props:
                raise MappingError(f"{lw}: unknown property {link.prop!r} (properties: {_names(props)})")
            if model.rels[link.type].properties:
                raise MappingError(f"{lw}: a link cannot fill the properties of {link.type}")


def check_registry(
    graphs: Mapping[str, SourceGraph], rules: Mapping[str, LabelRules], model: GraphModel = MODEL
) -> None:
    """Check what no single source can: the label rules against every source (``graphs``: source name → its
    graph), and that each derivation reads sources that exist."""
    check_label_rules(rules, graphs, model)
    for source, graph in graphs.items():
        for d in graph.derive:
            unknown = [r for r in d.reads if r not in graphs]
            if unknown:
                raise MappingError(
                    f"source {source}, derivation {d.name!r}: reads unknown sources {unknown} "
                    f"(sources: {_names(graphs)})"
                )
