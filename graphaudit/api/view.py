"""How nodes, relationships and subgraphs are shown to a caller: masked unless the role may see identifiers,
and addressed by a node reference (``ref``) the caller sends back to expand a node.

A ref is ``Label:id`` when the id is not sensitive or the caller may see it; otherwise it is opaque,
``Label#<token>``: the id encrypted and authenticated under the state folder's key (:class:`NodeRefs`), so
every worker process of the server — and the same server after a restart — resolves the refs any of them
handed out, and nobody without the key can read or forge one.

Properties holding resident IDs, bank accounts or phone numbers are masked with
:func:`graphaudit.findings.mask_id`; ``extra`` (columns outside the contract, unknown content) is dropped;
a person's birth date is cut to its year (:data:`COARSE`): beside the region and the last four digits that
the masked ID shows, the full date would give the whole resident ID back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections import deque
from typing import Any

import networkx as nx

from graphaudit.export.view import COARSE, coarse_date
from graphaudit.findings import MASKED_LABELS, mask_id
from graphaudit.model import MODEL
from graphaudit.places import Places

__all__ = ["NodeRefs", "mask_props", "named_caption", "node_view", "graph_view", "hop_order"]

#: Property names whose values are masked as the given label's identifier.
SENSITIVE = {
    "phone": "Phone",
    "bank_account": "BankAccount",
    "recipient_id": "Person",
    "approver_id": "Person",
    "legal_rep_id": "Person",
    "contractor_id": "Person",
    "person_id": "Person",
}


_TAG = 16  # bytes of the authentication tag in an opaque ref


class NodeRefs:
    """Node references: plain for what the caller may see; for masked identifiers the id encrypted under
    ``secret`` with a synthetic IV (SIV: the tag is an HMAC of label and id, and seeds the HMAC keystream),
    so the same node always gets the same ref, any process holding ``secret`` resolves it, and a ref that
    was not made with ``secret`` (forged, altered, another label) resolves to nothing."""

    def __init__(self, secret: bytes) -> None:
        self._mac = hmac.new(secret, b"graphaudit node ref: tag", hashlib.sha256).digest()
        self._enc = hmac.new(secret, b"graphaudit node ref: stream", hashlib.sha256).digest()

    def _tag(self, label: str, raw: bytes) -> bytes:
        return hmac.new(self._mac, label.encode() + b"\x00" + raw, hashlib.sha256).digest()[:_TAG]

    def _stream(self, tag: bytes, n: int) -> bytes:
        blocks = (n + 31) // 32
        return b"".join(
            hmac.new(self._enc, tag + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
        )[:n]

    def ref(self, label: str, node_id: str, show_ids: bool) -> str:
        """The reference for node (label, id) as shown to a caller who may (not) see identifiers."""
        if show_ids or label not in MASKED_LABELS:
            return f"{label}:{node_id}"
        raw = node_id.encode("utf-8")
        tag = self._tag(label, raw)
        sealed = tag + bytes(a ^ b for a, b in zip(raw, self._stream(tag, len(raw))))
        return f"{label}#{base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"

    def _open(self, ref: str) -> tuple[str, str] | None:
        label, _, token = ref.partition("#")
        if label not in MASKED_LABELS or not token or len(token) > 400:
            return None
        try:
            sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if base64.urlsafe_b64encode(sealed).decode().rstrip("=") != token:
            return None  # one spelling per reference: no variant in the unused bits of the last character
        tag, body = sealed[:_TAG], sealed[_TAG:]
        if len(tag) < _TAG or not body:
            return None
        raw = bytes(a ^ b for a, b in zip(body, self._stream(tag, len(body))))
        if not hmac.compare_digest(tag, self._tag(label, raw)):
            return None
        try:
            return label, raw.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def resolve(self, ref: str, show_ids: bool) -> tuple[str, str] | None:
        """(label, id) of a reference, or None when it is malformed, forged, or names a masked identifier
        in plain text for a caller who may not see it."""
        if "#" in ref.split(":", 1)[0]:
            return self._open(ref)
        label, sep, node_id = ref.partition(":")
        if not sep or label not in MODEL.nodes or not node_id:
            return None
        if label in MASKED_LABELS and not show_ids:
            return None
        return label, node_id


def mask_props(label: str, props: dict[str, Any]) -> dict[str, Any]:
    """A node's or relationship's properties with identifiers masked, dates that complete a masked
    identifier coarsened (:data:`COARSE`) and ``extra`` dropped."""
    out: dict[str, Any] = {}
    for k, v in props.items():
        if k == "extra":
            continue
        if k == "id":
            out[k] = mask_id(str(v), label)
        elif k in SENSITIVE and isinstance(v, str):
            out[k] = mask_id(v, SENSITIVE[k])
        elif (label, k) in COARSE:
            out[k] = coarse_date(v)
        else:
            out[k] = v
    return out


def _plain(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def named_caption(label: str, node_id: str, caption: str, places: Places | None) -> str:
    """A caption with names for codes (graphaudit.places): an organisation captioned by its code gets its
    township and village name, and a known 9- or 12-digit code inside any caption (an address written with
    the village's code, ``140107001201村RA1号``) its name; unchanged without ``places``."""
    if places is None:
        return caption
    if label == "Org" and caption in ("", node_id) and places.name(node_id):
        return places.full(node_id)
    return places.named(caption)


def node_view(
    label: str, props: dict[str, Any], refs: NodeRefs, show_ids: bool, places: Places | None = None
) -> dict[str, Any]:
    """A node as the API shows it: ref, label (+ Chinese), id and caption (masked as needed; codes named
    when ``places`` is given: :func:`named_caption`), properties."""
    nt = MODEL.nodes[label]
    node_id = str(props.get("id", ""))
    shown = {k: _plain(v) for k, v in props.items() if k != "label" and v is not None}
    if not show_ids:
        shown = mask_props(label, shown)
    caption = props.get(nt.caption)
    if nt.caption == "id" or not caption:
        caption = shown.get("id", node_id)
    caption = named_caption(label, node_id, str(caption), places)
    return {
        "ref": refs.ref(label, node_id, show_ids),
        "label": label,
        "label_zh": nt.zh,
        "id": shown.get("id", node_id),
        "caption": str(caption),
        "props": shown,
    }


def hop_order(g: nx.MultiDiGraph, start: list[str]) -> dict[str, int]:
    """Hop distance of every node from the nearest start node, ignoring edge direction."""
    dist = {k: 0 for k in start if k in g}
    queue = deque(dist)
    while queue:
        k = queue.popleft()
        for n in (*g.successors(k), *g.predecessors(k)):
            if n not in dist:
                dist[n] = dist[k] + 1
                queue.append(n)
    return dist


def graph_view(
    g: nx.MultiDiGraph,
    refs: NodeRefs,
    show_ids: bool,
    keys: list[str] | None = None,
    places: Places | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(nodes, edges) of ``g`` as the API shows them: nodes in ``keys`` order (default: all, sorted), edges
    among them sorted by (from, type, to), each edge naming its endpoints by ref; captions name codes
    when ``places`` is given."""
    order = keys if keys is not None else sorted(g.nodes)
    views = {k: node_view(g.nodes[k]["label"], g.nodes[k], refs, show_ids, places) for k in order}
    edges = []
    for u, v, t, attrs in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1])):
        if u in views and v in views:
            props = {p: _plain(x) for p, x in attrs.items() if p != "type" and x is not None}
            edges.append(
                {
                    "from": views[u]["ref"],
                    "to": views[v]["ref"],
                    "type": t,
                    "type_zh": MODEL.rels[t].zh,
                    "props": props if show_ids else mask_props(t, props),
                }
            )
    return [views[k] for k in order], edges
