"""Source specs and the generic adapter: raw table → canonical, normalised frame plus a list of issues.

Each source module (households.py, cadres.py …) declares a :class:`SourceSpec`: its columns and the graph
its rows make (graphaudit.ingest.mapping).  :func:`adapt` maps headers (canonical names or Chinese aliases),
normalises every column by its kind, rejects rows that lack required values and keeps every other column,
under its original header, in the ``extra`` JSON property.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphaudit.errors import InputError
from graphaudit.ingest import columns as cols_mod
from graphaudit.ingest import ids as idcheck
from graphaudit.ingest import normalize as norm
from graphaudit.ingest.issue import FILE, ROW, Issue
from graphaudit.ingest.mapping import SourceGraph, check_source_graph
from graphaudit.ingest.reader import RawTable

__all__ = ["Column", "SourceSpec", "Issue", "adapt", "ROW", "FILE"]


@dataclass(frozen=True)
class Column:
    """One column of the data contract.

    kind: text, name, ident (an identifier compared as written: household or record numbers, bank
    accounts), pid (resident ID), uscc, party (resident ID or USCC), code (administrative code), date, amount,
    share, gender.
    """

    name: str
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    lenient_id: bool = False  # a missing/invalid ID is loaded and reported, not rejected (contract's "*")


ID_KINDS = ("pid", "uscc", "party")  # kinds whose problems the adapter keeps in a "<column>_issue" column


@dataclass(frozen=True)
class SourceSpec:
    """A source of the data contract: its columns, its key, an optional source-specific pass and the graph
    its rows make.  ``adds`` names the columns ``post`` (or the merge) adds to the table.  The graph is
    checked against the table's columns and the model when the spec is made (:class:`MappingError`)."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    post: Callable[[pd.DataFrame, list[Issue]], pd.DataFrame] | None = field(default=None)
    graph: SourceGraph = field(default_factory=SourceGraph)
    adds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_source_graph(self.name, self.graph, set(self.table_columns))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def table_columns(self) -> list[str]:
        """The columns of the source's table: the contract's, each ID column's ``_issue``, ``extra``, the file
        and row, and what ``adds`` names."""
        out = []
        for c in self.columns:
            out.append(c.name)
            if c.kind in ID_KINDS:
                out.append(f"{c.name}_issue")
        return [*out, "extra", FILE, ROW, *self.adds]

    def header_map(self) -> dict[str, str]:
        """Normalised header text → canonical column name."""
        out: dict[str, str] = {}
        for c in self.columns:
            for h in (c.name, *c.aliases):
                out[norm.normalize_header(h)] = c.name
        return out


def _label(col: Column, original: dict[str, str]) -> str:
    """The column as the user's file names it, with the canonical name when they differ."""
    orig = original.get(col.name, col.name)
    return orig if orig == col.name else f"{orig} ({col.name})"


