"""What the optional registers (数据碰撞: payroll, vehicles, property, custody …) share: a record id made from
the source's key, and the rejection of a period that ends before it starts."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from graphaudit.ingest.issue import FILE, ROW, Issue

__all__ = ["record_post"]


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) or v is pd.NaT else str(v)


def record_post(
    source: str, prefix: str, key: tuple[str, ...], start: str | None = None, end: str | None = None
) -> Callable[[pd.DataFrame, list[Issue]], pd.DataFrame]:
    """A ``post`` pass: rows whose ``end`` is before their ``start`` are rejected (reported), and every row
    gets ``record_id`` = ``prefix`` + the key's values joined by ``|``."""

    def post(df: pd.DataFrame, issues: list[Issue]) -> pd.DataFrame:
        if start and end and len(df):
            backwards = (df[end].notna() & df[start].notna() & (df[end] < df[start])).to_numpy(dtype=bool)
            for i in df.index[backwards]:
                issues.append(
                    Issue(
                        source,
                        str(df.at[i, FILE]),
                        int(df.at[i, ROW]),  # type: ignore[arg-type]
                        end,
                        "rejected",
                        "结束日期早于开始日期 end date before start date",
                        str(df.at[i, end]),
                    )
                )
            df = df[~backwards].reset_index(drop=True)
        parts = [
            df[k].fillna("") if isinstance(df[k].dtype, pd.StringDtype) else df[k].map(_text) for k in key
        ]
        rid = parts[0]
        for p in parts[1:]:
            rid = rid + "|" + p
        df["record_id"] = (prefix + rid) if len(df) else pd.Series([], dtype=object)
        return df

    return post
