"""Source specs and the generic adapter: raw table → canonical, normalised frame plus a list of issues.

Each source module (households.py, cadres.py …) declares a :class:`SourceSpec`; :func:`adapt` maps headers
(canonical names or Chinese aliases), normalises every column by its kind, rejects rows that lack required
values and keeps every other column, under its original header, in the ``extra`` JSON property.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graphaudit.errors import InputError
from graphaudit.ingest import ids as idcheck
from graphaudit.ingest import normalize as norm
from graphaudit.ingest.issue import FILE, ROW, Issue
from graphaudit.ingest.reader import RawTable

__all__ = ["Column", "SourceSpec", "Issue", "adapt", "ROW", "FILE"]



@dataclass(frozen=True)
class Column:
    """One column of the data contract.

    kind: text, name, ident (an identifier compared as written: household or record numbers, bank accounts),
    pid (resident ID), uscc, party (resident ID or USCC), code (administrative code), date, amount, share, gender.
    """

    name: str
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False
    lenient_id: bool = False  # a missing/invalid ID is loaded and reported, not rejected (contract's "*")


@dataclass(frozen=True)
class SourceSpec:
    """A source of the data contract: its columns, its key and an optional source-specific pass."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    post: Callable[[pd.DataFrame, list[Issue]], pd.DataFrame] | None = field(default=None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

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
        raise InputError(f"missing required column {names}; headers found: {list(raw.headers)}",
                         file=raw.path, row=1, column=names)

    n = len(raw.frame)
    out = pd.DataFrame(index=range(n))
    issues: list[Issue] = []
    rows = pd.Series(raw.row_numbers, index=range(n), dtype="int64")
    reject = pd.Series(False, index=range(n))
    frame = raw.frame.reset_index(drop=True)

    def report(mask: pd.Series, col: Column, action: str, reasons: pd.Series | str, values: pd.Series) -> None:
        for i in mask[mask].index:
            reason = reasons if isinstance(reasons, str) else str(reasons[i])
            issues.append(Issue(spec.name, fname, int(rows[i]), _label(col, original), action, reason,
                                str(values[i])[:80]))

    for col in spec.columns:
        if col.name not in original:
            out[col.name] = None
            continue
        src = frame[original[col.name]]
        values, errors = _normalise(col, src)
        empty = values.isna() | (values.astype(str) == "")
        if col.required:
            bad = empty & ~reject
            if col.lenient_id:
                report(bad, col, "warning", "缺少证件号码，按姓名匹配 missing ID, matched by name", src)
            else:
                report(bad, col, "rejected", "必填项为空 required value is empty", src)
                reject |= bad
        if errors is not None:
            has_err = errors.notna() & ~reject
            if col.kind in ("pid", "uscc", "party"):
                report(has_err & ~empty, col, "warning", errors, src)
            elif col.required:
                report(has_err, col, "rejected", errors, src)
                reject |= has_err
            else:
                report(has_err, col, "warning", errors.map(lambda e: f"{e}; 已置空 value dropped"), src)
                values = values.where(~has_err, None)
        out[col.name] = values
        if col.kind in ("pid", "uscc", "party"):
            out[f"{col.name}_issue"] = errors.where(errors.notna(), "") if errors is not None else ""

    out["extra"] = _extra_json(frame, extra_cols)
    out[FILE] = fname
    out[ROW] = rows
    out = out[~reject].reset_index(drop=True)
    if spec.post is not None:
        out = spec.post(out, issues)
    return out, issues


def _extra_json(frame: pd.DataFrame, cols: list[str]) -> pd.Series | str:
    if not cols:
        return ""
    sub = frame[cols]

    def row_json(r: Any) -> str:
        d = {c: _plain(v) for c, v in zip(cols, r) if v is not None and str(v).strip() != ""}
        return json.dumps(d, ensure_ascii=False, sort_keys=True) if d else ""

    return pd.Series([row_json(r) for r in sub.itertuples(index=False, name=None)], index=frame.index)


def _plain(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


def _map(src: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``src.map(fn)``, computed once per distinct value over a plain list (registers repeat village codes,
    names and programmes; mapping an Arrow-backed column element by element is many times slower)."""
    cache: dict[Any, Any] = {}
    out = []
    for v in src.to_numpy(dtype=object):
        try:
            out.append(cache[v])
        except KeyError:
            out.append(cache.setdefault(v, fn(v)))
        except TypeError:  # an unhashable cell value
            out.append(fn(v))
    return pd.Series(out, index=src.index)


def _normalise(col: Column, src: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """Normalised values and, per row, an error text (None where fine)."""
    k = col.kind
    if k == "text":
        return _map(src, norm.normalize_text), None
    if k == "name":
        return _map(src, norm.normalize_name), None
    if k == "ident":
        return _map(src, idcheck.normalize_id), None
    if k in ("pid", "uscc", "party", "code"):
        vals = _map(src, idcheck.normalize_id)
        if k == "code":
            errs = _map(vals, lambda v: None if v == "" or (v.isdigit() and len(v) in (9, 12))
                        else "区划代码应为9或12位数字 code must be 9 or 12 digits")
            return vals, errs
        check = {"pid": idcheck.resident_id_problem, "uscc": idcheck.uscc_problem, "party": _party_problem}[k]
        return vals, _map(vals, lambda v: None if v == "" else check(v))
    if k == "date":
        return norm.parse_dates(src)
    if k == "amount":
        return norm.parse_amounts(src)
    if k in ("share", "gender"):
        fn = norm.parse_share if k == "share" else norm.parse_gender
        vals, errs = [], []
        for v in src:
            try:
                vals.append(fn(v))
                errs.append(None)
            except ValueError as e:
                vals.append(None)
                errs.append(str(e))
        return pd.Series(vals, index=src.index, dtype=object), pd.Series(errs, index=src.index, dtype=object)
    raise ValueError(f"unknown column kind {k}")


def _party_problem(v: str) -> str | None:
    """A contractor or shareholder is a person (resident ID) or a company (USCC)."""
    if is_person_id(v):
        return idcheck.resident_id_problem(v)
    return idcheck.uscc_problem(v)


def is_person_id(v: str) -> bool:
    """Shape test: 18 characters, 17 digits then a digit or X, with a plausible birth date — a resident ID."""
    return len(v) == 18 and v[:17].isdigit() and (v[17].isdigit() or v[17] == "X") and v[6:8] in ("19", "20")