def adapt(spec: SourceSpec, raw: RawTable) -> tuple[pd.DataFrame, list[Issue]]:
    """Turn a raw table into the canonical frame of ``spec`` (+ ``extra``, ``_file``, ``_row``) and issues."""
    fname = raw.path.name
    hmap = spec.header_map()
    original: dict[str, str] = {}
    extra_cols: list[str] = []
    for h in raw.frame.columns:
        canon = hmap.get(norm.normalize_header(str(h)))
        if canon is not None and canon not in original:
            original[canon] = str(h)
        else:
            extra_cols.append(str(h))
    missing = [c for c in spec.columns if c.required and c.name not in original]
    if missing:
        names = ", ".join(f"{c.aliases[0] if c.aliases else c.name} ({c.name})" for c in missing)
        raise InputError(
            f"missing required column {names}; headers found: {list(raw.headers)}",
            file=raw.path,
            row=1,
            column=names,
        )

    n = len(raw.frame)
    out = pd.DataFrame(index=range(n))
    issues: list[Issue] = []
    rows = pd.Series(raw.row_numbers, index=range(n), dtype="int64")
    reject = pd.Series(False, index=range(n))
    frame = raw.frame.reset_index(drop=True)

    def report(
        mask: pd.Series, col: Column, action: str, reasons: pd.Series | str, values: pd.Series
    ) -> None:
        for i in mask[mask].index:
            reason = reasons if isinstance(reasons, str) else str(reasons[i])
            issues.append(
                Issue(
                    spec.name, fname, int(rows[i]), _label(col, original), action, reason, str(values[i])[:80]
                )
            )

    for col in spec.columns:
        if col.name not in original:
            out[col.name] = None
            continue
        src = frame[original[col.name]]
        values, errors = _normalise(col, src)
        if col.kind in _ID_KINDS:
            sci = _scientific(values) & ~reject
            if sci.any():
                if col.required:
                    report(sci, col, "rejected", idcheck._SCI_MESSAGE, src)
                    reject |= sci
                else:
                    report(sci, col, "warning", idcheck._SCI_MESSAGE + "; 已置空 value dropped", src)
                values = values.where(~sci, "")
                if errors is not None:
                    errors = errors.where(~sci, None)
        if col.kind == "date":
            partial = _partial_dates(src) & values.notna() & ~reject
            if partial.any():
                report(
                    partial,
                    col,
                    "repaired",
                    values[partial].map(
                        lambda d: (
                            f"日期不完整 partial date read as {d.isoformat()}: check it is not cut short"
                        )
                    ),
                    src,
                )
        empty = _is_empty(values)
        if errors is not None:
            empty &= errors.isna()  # a value that failed to parse is reported with its own reason
        if col.required:
            bad = empty & ~reject
            if col.lenient_id:
                report(bad, col, "warning", "缺少证件号码，按姓名匹配 missing ID, matched by name", src)
            else:
                report(bad, col, "rejected", "必填项为空 required value is empty", src)
                reject |= bad
        if errors is not None:
            has_err = errors.notna() & ~reject
            if col.kind in ID_KINDS:
                report(has_err & ~empty, col, "warning", errors, src)
            elif col.required:
                report(has_err, col, "rejected", errors, src)
                reject |= has_err
            else:
                report(
                    has_err, col, "warning", errors[has_err].map(lambda e: f"{e}; 已置空 value dropped"), src
                )
                values = values.where(~has_err, None)
        out[col.name] = values
        if col.kind in ID_KINDS:
            out[f"{col.name}_issue"] = errors.where(errors.notna(), "") if errors is not None else ""

    for h in extra_cols:  # never dropped, never silent: kept in ``extra`` and named in the report
        issues.append(
            Issue(spec.name, fname, None, h, "warning", "未识别的列，按原表头保留 column matches no alias", h)
        )
    out["extra"] = _extra_json(frame, extra_cols)
    out[FILE] = fname
    out[ROW] = rows
    out = out[~reject].reset_index(drop=True)
    if spec.post is not None:
        out = spec.post(out, issues)
    return out, issues


def _extra_json(frame: pd.DataFrame, cols: list[str]) -> pd.Series | str:
    """Per row, the JSON object (keys sorted) of the row's non-empty values in ``cols``, "" when there are
    none.

    Built column by column: each distinct cell value is rendered once as ``"header": value`` and the pieces of
    a row are joined, which gives the text ``json.dumps(d, ensure_ascii=False, sort_keys=True)`` gives."""
    if not cols:
        return ""
    pieces = []
    for c in sorted(cols):
        key = json.dumps(c, ensure_ascii=False)
        rendered = cols_mod.map_unique(frame[c], functools.partial(_json_piece, key))
        pieces.append(pa.array(rendered.tolist(), pa.large_string()))
    L = pa.large_string()
    acc = pa.nulls(len(frame), L)
    for piece in pieces:
        joined = pc.binary_join_element_wise(acc, piece, pa.scalar(", ", L))
        acc = pc.if_else(pc.is_null(acc), piece, pc.if_else(pc.is_null(piece), acc, joined))
    braced = pc.binary_join_element_wise(pa.scalar("{", L), acc, pa.scalar("}", L), pa.scalar("", L))
    text = pc.if_else(pc.is_null(acc), pa.scalar("", L), braced)
    return cols_mod.to_str_series(text, frame.index)


