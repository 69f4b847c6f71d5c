"""A frame's fingerprint: its rows and, per numeric, date or yes/no property, an order-independent sum of
(key, value) hashes (graphaudit.store.verify compares the graph written with what a load handed over).

Each row's key (a node's ``id``; a relationship's two ends) is hashed from its UTF-8 bytes, eight at a time,
straight from Arrow's buffers; each value from its bits (a date as its day number, -0.0 as 0.0, a missing
value as one constant).  A row's hash mixes the two, so a value that changed, went missing or moved to
another row changes the sum, and the order of the rows does not.  The sums are kept in :data:`BUCKETS`
buckets by key, so that a mismatch says how many rows differ, at least.  The same on every run and in every
process (no Python ``hash``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graphaudit.model import KEY, MODEL

__all__ = [
    "BUCKETS",
    "CHECKED",
    "Print",
    "among",
    "checked_properties",
    "differing",
    "fingerprint",
    "fingerprint_of",
    "key_hashes",
    "mix",
    "pair_hashes",
    "text_hashes",
    "text_hashes128",
]

#: Property types whose values are checked (text is counted with its rows, not compared).
CHECKED = ("double", "date", "int64", "bool")
#: Buckets a fingerprint sums its rows' hashes in (by key): a mismatch in k buckets is at least k rows.
BUCKETS = 256

_U = np.uint64
_NULL = _U(0x9E3779B97F4A7C15)
_P = _U(0x100000001B3)


def checked_properties(kind: str, key: Any) -> list[str]:
    """A frame's properties whose values are compared: numbers, dates, yes/no."""
    props = MODEL.nodes[key].properties if kind == "node" else MODEL.rels[key[0]].properties
    return [p for p, t in props.items() if t in CHECKED]


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise on uint64 (wrapping): one new array, the rest in place."""
    x = np.asarray(x, dtype=_U)
    with np.errstate(over="ignore"):
        x = x ^ (x >> _U(30))
        x *= _U(0xBF58476D1CE4E5B9)
        x ^= x >> _U(27)
        x *= _U(0x94D049BB133111EB)
        x ^= x >> _U(31)
    return x


def text_hashes(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each string (its UTF-8 bytes, eight at a time; a null as the empty string), over
    Arrow's buffers without a Python object per string: the same on every run and in every process."""
    return _text_lanes(values, (0,))[0]


