"""A node's neighbourhood to N hops, filtered by relationship type and paged
(``GET /api/graph/neighbourhood``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from enum import Enum
from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Depends, HTTPException, Query

from graphaudit.api.auth import Caller, require
from graphaudit.api.records import places_of
from graphaudit.api.roles import Permission
from graphaudit.api.schemas import Edge, Neighbourhood, Node
from graphaudit.api.view import graph_view, hop_order, node_view
from graphaudit.api.walk import Walk, walk
from graphaudit.model import MODEL

__all__ = ["router", "neighbourhood", "resolve", "forget_walks", "NODE_CAP", "RelType"]

router = APIRouter(prefix="/api/graph", tags=["graph 关系图"])

#: The most nodes one neighbourhood walk collects before it stops (``truncated``).
NODE_CAP = 3000

RelType = Enum("RelType", {t: t for t in MODEL.rels}, type=str)  # type: ignore[misc]


def resolve(caller: Caller, ref: str) -> tuple[str, str]:
    """(label, id) of a node reference, or 404."""
    got = caller.svc.refs.resolve(ref, caller.show_ids)
    if got is None:
        raise HTTPException(404, f"未知或已失效的节点引用 unknown node reference {ref!r} (search again)")
    return got


_CACHE: OrderedDict[tuple[Any, ...], Walk] = OrderedDict()
_CACHE_SIZE = 2048  # walks; a person's is a few kB, a hub's up to 3000 nodes
_CACHE_LOCK = threading.Lock()


def forget_walks() -> None:
    """Empty the walk cache (after the walk's rules change, e.g. ``walk.HUB``)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _cached_walk(caller: Caller, label: str, node_id: str, hops: int, rel_types: list[str] | None) -> Walk:
    """The walk, remembered for the same data version (so paging and repeated clicks cost no query)."""
    key = (id(caller.svc), caller.svc.search.version(), label, node_id, hops, tuple(rel_types or ()))
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    w = walk(caller.svc.store, [(label, node_id)], hops, rel_types, cap=NODE_CAP, hubs=caller.svc.hubs())
    with _CACHE_LOCK:
        _CACHE[key] = w
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return w


def _order(g: nx.MultiDiGraph, dist: dict[str, int]) -> list[str]:
    labels = {label: i for i, label in enumerate(MODEL.nodes)}
    return sorted(
        dist,
        key=lambda k: (
            dist[k],
            labels[g.nodes[k]["label"]],
            str(g.nodes[k].get(MODEL.nodes[g.nodes[k]["label"]].caption) or ""),
            k,
        ),
    )


def neighbourhood(
    caller: Caller, ref: str, hops: int, rel_types: list[str] | None, offset: int, limit: int
) -> Neighbourhood:
    """One page of the neighbourhood of node ``ref`` (see :class:`~graphaudit.api.schemas.Neighbourhood`)."""
    label, node_id = resolve(caller, ref)
    w = _cached_walk(caller, label, node_id, hops, rel_types)
    g = w.graph
    center = f"{label}:{node_id}"
    if center not in g:
        raise HTTPException(404, f"节点不存在 no {label} node with this id")
    dist = hop_order(g, [center])
    order = [k for k in _order(g, dist) if k != center]
    page = order[offset : offset + limit]
    upto = {center, *order[: offset + limit]}
    fresh = set(page) | ({center} if offset == 0 else set())
    shown = [center, *page]
    places = places_of(caller)
    views = [
        Node(
            **node_view(g.nodes[k]["label"], g.nodes[k], caller.svc.refs, caller.show_ids, places),
            hop=dist[k],
        )
        for k in shown
    ]
    return Neighbourhood(
        center=views[0],
        nodes=views[1:],
        edges=_page_edges(g, upto, fresh, caller),
        total=len(order),
        offset=offset,
        limit=limit,
        truncated=w.truncated,
        hubs=sorted(_ref(caller, g, k) for k in w.hubs if k != center),
    )


def _ref(caller: Caller, g: nx.MultiDiGraph, k: str) -> str:
    return caller.svc.refs.ref(g.nodes[k]["label"], str(g.nodes[k]["id"]), caller.show_ids)


def _page_edges(g: nx.MultiDiGraph, upto: set[str], new: set[str], caller: Caller) -> list[Edge]:
    """Edges among ``upto`` with at least one end in ``new``: only the new nodes' own edges are looked at
    (a hub's neighbourhood holds thousands of edges; a page needs a few dozen)."""
    picked = {
        (u, v, t)
        for n in new
        for u, v, t in (*g.out_edges(n, keys=True), *g.in_edges(n, keys=True))
        if u in upto and v in upto
    }
    _, edges = graph_view(g.edge_subgraph(picked), caller.svc.refs, caller.show_ids)
    return [Edge(**e) for e in edges]


@router.get(
    "/neighbourhood",
    response_model=Neighbourhood,
    response_model_by_alias=True,
    summary="节点邻域（分页） A node's neighbourhood, paged",
)
def neighbourhood_endpoint(
    ref: Annotated[str, Query(min_length=3, max_length=200, description="节点引用 node ref (from search)")],
    hops: Annotated[int, Query(ge=1, le=3, description="跳数 hops")] = 1,
    rel: Annotated[
        list[RelType] | None, Query(description="只沿这些关系 only these relationship types")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=NODE_CAP)] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="每页节点数 nodes per page")] = 50,
    caller: Caller = Depends(require(Permission.explore, "neighbourhood")),
) -> Any:
    """节点 N 跳之内的邻居，可按关系类型筛选，分页返回（村干部可能有数百条关系）。
    Nodes within N hops of a node, optionally only along some relationship types, a page at a time: nodes
    ordered by hops, label and caption; each page carries the edges that join its nodes to the centre and to
    the nodes of earlier pages, so the pages add up to the whole neighbourhood. A node with more than 500
    relationships (a village, a programme) is a hub: listed, not walked through (expand it to page through
    its links); at most 3000 nodes per neighbourhood (``truncated``)."""
    types = [t.value for t in rel] if rel else None
    return neighbourhood(caller, ref, hops, types, offset, limit)
