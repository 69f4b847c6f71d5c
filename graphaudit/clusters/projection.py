"""The projection: people and companies as one weighted undirected graph, read through the GraphStore
protocol.

Nodes are keyed ``"Person:<id>"`` / ``"Company:<id>"`` (the keys ``store.subgraph`` uses).  An edge joins two
nodes when any of these holds, and its weight is the sum of its parts:

    kin        SPOUSE_OF, PARENT_OF, SIBLING_OF                         1.0 each
    ownership  LEGAL_REP_OF, SHAREHOLDER_OF (person or company → company) 1.0 each
    shared     a phone, address or bank account held by both (different households, at most
               ``max_holders`` households sharing it)                      0.5 each
    approval   approver → recipient / contractor: min(2, 0.5·log10(1 + yuan/100)) per record — 600 → 0.42,
               3,600 → 0.78, 45,000 → 1.33, 380,000 → 1.79 — and all records of the pair together at most
               ``APPROVAL_CAP`` (0.5, a shared identifier's weight)

The cap keeps communities the shape of families, clans and companies.  Uncapped, a case-worker's twelve
monthly 低保 payments of ~900 yuan to one household (≈ 6) outweighed six kin ties, so every approver's
community swallowed his routine caseload.  On the synthetic county (seed 1) that joined unrelated cadres'
relatives on 低保 and a reciprocal pair of the same case-worker into one cluster (3 false clusters), and
diluted the share of kin money of 6 planted rings with their approvers' ordinary approvals (severity 45–49,
under the threshold).  The conflict links do not depend on the weights: the cap moves no link, only the
communities the links join and the money counted as a cluster's own.

Scope (``prefix``: a county, township or village code; "" = everything): records of organisations under the
prefix; kin edges with one end registered there; shared identifiers with one holder there; ownership edges
of companies in scope (awarded a contract of the scope, holding shares in such a company, or held by a person
registered there).  Every read is a catalogue query (``graphaudit/cypher/cluster_*.cypher``); rows are sorted
before use, so both stores give the same projection.

A county's projection has ~10⁶ parts, so it is kept as columns: node positions are integers, parts are rows
of a table grouped by edge, and edge weights are one array (``pairs``/``weight``, sorted by edge).  Python
objects (:class:`Part`, :class:`Record`) are made only for the few edges and records a finding shows.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphaudit.store.base import GraphStore

__all__ = [
    "Projection",
    "Record",
    "Records",
    "Part",
    "PartTable",
    "build_projection",
    "read_table",
    "approval_weight",
    "WEIGHTS",
    "APPROVAL_CAP",
    "key",
    "split",
]

#: weight of one kin, ownership or shared-identifier part of an edge
WEIGHTS = {"kin": 1.0, "ownership": 1.0, "shared": 0.5}
#: the most all approval parts of one edge weigh together (module docstring)
APPROVAL_CAP = 0.5
QUERIES = ("cluster_kin", "collusive_cluster", "cluster_ownership", "cluster_shared")
#: the columns of query collusive_cluster: one approved record and its party per row
RECORD_COLUMNS = ("record", "kind", "what", "amount", "date", "org_code", "approver", "party_label", "party")


def key(label: str, node_id: str) -> str:
    """The node key: "Person:1401…"."""
    return f"{label}:{node_id}"


def split(node_key: str) -> tuple[str, str]:
    """("Person", "1401…") from a node key."""
    label, _, node_id = node_key.partition(":")
    return label, node_id


def approval_weight(amount: float) -> float:
    """Weight of one approved record: min(2, 0.5·log10(1 + amount/100))."""
    return min(2.0, 0.5 * math.log10(1 + max(0.0, float(amount or 0)) / 100))


@dataclass(frozen=True)
class Record:
    """An approved payment or contract: who approved it, for whom (``party``, a node key), what and when."""

    id: str
    kind: str  # Payment / Contract
    what: str  # programme or contract title
    amount: float
    date: date | None
    org_code: str
    approver: str  # node key
    party: str  # node key


class Part(NamedTuple):
    """One reason two nodes are joined: ``kind`` (kin, ownership, shared, approval), the relationship type
    (identifier label, record kind), the stored direction (``src`` node key), the identifier or record id
    (``detail``) and the part's weight."""

    kind: str
    type: str
    src: str
    detail: str
    weight: float


