"""Whole-column forms of the scalar normalisers and validators, for registers of a county and more.

Every function here gives, row for row, exactly what the scalar function it names gives (``ids.normalize_id``,
``ids.resident_id_problem``, ``normalize.normalize_text`` …): the common case — an ASCII value that needs no
change, a resident ID that passes every check — is decided for the whole column at once (pyarrow.compute,
numpy over the ID's digits), and only the rest goes through the scalar function, once per distinct value.
That keeps the exact wording of every reason and every corner case in one place, the scalar module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphaudit.ingest import ids

__all__ = [
    "map_unique",
    "map_column",
    "string_array",
    "to_str_series",
    "normalize_ids",
    "resident_id_problems",
    "valid_resident_ids",
    "birth_dates",
    "genders",
    "ASCII_NO_SPACE",
    "ASCII_ALNUM",
    "ID_STABLE",
    "TEXT_STABLE",
    "NAME_STABLE",
    "dedupe_sorted",
    "stable_order",
    "strictly_increasing",
]

# Characters Python's str.split() takes for white space among ASCII: \t \n \v \f \r, \x1c-\x1f and space.
_ASCII_WS = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"


def string_array(s: pd.Series) -> pa.Array | None:
    """The column as one Arrow string array (no copy for Arrow-backed "str" columns); None when the column
    is not text (XLSX cells are Python objects of any type)."""
    if not isinstance(s.dtype, pd.StringDtype):
        return None
    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None


def to_str_series(arr: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """An Arrow string array as a pandas "str" Series (the dtype pandas gives a list of Python str)."""
    return pd.Series(pd.array(arr, dtype="str"), index=index)


def map_unique(src: pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    """``fn`` of every cell, computed once per distinct value, as an object array.  Equal values (also
    1 == 1.0 == True, as a dict would see them) get the result of their first occurrence."""
    codes, uniques = pd.factorize(src, use_na_sentinel=True)
    values = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
    results = np.empty(len(values) + 1, dtype=object)
    results[: len(values)] = [fn(v) for v in values]
    out = results[codes]
    missing = np.flatnonzero(codes < 0)
    if len(missing):  # None, NaN, NA …: one call per kind of missing value
        by_kind: dict[type, Any] = {}
        cells = src.iloc[missing].tolist()
        out[missing] = [
            by_kind[type(v)] if type(v) in by_kind else by_kind.setdefault(type(v), fn(v)) for v in cells
        ]
    return out


def map_column(
    src: pd.Series, fn: Callable[[Any], str], unchanged: Callable[[pa.Array], pa.Array] | None = None
) -> pd.Series:
    """A text normaliser ``fn`` (cell → str) over a column, as a "str" Series.

    ``unchanged(arr)`` marks, for an Arrow text column, the values that ``fn`` returns as they are; only the
    others are passed to ``fn`` (once per distinct value)."""
    arr = string_array(src) if unchanged is not None else None
    if unchanged is None or arr is None or not len(arr):
        return pd.Series(map_unique(src, fn).tolist(), index=src.index, dtype="str")
    change = np.logical_not(
        np.asarray(unchanged(arr).fill_null(False).to_numpy(zero_copy_only=False), np.bool_)
    )
    if not change.any():
        return to_str_series(arr, src.index)
    rest = np.flatnonzero(change)
    fixed = map_unique(pd.Series(arr.take(pa.array(rest)).to_pylist(), dtype=object), fn)
    out = pc.replace_with_mask(
        arr.cast(pa.large_string()), pa.array(change), pa.array(fixed.tolist(), pa.large_string())
    )
    return to_str_series(out, src.index)


# Characters NFKC leaves as they are and that neither white-space handling nor the name rules touch: ASCII
# without white space, the middle dot, and CJK Unified Ideographs (U+4E00–U+9FFF have no decomposition).
_PLAIN = r"\x00-\x08\x0e-\x1b\x21-\x7f\x{b7}\x{4e00}-\x{9fff}"
_TEXT_STABLE = f"^[{_PLAIN}]*$"
_NAME_STABLE = r"^[\x00-\x08\x0e-\x1b\x21-\x2d\x2f-\x7f\x{b7}\x{4e00}-\x{9fff}]*$"  # as _PLAIN, without "."


def ASCII_NO_SPACE(arr: pa.Array) -> pa.Array:
    """ASCII values without white space: unchanged by ``normalize_text`` and ``normalize_name``."""
    return pc.and_(pc.string_is_ascii(arr), pc.invert(pc.match_substring_regex(arr, _ASCII_WS)))


def TEXT_STABLE(arr: pa.Array) -> pa.Array:
    """Values unchanged by ``normalize_text``: ASCII and Chinese characters without white space."""
    return pc.match_substring_regex(arr, _TEXT_STABLE)


def NAME_STABLE(arr: pa.Array) -> pa.Array:
    """Values unchanged by ``normalize_name``: as :func:`TEXT_STABLE`, and no "." among Chinese characters."""
    return pc.or_(ASCII_NO_SPACE(arr), pc.match_substring_regex(arr, _NAME_STABLE))


def ASCII_ALNUM(arr: pa.Array) -> pa.Array:
    """ASCII letters and digits, already upper case and not digits-E-digits: unchanged by ``normalize_id``."""
    plain = pc.and_(pc.string_is_ascii(arr), pc.utf8_is_alnum(arr))
    return pc.and_(
        pc.and_(plain, pc.equal(pc.utf8_upper(arr), arr)),
        pc.invert(pc.match_substring_regex(arr, r"^[0-9]+E[0-9]+$")),
    )


def ID_STABLE(arr: pa.Array) -> pa.Array:
    """Values unchanged by ``normalize_id``: as :func:`ASCII_ALNUM`, and identifiers with Chinese characters
    (plates such as 晋B·KEJ93, property certificates such as 晋(2016)临县不动产权第1044838号) that NFKC,
    white-space and quote handling leave as they are and that are upper case already — the numbers Excel
    makes of an identifier are ASCII, so none of these is one."""
    cjk = pc.and_(
        pc.and_(pc.invert(pc.string_is_ascii(arr)), pc.match_substring_regex(arr, _TEXT_STABLE)),
        pc.and_(pc.invert(pc.match_substring_regex(arr, "^['`]")), pc.equal(pc.utf8_upper(arr), arr)),
    )
    return pc.or_(ASCII_ALNUM(arr), cjk)


def normalize_ids(src: pd.Series) -> pd.Series:
    """:func:`ids.normalize_id` of every cell, as a "str" Series."""
    arr = string_array(src)
    if arr is not None and len(arr):
        # lower-case ASCII IDs (a register's "x") are upper-cased here rather than one by one
        low = pc.and_(pc.string_is_ascii(arr), pc.utf8_is_alnum(arr)).fill_null(False)
        up = pc.if_else(low, pc.utf8_upper(arr), arr)
        src = to_str_series(up, src.index)
    return map_column(src, ids.normalize_id, ID_STABLE)


# ------------------------------------------------------------------------------------------ resident IDs

_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int32)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PROVINCES = np.array(sorted(int(p) for p in ids.PROVINCE_CODES))
_DAYS = np.array((0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31))


def _digits(values: list[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows that are 18 ASCII characters, their bytes as an (n, 18) uint8 matrix)."""
    arr = pa.array(values, pa.large_string()) if not isinstance(values, pa.Array) else values
    shaped = pc.and_(pc.equal(pc.binary_length(arr), 18), pc.string_is_ascii(arr)).fill_null(False)
    rows = np.flatnonzero(np.asarray(shaped.to_numpy(zero_copy_only=False), dtype=bool))
    if not len(rows):
        return rows, np.zeros((0, 18), dtype=np.uint8)
    taken = arr.take(pa.array(rows)).cast(pa.large_binary())
    offsets = np.frombuffer(taken.buffers()[1], dtype=np.int64)[taken.offset : taken.offset + len(taken) + 1]
    data = np.frombuffer(taken.buffers()[2], dtype=np.uint8)
    return rows, data[offsets[0] : offsets[-1]].reshape(len(rows), 18)