def _json_piece(key: str, v: Any) -> str | None:
    if v is None or str(v).strip() == "":
        return None
    return f"{key}: {json.dumps(_plain(v), ensure_ascii=False)}"


def _plain(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


_ID_KINDS = ("ident", "pid", "uscc", "party", "code")
_SCI_TEXT = r"^[+-]?[0-9]+(\.[0-9]*)?E[+-]?[0-9]+$"
_PARTIAL_DATE = r"^\s*[0-9]{4}\s*[-/.]\s*[0-9]{2}\s*[-/.]\s*[0-9]\s*$"


def _matches(values: pd.Series, pattern: str) -> pd.Series:
    """Per row: the cell is text matching ``pattern`` (Arrow for text, else once per distinct value)."""
    arr = cols_mod.string_array(values)
    if arr is not None:
        found = pc.match_substring_regex(arr, pattern).fill_null(False).to_numpy(zero_copy_only=False)
        return pd.Series(found, index=values.index, dtype=bool)
    rx = re.compile(pattern)
    hits = cols_mod.map_unique(values, lambda v: isinstance(v, str) and rx.match(v) is not None)
    return pd.Series(hits.astype(bool), index=values.index)


def _scientific(values: pd.Series) -> pd.Series:
    """Per row: an identifier Excel turned into a number in scientific notation whose digits are lost."""
    return _matches(values, _SCI_TEXT)


def _partial_dates(src: pd.Series) -> pd.Series:
    """Per row: a date with a padded month and a one-digit day (2024-05-3: perhaps a cut 2024-05-30)."""
    return _matches(src, _PARTIAL_DATE)


def _is_empty(values: pd.Series) -> pd.Series:
    """Per row: the value is missing or its text is ""."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.isna() | values.eq("")
    return values.isna() | pd.Series(values.to_numpy(dtype=object) == "", index=values.index)


def _normalise(col: Column, src: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """Normalised values and, per row, an error text (None where fine)."""
    k = col.kind
    if k == "text":
        return cols_mod.map_column(src, norm.normalize_text, cols_mod.TEXT_STABLE), None
    if k == "name":
        return cols_mod.map_column(src, norm.normalize_name, cols_mod.NAME_STABLE), None
    if k == "ident":
        return cols_mod.normalize_ids(src), None
    if k in ("pid", "uscc", "party", "code"):
        vals = cols_mod.normalize_ids(src)
        if k == "code":
            errs = cols_mod.map_unique(
                vals,
                lambda v: (
                    None
                    if v == "" or (v.isdigit() and len(v) in (9, 12))
                    else "区划代码应为9或12位数字 code must be 9 or 12 digits"
                ),
            )
            return vals, pd.Series(errs.tolist(), index=src.index)
        if k == "pid":
            return vals, pd.Series(cols_mod.resident_id_problems(vals).tolist(), index=src.index)
        check = idcheck.uscc_problem if k == "uscc" else _party_problem
        errs = cols_mod.map_unique(vals, lambda v: None if v == "" else check(v))
        return vals, pd.Series(errs.tolist(), index=src.index)
    if k == "date":
        return norm.parse_dates(src)
    if k == "amount":
        return norm.parse_amounts(src)
    if k in ("share", "gender"):
        fn = norm.parse_share if k == "share" else norm.parse_gender
        if src.dtype == object and bool in set(map(type, src.tolist())):
            # a TRUE cell equals 1 to a hash table but is no gender or share: parse each cell on its own
            cells = src.tolist()
            return norm.parse_each(pd.Series(range(len(src)), index=src.index), lambda i: fn(cells[i]))
        return norm.parse_each(src, fn)
    raise ValueError(f"unknown column kind {k}")


def _party_problem(v: str) -> str | None:
    """A contractor or shareholder is a person (resident ID) or a company (USCC)."""
    if is_person_id(v):
        return idcheck.resident_id_problem(v)
    return idcheck.uscc_problem(v)


def is_person_id(v: str) -> bool:
    """Shape test: 18 characters, 17 digits then a digit or X, with a plausible birth date — a resident ID."""
    return len(v) == 18 and v[:17].isdigit() and (v[17].isdigit() or v[17] == "X") and v[6:8] in ("19", "20")