class Records(Mapping[str, Record]):
    """The projection's records by id (sorted), kept as a table; a :class:`Record` is made when one is read.

    ``frame`` has one row per record, sorted by id: id, kind, what, amount, date, org_code, approver and
    party (node positions) and party_label."""

    def __init__(self, frame: pd.DataFrame, nodes: list[str]) -> None:
        self.frame = frame.reset_index(drop=True)
        self._nodes = nodes

    @cached_property
    def _columns(self) -> dict[str, list[Any]]:
        names = ("id", "kind", "what", "amount", "date", "org_code", "approver", "party")
        return {c: self.frame[c].tolist() for c in names}

    @cached_property
    def _position(self) -> dict[str, int]:
        return {r: k for k, r in enumerate(self._columns["id"])}

    def ends(self, rid: str) -> tuple[int, int]:
        """The record's approver and party (node positions)."""
        k, c = self._position[rid], self._columns
        return c["approver"][k], c["party"][k]

    def __getitem__(self, rid: str) -> Record:
        k, c = self._position[rid], self._columns
        return Record(
            rid,
            c["kind"][k],
            c["what"][k],
            float(c["amount"][k]),
            c["date"][k],
            c["org_code"][k],
            self._nodes[c["approver"][k]],
            self._nodes[c["party"][k]],
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns["id"])

    def __len__(self) -> int:
        return len(self.frame)

    def __contains__(self, rid: object) -> bool:
        return rid in self._position


class PartTable(NamedTuple):
    """Parts as columns (numpy arrays): the edge (i < j), kind, type, the stored direction's start ``src``
    (node positions), detail and weight, one row per part."""

    i: np.ndarray
    j: np.ndarray
    kind: np.ndarray
    type: np.ndarray
    src: np.ndarray
    detail: np.ndarray
    weight: np.ndarray


@dataclass
class Projection:
    """The weighted projection: sorted node keys; edges (i < j) as ``pairs`` (an m × 2 array sorted by
    (i, j)) with their ``weight``; every part as a row of ``parts``, grouped by edge in the order of
    ``pairs`` (``starts``: each edge's first row); the records; each company's holders."""

    prefix: str
    nodes: list[str]
    pairs: np.ndarray
    weight: np.ndarray
    parts: PartTable
    starts: np.ndarray
    records: Records
    owners: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # company → [(holder, rel)]

    @cached_property
    def index(self) -> dict[str, int]:
        """Node key → position."""
        return {k: i for i, k in enumerate(self.nodes)}

    def position(self, node_key: str) -> int | None:
        """The position of one node key (binary search on the sorted keys), None if it is not a node."""
        k = bisect_left(self.nodes, node_key)
        return k if k < len(self.nodes) and self.nodes[k] == node_key else None

    def edge_list(self) -> list[tuple[int, int, float]]:
        """(i, j, weight), sorted."""
        return list(zip(self.pairs[:, 0].tolist(), self.pairs[:, 1].tolist(), self.weight.tolist()))

    def edge_parts(self, i: int, j: int) -> list[Part]:
        """The parts of edge (i, j), i < j, sorted; [] when there is no such edge."""
        k = int(np.searchsorted(self._edge_keys, i * len(self.nodes) + j))
        if k == len(self.pairs) or (int(self.pairs[k, 0]), int(self.pairs[k, 1])) != (i, j):
            return []
        return self._parts_of(k)

    def has_kind(self, kind: str) -> np.ndarray:
        """For each edge, whether it has a part of ``kind``."""
        if not len(self.pairs):
            return np.zeros(0, dtype=bool)
        return np.logical_or.reduceat(self.parts.kind == kind, self.starts)

    @cached_property
    def edges(self) -> dict[tuple[int, int], list[Part]]:
        """Every edge's sorted parts, by (i, j): a view for small graphs (slow on a county)."""
        return {(i, j): self._parts_of(k) for k, (i, j) in enumerate(self.pairs.tolist())}

    @cached_property
    def weights(self) -> dict[tuple[int, int], float]:
        """Every edge's weight, by (i, j)."""
        return {(i, j): w for i, j, w in self.edge_list()}

    @cached_property
    def _edge_keys(self) -> np.ndarray:
        return np.asarray(self.pairs[:, 0] * len(self.nodes) + self.pairs[:, 1], dtype=np.int64)

    def _parts_of(self, k: int) -> list[Part]:
        t = self.parts
        lo, hi = int(self.starts[k]), int(self.starts[k + 1]) if k + 1 < len(self.starts) else len(t.i)
        return sorted(
            Part(t.kind[x], t.type[x], self.nodes[int(t.src[x])], t.detail[x], float(t.weight[x]))
            for x in range(lo, hi)
        )

    def to_networkx(self) -> nx.Graph:
        """The projection as a networkx Graph (the interchange format): node attributes label and id, edge
        attributes weight, kinds and records."""
        g = nx.Graph()
        for k in self.nodes:
            label, node_id = split(k)
            g.add_node(k, label=label, id=node_id)
        for (i, j), parts in self.edges.items():
            g.add_edge(
                self.nodes[i],
                self.nodes[j],
                weight=self.weights[(i, j)],
                kinds=sorted({p.kind for p in parts}),
                records=sorted({p.detail for p in parts if p.kind == "approval"}),
            )
        return g