def _valid_matrix(b: np.ndarray) -> np.ndarray:
    """Per row of an (n, 18) byte matrix: True where :func:`ids.resident_id_problem` finds nothing."""
    d = b.astype(np.int32) - 48  # int32: every sum below fits, and a quarter of int64's memory traffic
    ok = ((d[:, :17] >= 0) & (d[:, :17] <= 9)).all(axis=1) & (
        ((d[:, 17] >= 0) & (d[:, 17] <= 9)) | (b[:, 17] == 88)
    )
    d = np.where(ok[:, None], d, 0)
    ok &= np.isin(d[:, 0] * 10 + d[:, 1], _PROVINCES)
    year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    month = d[:, 10] * 10 + d[:, 11]
    day = d[:, 12] * 10 + d[:, 13]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    mdays = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= mdays) & (year >= 1880)
    today = date.today()
    ok &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    ok &= _CHECK[(d[:, :17] @ _WEIGHTS) % 11] == b[:, 17]
    return ok


def valid_resident_ids(values: pd.Series) -> np.ndarray:
    """Per row: True where the (normalised) value is a valid resident ID (``resident_id_problem`` is None)."""
    out = np.zeros(len(values), dtype=bool)
    arr = string_array(values)
    if arr is None:
        arr = pa.array([v if isinstance(v, str) else None for v in values.tolist()], pa.large_string())
    rows, b = _digits(arr)
    out[rows[_valid_matrix(b)]] = True
    return out


