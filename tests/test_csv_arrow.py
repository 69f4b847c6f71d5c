"""The Arrow CSV reader gives the grid pandas' reader gives, or declines (and pandas reads the file)."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from graphaudit.errors import InputError
from graphaudit.ingest import reader

RNG = random.Random(7)
CELLS = [
    "",
    " ",
    "a",
    "张三",
    "1,2",
    "x;y",
    "a\tb",
    'say "hi"',
    '"',
    '""',
    "a\nb",
    "a\r\nb",
    "line\r",
    "  pad  ",
    "13800000001",
    "2024-01-15",
    "110101199003071234",
    "﻿bom",
    "é",
    "NaN",
    "null",
    "#",
    "'q'",
]


def cell(delim: str) -> str:
    v = RNG.choice(CELLS)
    needs = any(ch in v for ch in (delim, '"', "\n", "\r"))
    if needs or RNG.random() < 0.1:
        return '"' + v.replace('"', '""') + '"'
    return v


def plain_cell(delim: str) -> str:
    return RNG.choice(
        [c for c in CELLS if '"' not in c and "\n" not in c and "\r" not in c and delim not in c]
    )


def random_csv(delim: str) -> str:
    """Mostly plain files (no quotes, which Arrow reads), some with quoted cells and line breaks in them."""
    cell_of = cell if RNG.random() < 0.3 else plain_cell
    ncols = RNG.randrange(1, 6)
    eol = RNG.choice(["\n", "\r\n", "\r"])
    lines = [delim.join(f"h{i}" for i in range(ncols))]
    for _ in range(RNG.randrange(0, 12)):
        r = RNG.random()
        if r < 0.05:
            lines.append("")  # blank line
        else:
            n = ncols if r < 0.85 else RNG.randrange(1, ncols + 3)
            lines.append(delim.join(cell_of(delim) for _ in range(n)))
    return eol.join(lines) + (eol if RNG.random() < 0.7 else "")


def grids(payload: bytes, delim: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    text = payload.decode("utf-8")
    ncols = reader._field_count(text, delim)
    fast = reader._parse_csv_arrow(payload, delim, ncols)
    try:
        slow = reader._parse_csv(payload, delim, ncols).fillna("")
    except pd.errors.ParserError:
        slow = None
    return fast, slow


@pytest.mark.parametrize("delim", [",", "\t", ";"])
def test_arrow_grid_is_pandas_grid(delim: str) -> None:
    took = 0
    for _ in range(400):
        payload = random_csv(delim).encode("utf-8")
        fast, slow = grids(payload, delim)
        if fast is None:
            continue
        took += 1
        assert slow is not None, payload
        pd.testing.assert_frame_equal(fast, slow, check_exact=True, obj=repr(payload))
    assert took > 100  # most files are plain grids, which Arrow reads


def test_files_read_the_same_by_either_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole files (headers, row numbers, blank rows, quoted line breaks): the same RawTable."""
    tables = []
    for i in range(150):
        path = tmp_path / f"f{i}.csv"
        delim = RNG.choice([",", "\t", ";"])
        path.write_bytes(random_csv(delim).encode(RNG.choice(["utf-8", "utf-8-sig", "gbk"]), errors="ignore"))
        tables.append(path)

    def read(path: Path) -> object:
        try:
            t = reader.read_table(path, "households")
        except InputError as e:
            return str(e)
        return (
            t.encoding,
            t.headers,
            t.frame.to_dict("list"),
            list(map(str, t.frame.dtypes)),
            list(t.row_numbers),
        )

    fast = [read(p) for p in tables]
    monkeypatch.setattr(reader, "_parse_csv_arrow", lambda *a: None)
    assert fast == [read(p) for p in tables]