class _Parts:
    """Parts collected as columns (one chunk per :meth:`add`, joined once by :meth:`column`): endpoint ids as
    Arrow strings and labels as small codes until the node list is known (a prefecture has ~13M endpoints:
    no Python string per id), kind, type and detail as object arrays of shared strings."""

    def __init__(self) -> None:
        self.labels: dict[str, int] = {}
        self.ids: dict[str, list[pa.Array]] = {"a": [], "b": []}
        self.cols: dict[str, list[np.ndarray]] = {
            c: [] for c in ("la", "lb", "kind", "type", "detail", "weight")
        }

    def add(
        self,
        la: str | Sequence[str],
        a: Sequence[str] | pa.Array | pa.ChunkedArray,
        lb: str | Sequence[str],
        b: Sequence[str] | pa.Array | pa.ChunkedArray,
        kind: str,
        types: str | Sequence[str] | pa.Array | pa.ChunkedArray,
        details: str | Sequence[str] | np.ndarray,
        weights: float | Sequence[float] | np.ndarray,
    ) -> None:
        """Parts a[k] — b[k] (labels la, lb: one for all or one per part), stored direction a → b."""
        n = len(a)
        self.ids["a"].append(_strings(a))
        self.ids["b"].append(_strings(b))
        self.cols["la"].append(self._codes(la, n))
        self.cols["lb"].append(self._codes(lb, n))
        self.cols["kind"].append(_objects(kind, n))
        self.cols["type"].append(_objects(types, n))
        self.cols["detail"].append(_objects(details, n))
        self.cols["weight"].append(
            np.full(n, weights, dtype=np.float64)
            if isinstance(weights, (int, float))
            else np.asarray(weights, dtype=np.float64)
        )

    def _codes(self, labels: str | Sequence[str], n: int) -> np.ndarray:
        if isinstance(labels, str):
            return np.full(n, self.labels.setdefault(labels, len(self.labels)), dtype=np.int8)
        return np.asarray([self.labels.setdefault(x, len(self.labels)) for x in labels], dtype=np.int8)

    def column(self, name: str) -> np.ndarray:
        chunks = self.cols[name]
        if not chunks:
            return np.zeros(
                0, dtype=np.float64 if name == "weight" else np.int8 if name[0] == "l" else object
            )
        return np.concatenate(chunks)