def resident_id_problems(values: pd.Series, valid: np.ndarray | None = None) -> pd.Series:
    """``None if v == "" else ids.resident_id_problem(v)`` for every (normalised) cell, as an object Series.
    ``valid``: :func:`valid_resident_ids` of the values, when the caller has it already."""
    valid = valid_resident_ids(values) if valid is None else valid
    out = np.full(len(values), None, dtype=object)
    rest = np.flatnonzero(~valid)
    if len(rest):
        sub = values.iloc[rest]
        out[rest] = map_unique(sub, lambda v: None if v == "" else ids.resident_id_problem(v))
    return pd.Series(out, index=values.index, dtype=object)


def _from_valid(values: pd.Series, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.flatnonzero(valid)
    arr = string_array(values.iloc[rows])
    if arr is None:
        arr = pa.array(values.iloc[rows].tolist(), pa.large_string())
    _, b = _digits(arr)
    return rows, b.astype(np.int64) - 48


def birth_dates(values: pd.Series, valid: np.ndarray | None = None) -> np.ndarray:
    """:func:`ids.birth_date_from_id` of every cell (object array of ``datetime.date`` or None).  Values must
    already be normalised (as every ID column is after :func:`normalize_ids`); ``valid`` as for
    :func:`resident_id_problems`."""
    valid = valid_resident_ids(values) if valid is None else valid
    out = np.full(len(values), None, dtype=object)
    rows, d = _from_valid(values, valid)
    if len(rows):
        y = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
        m = d[:, 10] * 10 + d[:, 11]
        dd = d[:, 12] * 10 + d[:, 13]
        months = ((y - 1970) * 12 + m - 1).astype("datetime64[M]")
        days = (months.astype("datetime64[D]") + (dd - 1)).astype(np.int64).astype(np.int32)
        out[rows] = pa.array(days, pa.date32()).to_pandas(date_as_object=True).to_numpy(dtype=object)
    rest = np.flatnonzero(~valid)
    if len(rest):  # not normalised or not valid: the scalar function decides
        out[rest] = map_unique(
            values.iloc[rest], lambda v: ids.birth_date_from_id(v) if isinstance(v, str) else None
        )
    return out


def genders(values: pd.Series, valid: np.ndarray | None = None) -> np.ndarray:
    """:func:`ids.gender_from_id` of every cell (object array of "男", "女" or None), values normalised;
    ``valid`` as for :func:`resident_id_problems`."""
    valid = valid_resident_ids(values) if valid is None else valid
    out = np.full(len(values), None, dtype=object)
    rows, d = _from_valid(values, valid)
    if len(rows):
        out[rows] = np.where(d[:, 16] % 2 == 1, "男", "女").astype(object)
    rest = np.flatnonzero(~valid)
    if len(rest):
        out[rest] = map_unique(
            values.iloc[rest], lambda v: ids.gender_from_id(v) if isinstance(v, str) else None
        )
    return out


# ------------------------------------------------------------------------------------ tables, not cells

_ORDERABLE = {
    "string",
    "date",
    "datetime",
    "floating",
    "integer",
    "mixed-integer-float",
    "boolean",
    "empty",
    "decimal",
}


def _codes(col: pd.Series, sort: bool = False) -> np.ndarray:
    """Per row, a code for the value: equal values (as pandas' ``duplicated`` sees them) get equal codes, 0 is
    missing; with ``sort`` the codes follow the values' order."""
    codes, _ = pd.factorize(col, sort=sort, use_na_sentinel=True)
    return codes.astype(np.int64) + 1


def stable_order(df: pd.DataFrame, by: list[str], na_position: str = "last") -> np.ndarray:
    """Row positions of ``df`` in a stable sort by ``by`` (Arrow's sort, or numpy's lexsort on sorted
    codes)."""
    nulls = "at_end" if na_position == "last" else "at_start"
    try:
        t = pa.Table.from_pandas(df[by], preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        keys = []
        for c in reversed(by):  # lexsort takes the primary key last
            k = _codes(df[c], sort=True)
            keys.append(np.where(k == 0, np.iinfo(np.int64).max, k) if na_position == "last" else k)
        return np.lexsort(keys)
    names = [f"c{i}" for i in range(len(by))]  # headers may repeat or be anything; Arrow gets plain names
    return pc.sort_indices(
        t.rename_columns(names), sort_keys=[(n, "ascending", nulls) for n in names]
    ).to_numpy()


def _comparable(col: pd.Series) -> pa.Array | None:
    """The column as one Arrow array whose comparisons agree with Python's (text by code point, numbers),
    without missing values; None when it is anything else."""
    try:
        arr = pa.array(
            col.array if isinstance(col.dtype, pd.StringDtype) else col.to_numpy(), from_pandas=True
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if arr.null_count or not (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_integer(t)
        or pa.types.is_floating(t)
    ):
        return None
    return arr


def strictly_increasing(df: pd.DataFrame, by: list[str]) -> bool:
    """Whether the rows are in strictly increasing order by the columns ``by`` (so already sorted and without
    two rows equal on them): one comparison of neighbours per column, no sort.  False when a column has a
    missing value or values Arrow cannot compare as Python does."""
    n = len(df)
    if n < 2:
        return True
    less = np.zeros(n - 1, dtype=bool)
    equal = np.ones(n - 1, dtype=bool)
    for i, c in enumerate(by):
        arr = _comparable(df[c])
        if arr is None:
            return False
        x, y = arr.slice(0, n - 1), arr.slice(1)
        lt = np.asarray(pc.less(x, y).to_numpy(zero_copy_only=False), dtype=bool)
        if (
            i == 0
            and not (lt | ~np.asarray(pc.greater(x, y).to_numpy(zero_copy_only=False), dtype=bool)).all()
        ):
            return False  # the first column already goes down somewhere
        less |= equal & lt
        if i + 1 < len(by):
            equal &= np.asarray(pc.equal(x, y).to_numpy(zero_copy_only=False), dtype=bool)
    return bool(less.all())


def dedupe_sorted(
    df: pd.DataFrame,
    by: list[str],
    subset: list[str] | None = None,
    keep: str = "first",
    na_position: str = "last",
) -> pd.DataFrame:
    """``df.drop_duplicates(subset, keep=keep).sort_values(by, kind="stable", na_position=na_position)``
    (no sort when ``by`` is empty) with a fresh index: duplicates found on integer codes (one factorize per
    column, then numpy's unique), the rest sorted stably, and the result taken in one go.

    Equal rows are found as pandas finds them (missing values equal each other); text sorts by code point, as
    Python's ``<`` does.  A column of mixed Python objects falls back to pandas itself."""
    subset = list(df.columns) if subset is None else list(subset)
    # rows already in strictly increasing order of the sort (or, without one, of the subset) hold no two
    # equal rows: nothing to drop, nothing to move
    if (set(by) <= set(subset) if by else bool(subset)) and strictly_increasing(df, by or subset):
        return df.reset_index(drop=True)

    def in_pandas() -> pd.DataFrame:
        out = df.drop_duplicates(subset, keep=cast(Any, keep))
        return (
            out.sort_values(by, kind="stable", na_position=cast(Any, na_position)) if by else out
        ).reset_index(drop=True)

    cols = list(dict.fromkeys(subset + by))
    if not len(df) or any(
        df[c].dtype == object and pd.api.types.infer_dtype(df[c], skipna=True) not in _ORDERABLE for c in cols
    ):
        return in_pandas()
    key = np.zeros(len(df), dtype=np.int64)
    for c in subset:
        codes = _codes(df[c])
        width = int(codes.max()) + 1
        if int(key.max()) >= (1 << 62) // width:  # keep the combined key within int64
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)
        key = key * width + codes
    if keep == "first":
        rows = np.unique(key, return_index=True)[1]
    else:
        rows = len(key) - 1 - np.unique(key[::-1], return_index=True)[1]
    rows.sort()
    kept = df.take(rows)
    if by:
        kept = kept.take(stable_order(kept, by, na_position))
    return kept.reset_index(drop=True)


def iso_dates(values: pd.Series, min_year: int, max_year: int = 9999) -> tuple[np.ndarray, np.ndarray]:
    """(rows that are a real date written ``YYYY-MM-DD`` from ``min_year`` to ``max_year``, those dates as an
    object array of ``datetime.date``).  Every other row is left to the scalar parser, which also words the
    errors."""
    arr = string_array(values)
    if arr is None or not len(arr):
        return np.zeros(len(values), dtype=bool), np.empty(0, dtype=object)
    shaped = pc.match_substring_regex(arr, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").fill_null(False)
    rows = np.flatnonzero(np.asarray(shaped.to_numpy(zero_copy_only=False), dtype=bool))
    taken = arr.take(pa.array(rows)).cast(pa.large_binary())
    data = np.frombuffer(taken.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(taken.buffers()[1], dtype=np.int64)[taken.offset : taken.offset + len(taken) + 1]
    d = data[offsets[0] : offsets[-1]].reshape(len(rows), 10).astype(np.int64) - 48
    y = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    m = d[:, 5] * 10 + d[:, 6]
    day = d[:, 8] * 10 + d[:, 9]
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    ok = (
        (m >= 1)
        & (m <= 12)
        & (day >= 1)
        & (day <= _DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap))
        & (y >= min_year)
        & (y <= max_year)
    )
    rows, y, m, day = rows[ok], y[ok], m[ok], day[ok]
    days = (((y - 1970) * 12 + m - 1).astype("datetime64[M]").astype("datetime64[D]") + (day - 1)).astype(
        np.int64
    )
    dates = pa.array(days.astype(np.int32), pa.date32()).to_pandas(date_as_object=True).to_numpy(dtype=object)
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    return mask, dates