def text_hashes128(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 128-bit hash of each string: two 64-bit lanes (:func:`text_hashes`'s, and one started from another
    seed), as an (n, 2) uint64 array."""
    return np.stack(_text_lanes(values, (0, _SEED2)), axis=1)


#: The second lane's seed (:func:`text_hashes128`).
_SEED2 = 0x6A09E667F3BCC908


def _text_lanes(values: pa.Array | pa.ChunkedArray, seeds: tuple[int, ...]) -> list[np.ndarray]:
    """Per seed, each string's 64-bit hash: its length mixed with the seed, then each 8-byte word of it
    (little-endian, the last one its own bytes only) mixed in, in order."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = pc.fill_null(arr.cast(pa.large_string()), "")
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    lengths = np.diff(offsets)
    buf = arr.buffers()[2]
    first = int(offsets[0]) if n else 0
    end = int(offsets[-1]) if n else 0
    padded = np.zeros(end - first + 8, dtype=np.uint8)
    if buf is not None and end > first:
        padded[: end - first] = np.frombuffer(buf, dtype=np.uint8)[first:end]
    # every 8 bytes from every byte on, little-endian: a string's k-th word is window[start + 8k]
    window = np.ndarray((end - first + 1,), dtype="<u8", buffer=padded, strides=(1,))
    # the strings longest first, so that those that still have bytes at word k are the first ones
    order = np.argsort(-lengths, kind="stable")
    lengths, start = lengths[order], offsets[:-1][order] - first
    shorter = -lengths  # ascending
    with np.errstate(over="ignore"):
        hs = [mix(lengths.astype(_U) + _P + _U(seed)) for seed in seeds]
        for k in range(int((int(lengths[0]) + 7) // 8) if n else 0):
            m = int(np.searchsorted(shorter, -8 * k, side="left"))  # the strings longer than 8k bytes
            w = window[start[:m] + 8 * k]
            rem = lengths[:m] - 8 * k
            short = np.flatnonzero(rem < 8)
            if len(short):  # the last word of a string: its own bytes only
                w[short] &= (_U(1) << (rem[short] * 8).astype(_U)) - _U(1)
            for h in hs:
                h[:m] = mix(h[:m] ^ w) + _U(k)
    out = []
    for h in hs:
        back = np.empty_like(h)
        back[order] = h
        out.append(back)
    return out


def value_bits(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(the value's bits as uint64, per row whether there is a value) for a numeric, date or bool column."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    t = arr.type
    if pa.types.is_floating(t):
        f = np.asarray(pc.fill_null(arr.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False), np.float64)
        bits = (f + 0.0).view(_U)  # -0.0 as 0.0
    elif pa.types.is_date(t):
        bits = np.asarray(
            pc.fill_null(arr.cast(pa.date32()).cast(pa.int32()), 0).to_numpy(zero_copy_only=False), np.int64
        ).view(_U)
    elif pa.types.is_boolean(t) or pa.types.is_integer(t):
        bits = np.asarray(
            pc.fill_null(arr.cast(pa.int64()), 0).to_numpy(zero_copy_only=False), np.int64
        ).view(_U)
    else:
        raise TypeError(f"no fingerprint for a column of {t}")
    return bits, valid


def bucket_sums(hashes: np.ndarray, bucket: np.ndarray) -> np.ndarray:
    """Per bucket, the sum of the hashes' low and high 32 bits (exact in float64 below 2**21 rows each)."""
    lo = (hashes & _U(0xFFFFFFFF)).astype(np.float64)
    hi = (hashes >> _U(32)).astype(np.float64)
    return np.stack(
        [
            np.bincount(bucket, weights=lo, minlength=BUCKETS),
            np.bincount(bucket, weights=hi, minlength=BUCKETS),
        ]
    )


def folded(sums: np.ndarray) -> str:
    """The buckets' sums as one 64-bit number, in hex (what a generation stores)."""
    lo, hi = (int(round(float(x))) for x in sums.sum(axis=1))
    return f"{(lo + (hi << 32)) % (1 << 64):016x}"


@dataclass
class Print:
    """A frame's fingerprint: its rows and, per checked property, (rows with a value, bucket sums)."""

    rows: int
    props: dict[str, tuple[int, np.ndarray]] = field(default_factory=dict)

    def totals(self) -> dict[str, Any]:
        """The fingerprint as a generation stores it (bucket sums folded into one number per property)."""
        return {"rows": self.rows, "props": {p: [n, folded(s)] for p, (n, s) in self.props.items()}}


def key_hashes(kind: str, table: pa.Table) -> np.ndarray:
    """Each row's key hashed: a node's ``id``; a relationship's two ends (:func:`pair_hashes`)."""
    if kind == "node":
        return text_hashes(table.column(KEY))
    return pair_hashes(text_hashes(table.column("from")), text_hashes(table.column("to")))


def pair_hashes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A relationship's key hash from its two ends' key hashes."""
    with np.errstate(over="ignore"):
        return mix(a * _P + b)


def among(values: pa.Array | pa.ChunkedArray, keys: np.ndarray) -> np.ndarray:
    """Per value: among ``keys`` (text)."""
    found = pc.is_in(values, value_set=pa.array(np.asarray(keys).tolist(), pa.string()))
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def fingerprint_of(
    kind: str, key: Any, kh: np.ndarray, table: pa.Table, rows: np.ndarray | None = None
) -> Print:
    """The fingerprint of rows with key hashes ``kh`` and properties in ``table`` (``rows``: only these)."""
    if rows is not None:
        kh, table = kh[rows], table.filter(pa.array(rows))
    out = Print(len(table))
    bucket = (kh >> _U(56)).astype(np.intp)
    for p in checked_properties(kind, key):
        if not len(table):
            out.props[p] = (0, np.zeros((2, BUCKETS)))
            continue
        bits, valid = value_bits(table.column(p))
        with np.errstate(over="ignore"):
            h = np.where(valid, mix(kh ^ mix(bits + _P)), mix(kh ^ _NULL))
        out.props[p] = (int(valid.sum()), bucket_sums(h, bucket))
    return out


def fingerprint(kind: str, key: Any, table: pa.Table, keys: np.ndarray | None = None) -> Print:
    """The fingerprint of a frame's rows as an Arrow table (its key columns and at least its checked
    properties).  ``keys`` given: of the rows whose key (a relationship's ``from``) is among them only."""
    rows = None if keys is None else among(table.column(KEY if kind == "node" else "from"), keys)
    return fingerprint_of(kind, key, key_hashes(kind, table), table, rows)


def differing(a: Print, b: Print) -> list[tuple[str, int]]:
    """The properties whose fingerprints differ, each with the buckets that differ (rows, at least)."""
    out = []
    for p, (n, s) in a.props.items():
        m, t = b.props[p]
        if n != m or not np.array_equal(s, t):
            buckets = int(np.any(s != t, axis=0).sum())
            out.append((p, max(buckets, abs(n - m), 1)))
    return out