def _strings(v: Sequence[str] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """``v`` as one Arrow array of large strings."""
    if isinstance(v, pa.ChunkedArray):
        v = pa.concat_arrays(v.chunks) if v.num_chunks else pa.array([], pa.string())
    if not isinstance(v, pa.Array):
        v = pa.array(list(v), pa.string())
    return v.cast(pa.large_string())


def _objects(v: str | Sequence[Any] | pa.Array | pa.ChunkedArray, n: int) -> np.ndarray:
    """``v`` as an object array of ``n`` values (a str: the same value ``n`` times; an Arrow column: one
    Python string per distinct value, shared)."""
    out = np.empty(n, dtype=object)
    if isinstance(v, str):
        out[:] = v
        return out
    if isinstance(v, (pa.Array, pa.ChunkedArray)):
        enc = pc.dictionary_encode(_strings(v), null_encoding="encode")  # None stays None
        words = np.empty(len(enc.dictionary), dtype=object)
        words[:] = enc.dictionary.to_pylist()
        return words[enc.indices.to_numpy(zero_copy_only=False)]
    if isinstance(v, np.ndarray) and v.dtype == object:
        return v
    out[:] = list(v) if not isinstance(v, list) else v
    return out


class _Positions:
    """Node keys, sorted, and the position of each endpoint (label code, id) of the parts: the ids of each
    label are dictionary-encoded in Arrow once, chunk by chunk (no copy of all ids in one array), and only
    the distinct ids are sorted."""

    def __init__(
        self, labels: dict[str, int], codes: list[np.ndarray], ids: list[pa.Array], is_node: np.ndarray
    ) -> None:
        self.nodes: list[str] = []
        ends = np.cumsum([0, *(len(c) for c in codes)])
        self.of = np.full(int(ends[-1]), -1, dtype=np.int64)  # each endpoint's position; -1: not a node
        text = pa.large_string()
        # every label sorts as a block ("Company:…" < "Person:…"), and within it keys sort as their ids
        for label in sorted(labels):
            where, pieces = [], []
            for start, code, chunk in zip(ends[:-1].tolist(), codes, ids):
                mine = np.flatnonzero(code == labels[label])
                if not len(mine):
                    continue
                pieces.append(chunk if len(mine) == len(chunk) else chunk.take(pa.array(mine)))
                where.append(mine + start)
            if not pieces:
                continue
            mine = np.concatenate(where)
            enc = pc.dictionary_encode(pa.chunked_array(pieces, text))
            dictionary = enc.chunk(0).dictionary
            inner = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in enc.chunks])
            del enc, pieces
            used = np.zeros(len(dictionary), dtype=bool)
            used[inner[is_node[mine]]] = True
            kept = np.flatnonzero(used)
            # Arrow orders strings by their UTF-8 bytes: the order of their code points, as Python's
            kept = kept[pc.sort_indices(dictionary.take(pa.array(kept))).to_numpy()]
            position = np.full(len(dictionary), -1, dtype=np.int64)
            position[kept] = np.arange(len(self.nodes), len(self.nodes) + len(kept))
            self.of[mine] = position[inner]
            keys = pc.binary_join_element_wise(
                pa.scalar(f"{label}:", text), dictionary.take(pa.array(kept)), pa.scalar("", text)
            )
            self.nodes += keys.to_pylist()


def build_projection(store: GraphStore, prefix: str = "", max_holders: int = 10) -> Projection:
    """The projection of ``store`` within ``prefix`` (module docstring), identical on every store."""
    recs = _records(read_table(store, "collusive_cluster", {"prefix": prefix}, RECORD_COLUMNS))
    parts = _Parts()
    parts.add(
        "Person",
        recs["approver"].to_numpy(),
        recs["party_label"].tolist(),
        recs["party"].to_numpy(),
        "approval",
        recs["kind"].to_numpy(),
        recs["id"].to_numpy(),
        recs["weight"].to_numpy(),
    )
    kin = read_table(store, "cluster_kin", {"prefix": prefix}, ("a", "b", "rel"))
    parts.add("Person", kin["a"], "Person", kin["b"], "kin", kin["rel"], "", WEIGHTS["kin"])
    del kin
    contractors = set(recs.loc[(recs["kind"] == "Contract") & (recs["party_label"] == "Company"), "party"])
    own_rows = sorted(
        store.run_named("cluster_ownership"),
        key=lambda r: (r["company"], r["holder_label"], r["holder"], r["rel"]),
    )
    in_scope = _companies_in_scope(own_rows, contractors, prefix)
    owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
    own = [r for r in own_rows if r["company"] in in_scope]
    for r in own:
        owners[key("Company", r["company"])].append((key(r["holder_label"], r["holder"]), r["rel"]))
    for label in ("Company", "Person"):
        mine = [r for r in own if r["holder_label"] == label]
        parts.add(
            label,
            [r["holder"] for r in mine],
            "Company",
            [r["company"] for r in mine],
            "ownership",
            [r["rel"] for r in mine],
            "",
            WEIGHTS["ownership"],
        )
    _shared(parts, store.run_named("cluster_shared", {"max_holders": max_holders}), prefix, in_scope)
    proj = _assemble(prefix, parts, recs, dict(owners))
    pa.default_memory_pool().release_unused()  # the Arrow columns read are gone: memory back for Leiden
    return proj


