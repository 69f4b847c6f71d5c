"""The embedded store's numbers with decimals: kept as DECIMAL, read back as floats.

A model ``double(n)`` (money to the fen, a share, a match score) is a ``DECIMAL(18, n)`` column in LadybugDB:
an integer inside, which LadybugDB 0.22.0 compresses and reads right on every query path, where a compressed
DOUBLE column read 0.0 for some values (graphaudit.store.embedded.open_for_writing).  Values go in as the
exact integer ``round(x · 10ⁿ)`` — a float that is not a decimal of at most ``n`` places is refused, never
rounded here (the ingest rounds: graphaudit.ingest.normalize) — and come back out as the float nearest to
that decimal, which is the float that went in.  Everything above the store (checks, API, exports) sees floats,
as from Neo4j.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graphaudit.model import DECIMAL_DIGITS, MODEL, ModelError

__all__ = ["for_copy", "floats", "floats_in_rows", "to_decimal"]

_LIMIT = 10.0**DECIMAL_DIGITS


def to_decimal(values: pa.Array | pa.ChunkedArray, decimals: int, what: str = "") -> pa.Array:
    """Float64 values as a ``decimal128(18, decimals)`` array holding exactly ``round(x · 10ⁿ)``; a value
    that is not such a decimal (or too big for 18 digits) raises :class:`ModelError` naming ``what``."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = arr.cast(pa.float64())
    n = len(arr)
    x = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)  # a null is NaN here
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)  # a NaN value is refused
    scale = 10.0**decimals
    k = np.rint(np.where(valid, x, 0.0) * scale)
    bad = valid & ~((np.abs(k) < _LIMIT) & (k / scale == x))
    if bad.any():
        shown = ", ".join(repr(float(v)) for v in x[bad][:3])
        raise ModelError(
            f"graph frame {what}: {int(bad.sum())} 个值超出 {decimals} 位小数 "
            f"(values with more than {decimals} decimals or beyond {DECIMAL_DIGITS} digits: {shown}); "
            "the ingest rounds them (graphaudit.ingest.normalize)"
        )
    words = np.empty((n, 2), dtype="<i8")  # 128-bit two's complement, little-endian: low word, sign word
    words[:, 0] = k.astype(np.int64)
    words[:, 1] = words[:, 0] >> 63
    bitmap = pa.array(valid).buffers()[1] if arr.null_count else None  # of these rows (a slice's too)
    return pa.Array.from_buffers(
        pa.decimal128(DECIMAL_DIGITS, decimals), n, [bitmap, pa.py_buffer(words.tobytes())], arr.null_count
    )


def for_copy(kind: str, key: Any, table: pa.Table) -> pa.Table:
    """A frame's Arrow table as COPY takes it: its double columns as their DECIMAL."""
    decimals = MODEL.decimals(kind, key)
    if not decimals or not len(table):
        return table
    name = key if kind == "node" else key[0]
    for p, n in decimals.items():
        if p in table.column_names:
            i = table.column_names.index(p)
            table = table.set_column(
                i,
                pa.field(p, pa.decimal128(DECIMAL_DIGITS, n)),
                to_decimal(table.column(i), n, f"{name}.{p}"),
            )
    return table


def _float_type(t: pa.DataType) -> pa.DataType:
    """``t`` with every decimal in it (in lists and structs too) a float64: the type :func:`_float_array`
    makes; ``t`` itself when it holds none."""
    if pa.types.is_decimal(t):
        return pa.float64()
    if pa.types.is_struct(t):
        new = pa.struct([t.field(i).with_type(_float_type(t.field(i).type)) for i in range(t.num_fields)])
        return t if new == t else new
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        value = _float_type(t.value_type)
        if value == t.value_type:
            return t
        return pa.large_list(value) if pa.types.is_large_list(t) else pa.list_(value)
    return t


def _has_decimal(t: pa.DataType) -> bool:
    return _float_type(t) != t


def _decimal_floats(arr: pa.Array) -> pa.Array:
    """A decimal128 array as the float nearest to each value (its integer over 10ˢ: both exact as floats
    below 2⁵³, and a division is correctly rounded; Arrow's own cast is not, for some values)."""
    words = np.frombuffer(arr.buffers()[1], dtype="<i8")[2 * arr.offset : 2 * (arr.offset + len(arr))]
    f = words[0::2].astype(np.float64) / 10.0**arr.type.scale
    return pa.array(
        f,
        pa.float64(),
        mask=np.asarray(arr.is_null().to_numpy(zero_copy_only=False)) if arr.null_count else None,
    )


def _float_array(arr: pa.Array) -> pa.Array:
    """``arr`` with every decimal in it (in lists and structs too) a float64."""
    t = arr.type
    if not _has_decimal(t):
        return arr
    if pa.types.is_decimal(t):
        return _decimal_floats(arr)
    mask = arr.is_null() if arr.null_count else None
    if pa.types.is_struct(t):
        fields = [t.field(i) for i in range(t.num_fields)]
        children = [_float_array(arr.field(i)) for i in range(t.num_fields)]
        return pa.StructArray.from_arrays(
            children, fields=[f.with_type(c.type) for f, c in zip(fields, children)], mask=mask
        )
    values = _float_array(arr.flatten())  # the values of this slice of the list
    offsets = pc.subtract(arr.offsets, arr.offsets[0])
    cls = pa.LargeListArray if pa.types.is_large_list(t) else pa.ListArray
    return cls.from_arrays(offsets, values, mask=mask)


def _float_chunk(arr: pa.Array, target: pa.DataType) -> pa.Array:
    out = _float_array(arr)
    return out if out.type == target else out.cast(target)


def floats(table: pa.Table) -> pa.Table:
    """A query's Arrow result with its decimals (in lists and structs too) as float64, each the float
    nearest to its decimal."""
    if not any(_has_decimal(f.type) for f in table.schema):
        return table
    cols = []
    for col in table.columns:
        target = _float_type(col.type)
        if target != col.type:
            col = pa.chunked_array([_float_chunk(c, target) for c in col.chunks], type=target)
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


#: Column types of a query's rows that hold no decimal (the rest are walked: a node or a path holds
#: properties, a list or a struct values).
_PLAIN = frozenset(
    "STRING INT64 INT32 INT16 INT8 INT128 UINT64 UINT32 UINT16 UINT8 SERIAL DOUBLE FLOAT BOOL DATE "
    "TIMESTAMP INTERVAL INTERNAL_ID UUID BLOB".split()
)


def _plain(v: Any) -> Any:
    """``v`` with every Decimal in it a float: a dict or a list (fresh from ``get_all``) changed in place,
    only where it holds a Decimal or a container (a node's other properties are left as they are)."""
    t = type(v)
    if t is Decimal:
        return float(v)
    if t is dict or t is list:
        for k, x in v.items() if t is dict else enumerate(v):
            tx = type(x)
            if tx is Decimal:
                v[k] = float(x)
            elif tx is dict or tx is list:
                v[k] = _plain(x)
    return v


def floats_in_rows(rows: list[Any], types: list[str]) -> list[Any]:
    """A query's rows (``get_all``) with every Decimal in them a float; ``types``: the columns' types."""
    walk = [i for i, t in enumerate(types) if t not in _PLAIN]
    if not walk:
        return rows
    for row in rows:
        for i in walk:
            row[i] = _plain(row[i])
    return rows
