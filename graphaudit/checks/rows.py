"""Helpers that fold query rows: walks returned in parts made whole, canonical kinship paths per pair,
distinct payments per pair, totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from graphaudit.checks.evidence import Link, canonical, link_from
from graphaudit.findings import post_rank
from graphaudit.store.base import GraphStore

__all__ = [
    "people_by_id",
    "whole_walks",
    "shortest_walks",
    "kin_links",
    "records_by_pair",
    "total",
    "best_title",
    "outranks",
    "by_date",
    "main_org",
]

#: The catalogue query that reads people by id, as whole nodes.
PEOPLE = "person_nodes"


def people_by_id(store: GraphStore, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The people with these ids, as the store's node dicts, by id (query person_nodes: a key lookup each)."""
    wanted = sorted(set(ids))
    return {r["id"]: r["person"] for r in store.run_named(PEOPLE, {"ids": wanted})} if wanted else {}


def whole_walks(
    store: GraphStore, rows: list[dict[str, Any]], start: str, end: str, walk: str = "kin"
) -> list[dict[str, Any]]:
    """``rows`` with column ``walk`` a whole path dict again where a query returned the walk in parts: its
    inner nodes ``<walk>_mid`` and relationships ``<walk>_rels``, its end people by id in columns ``start``
    and ``end`` (read here by id; an empty walk stands on ``start``).  The LadybugDB variants return walks so:
    a returned path's end nodes are read with every property by scanning every person, most of a kinship
    check's time and memory at prefecture size.  Rows that have the whole walk are left as they are."""
    parts = [r for r in rows if walk not in r]
    people = people_by_id(store, {r[k] for r in parts for k in (start, end)})
    for r in parts:
        r[walk] = walk_path(people[r[start]], r[f"{walk}_mid"], r[f"{walk}_rels"], people[r[end]])
    return rows


def shortest_walks(
    rows: list[dict[str, Any]], start: str, end: str, walk: str = "kin"
) -> list[dict[str, Any]]:
    """The rows whose walk (a whole path dict in column ``walk``) is among the shortest between its
    (row[start], row[end]): a LadybugDB variant that walks 0 to N edges returns every walk, and the shortest
    ones are the shortest paths (a query that returns shortest paths already loses nothing here)."""
    least: dict[tuple[Any, Any], int] = {}
    for r in rows:
        k, n = (r[start], r[end]), len(r[walk]["_RELS"])
        least[k] = min(n, least.get(k, n))
    return [r for r in rows if len(r[walk]["_RELS"]) == least[(r[start], r[end])]]


def walk_path(
    start: Mapping[str, Any], mid: list[Any] | None, rels: list[Any] | None, end: Mapping[str, Any]
) -> dict[str, list[Any]]:
    """A path dict ``{_NODES, _RELS}`` from a walk's end nodes, inner nodes and relationships (no
    relationships: the empty walk on ``start``)."""
    if not rels:
        return {"_NODES": [start], "_RELS": []}
    return {"_NODES": [start, *(mid or []), end], "_RELS": list(rels)}


def kin_links(
    rows: Iterable[Mapping[str, Any]], a: str, b: str, col: str = "kin"
) -> dict[tuple[str, str], Link]:
    """The canonical path (column ``col``) per (row[a], row[b]) pair, oriented from row[a]."""
    paths: dict[tuple[str, str], list[Link]] = defaultdict(list)
    for r in rows:
        paths[(r[a], r[b])].append(link_from(r[col], r[a]))
    return {k: canonical(v) for k, v in paths.items()}


def by_date(records: Iterable[Mapping[str, Any]], date_key: str = "pay_date") -> list[dict[str, Any]]:
    """Records oldest first, then by id."""
    return sorted((dict(r) for r in records), key=lambda p: (str(p.get(date_key)), str(p["id"])))


def records_by_pair(
    rows: Iterable[Mapping[str, Any]], a: str, b: str, col: str = "payments", date_key: str = "pay_date"
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The distinct records (list column ``col``, keyed by ``id``) per (row[a], row[b]) pair, oldest first.
    Where one record comes with several posts (``title``), the most senior is kept (:func:`outranks`)."""
    out: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        seen = out[(r[a], r[b])]
        for p in r[col]:
            old = seen.get(p["id"])
            if old is None or outranks(p.get("title"), old.get("title")):
                seen[p["id"]] = dict(p)
    return {k: by_date(v.values(), date_key) for k, v in out.items()}


def outranks(a: str | None, b: str | None) -> bool:
    """Post ``a`` is more senior than ``b``: a higher post_rank, or between equally ranked posts (村党支部书记
    and 村委会主任 held together) the one :func:`best_title` picks — never the order rows came in."""
    return post_rank(a) > post_rank(b) or (post_rank(a) == post_rank(b) and (a or "") < (b or ""))


def total(records: Iterable[Mapping[str, Any]]) -> float:
    """Sum of ``amount`` (missing amounts count 0)."""
    return sum(float(p.get("amount") or 0) for p in records)


def best_title(titles: Iterable[str | None]) -> str | None:
    """The most senior of some post titles (None if there are none)."""
    ts = [t for t in titles if t]
    return max(sorted(ts), key=post_rank) if ts else None


def main_org(records: Iterable[Mapping[str, Any]], key: str = "org_code") -> str:
    """The most frequent non-empty organisation code among records (ties: the smallest code)."""
    counts: dict[str, int] = defaultdict(int)
    for r in records:
        if r.get(key):
            counts[str(r[key])] += 1
    return min(counts, key=lambda o: (-counts[o], o)) if counts else ""