def read_table(store: GraphStore, name: str, params: dict[str, Any], columns: tuple[str, ...]) -> pa.Table:
    """Catalogue query ``name`` as an Arrow table (``GraphStore.run_named_table``: no Python object per value
    — a prefecture has 6.5M kinship rows) of ``columns``; a column the query did not return (no rows on
    Neo4j) is empty."""
    got = store.run_named_table(name, params)
    return pa.table(
        {c: got.column(c) if c in got.column_names else pa.nulls(got.num_rows, pa.string()) for c in columns}
    )


def _records(table: pa.Table) -> pd.DataFrame:
    """One row per record (the first by (record, party, approver) when a record has several: rows come in
    no fixed order from LadybugDB's parallel scans), sorted by id, with the weight of its approval part."""
    t = table.select(list(RECORD_COLUMNS))
    for c in ("record", "party", "approver"):
        t = t.set_column(t.column_names.index(c), c, pc.cast(t.column(c), pa.string()))
    t = t.sort_by([("record", "ascending"), ("party", "ascending"), ("approver", "ascending")])
    rec = t.column("record").combine_chunks() if t.num_rows else pa.array([], pa.string())
    if len(rec) > 1:
        first = np.ones(len(rec), dtype=bool)
        first[1:] = pc.not_equal(rec.slice(1), rec.slice(0, len(rec) - 1)).to_numpy(zero_copy_only=False)
        t = t.filter(pa.array(first))
    # object columns (as the rest of graphaudit.clusters reads them), not pandas' Arrow-backed strings
    cols = {c: _objects(t.column(c), t.num_rows) for c in RECORD_COLUMNS if c not in ("amount", "date")}
    for c in ("what", "org_code"):
        cols[c][pd.isna(cols[c])] = ""
    cols["date"] = np.asarray(t.column("date").to_pylist(), dtype=object)
    f = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in cols.items()})
    f = f.rename(columns={"record": "id"})
    amount = pc.cast(t.column("amount"), pa.float64()).to_numpy(zero_copy_only=False)
    f["amount"] = np.nan_to_num(np.asarray(amount, dtype=np.float64), nan=0.0)
    weight = {a: approval_weight(a) for a in set(f["amount"].tolist())}
    f["weight"] = [weight[a] for a in f["amount"].tolist()]
    return f[
        ["id", "kind", "what", "amount", "date", "org_code", "approver", "party_label", "party", "weight"]
    ]


def _assemble(
    prefix: str, parts: _Parts, recs: pd.DataFrame, owners: dict[str, list[tuple[str, str]]]
) -> Projection:
    """Positions, parts grouped by edge, exact edge weights (``math.fsum`` rounded to 9 places)."""
    la, lb, kind = (parts.column(c) for c in ("la", "lb", "kind"))
    # a node is an end of a part joining two nodes, or an approver or party: even one whose only record
    # is to himself (that part is no edge)
    differ = [
        pc.not_equal(x, y).to_numpy(zero_copy_only=False) for x, y in zip(parts.ids["a"], parts.ids["b"])
    ]
    is_node = (
        (np.concatenate(differ) if differ else np.zeros(0, dtype=bool)) | (la != lb) | (kind == "approval")
    )
    m = len(la)
    pos = _Positions(
        parts.labels,
        [*parts.cols["la"], *parts.cols["lb"]],
        [*parts.ids["a"], *parts.ids["b"]],
        np.concatenate([is_node, is_node]),
    )
    parts.ids = {"a": [], "b": []}
    pa_, pb = pos.of[:m], pos.of[m:]
    n = len(pos.nodes)
    i, j = np.minimum(pa_, pb), np.maximum(pa_, pb)
    edge_key = i * n + j
    order = np.flatnonzero(i != j)
    order = order[np.argsort(edge_key[order], kind="stable")]
    table = PartTable(
        i[order],
        j[order],
        kind[order],
        parts.column("type")[order],
        pa_[order],
        parts.column("detail")[order],
        parts.column("weight")[order],
    )
    uniq, starts, counts = np.unique(edge_key[order], return_index=True, return_counts=True)
    weight = _edge_weights(table, starts, counts)
    pairs = np.stack([uniq // n, uniq % n], axis=1) if len(uniq) else np.zeros((0, 2), dtype=np.int64)
    recs = recs.assign(approver=pa_[: len(recs)], party=pb[: len(recs)])  # the approval parts come first
    return Projection(prefix, pos.nodes, pairs, weight, table, starts, Records(recs, pos.nodes), owners)


def _edge_weights(table: PartTable, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each edge's weight: its kin, ownership and shared parts plus its approval parts capped at
    ``APPROVAL_CAP``, as ``round(math.fsum(others) + min(APPROVAL_CAP, math.fsum(approvals)), 9)``: kin,
    ownership and shared weights are multiples of 0.5 and add exactly; edges with an approval part are summed
    and rounded in Python."""
    if not len(starts):
        return np.zeros(0, dtype=np.float64)
    w = table.weight
    is_approval = table.kind == "approval"
    out = np.add.reduceat(w, starts)
    approval = np.logical_or.reduceat(is_approval, starts)
    one = np.flatnonzero(approval & (counts == 1))  # a single part: its weight, capped and rounded
    out[one] = [round(min(APPROVAL_CAP, x), 9) for x in w[starts[one]].tolist()]
    for k in np.flatnonzero(approval & (counts > 1)).tolist():
        s, c = int(starts[k]), int(counts[k])
        part, app = w[s : s + c], is_approval[s : s + c]
        capped = min(APPROVAL_CAP, math.fsum(part[app].tolist()))
        out[k] = round(math.fsum([*part[~app].tolist(), capped]), 9)
    return out


def _companies_in_scope(rows: list[dict[str, Any]], contractors: set[str], prefix: str) -> set[str]:
    every = {r["company"] for r in rows} | contractors
    if not prefix:
        return every
    scope = set(contractors) | {
        r["company"]
        for r in rows
        if r["holder_label"] == "Person" and str(r["village_code"]).startswith(prefix)
    }
    for _ in range(2):  # companies holding shares in companies of the scope, two levels up
        scope |= {r["holder"] for r in rows if r["holder_label"] == "Company" and r["company"] in scope}
    return scope


def _shared(parts: _Parts, rows: list[dict[str, Any]], prefix: str, companies: set[str]) -> None:
    """Pairs of holders of one identifier from different households, one of them in scope (0.5 each)."""
    groups: dict[tuple[str, str], set[tuple[str, str, str, bool]]] = defaultdict(set)
    for r in rows:
        inside = str(r["village_code"]).startswith(prefix) if r["label"] == "Person" else r["id"] in companies
        groups[(r["kind"], r["ident"])].add((r["label"], r["id"], str(r["household"]), inside))
    cols: dict[str, list[str]] = {c: [] for c in ("la", "a", "lb", "b", "kind", "ident")}
    for (kind, ident), holders in sorted(groups.items()):
        ordered = sorted(holders, key=lambda h: (key(h[0], h[1]), h[2], h[3]))
        for i, (lx, x, hx, ix) in enumerate(ordered):
            for ly, y, hy, iy in ordered[i + 1 :]:
                if hx != hy and (ix or iy):
                    for c, v in zip(cols, (lx, x, ly, y, kind, ident)):
                        cols[c].append(v)
    parts.add(
        cols["la"], cols["a"], cols["lb"], cols["b"], "shared", cols["kind"], cols["ident"], WEIGHTS["shared"]
    )
