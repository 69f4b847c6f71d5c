"""Whole-column normalisers give, row for row, what the scalar functions give (graphaudit.ingest.columns)."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from graphaudit.ingest import build, ids
from graphaudit.ingest import columns as cols
from graphaudit.ingest import normalize as norm

RNG = random.Random(11)
# ASCII, Latin-1, CJK punctuation and spaces, ideographs, compatibility ideographs, full-width forms, dots
POOL = [
    chr(c)
    for c in [
        *range(0, 0x180),
        *range(0x3000, 0x3010),
        *range(0x4E00, 0x4E20),
        *range(0x9FF0, 0xA005),
        *range(0xF900, 0xF905),
        *range(0xFF01, 0xFF20),
    ]
] + ["・", "。", ".", "\u200b", "\u3000", " "]


def random_text(n: int) -> list[str | None]:
    out: list[str | None] = ["".join(RNG.choice(POOL) for _ in range(RNG.randrange(0, 7))) for _ in range(n)]
    return out + [None, "", "张三", "张 三", "阿卜杜拉.买买提", "李·四", "a.b", "临县白文镇1组 1号"]


def resident_ids(n: int) -> list[str]:
    out = []
    for _ in range(n):
        born = dt.date(1850, 1, 1) + dt.timedelta(days=RNG.randrange(70000))
        v = ids.make_resident_id(RNG.choice(["141124", "110101", "990101"]), born, RNG.randrange(1000))
        k = RNG.randrange(7)
        if k == 0:
            v = v[:17] + RNG.choice("0123456789X")
        elif k == 1:
            v = v[:10] + RNG.choice(["00", "13", "02"]) + RNG.choice(["29", "30", "31", "00"]) + v[14:]
        elif k == 2:
            v = v.lower()
        elif k == 3:
            v = RNG.choice(["", "1.41124197205257E+17", "1E5", " " + v, "'" + v, v[:15], "ｘ１２"])
        out.append(v)
    return out


@pytest.mark.parametrize(
    "fn,stable", [(norm.normalize_text, cols.TEXT_STABLE), (norm.normalize_name, cols.NAME_STABLE)]
)
def test_text_and_names_as_the_scalar_functions(fn, stable) -> None:
    vals = random_text(20000)
    got = cols.map_column(pd.Series(vals, dtype="str"), fn, stable)
    assert got.dtype == "str"
    assert got.tolist() == [fn(v) for v in vals]


def test_ids_and_their_checks_as_the_scalar_functions() -> None:
    vals = resident_ids(20000)
    normed = cols.normalize_ids(pd.Series(vals, dtype="str"))
    assert normed.tolist() == [ids.normalize_id(v) for v in vals]
    assert cols.resident_id_problems(normed).tolist() == [
        None if v == "" else ids.resident_id_problem(v) for v in normed
    ]
    assert list(cols.birth_dates(normed)) == [ids.birth_date_from_id(v) for v in normed]
    assert list(cols.genders(normed)) == [ids.gender_from_id(v) for v in normed]
    valid = cols.valid_resident_ids(normed)  # computed once, handed to each
    assert cols.resident_id_problems(normed, valid).tolist() == cols.resident_id_problems(normed).tolist()
    assert list(cols.birth_dates(normed, valid)) == list(cols.birth_dates(normed))
    assert list(cols.genders(normed, valid)) == list(cols.genders(normed))


def test_identifiers_with_chinese_characters_as_the_scalar_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plates and property certificates: those already normalised are kept without a call per value; every
    other form (lower case, spaces, full-width characters, a leading quote, invisible characters) is
    normalised exactly as ids.normalize_id does it."""
    plain = [
        "晋B·KEJ93",
        "晋(2016)临县不动产权第1044838号",
        "晋J·0Q123",
        "临县农商行001",
        "王",
        "第1.0号",
        "晋E5",
    ]
    messy = [
        "晋b·kej93",
        "晋B KEJ93",
        " 晋B·KEJ93 ",
        "晋（2016）临县不动产权第1044838号",
        "'晋B·KEJ93",
        "`晋B·KEJ93",
        "晋B·ＫＥＪ９３",
        "晋B\u200b·KEJ93",
        "晋B\u3000KEJ93",
        "晋B\x1fKEJ93",
        "晋ß",
    ]
    vals = [RNG.choice(plain + messy) for _ in range(5000)] + plain + messy
    calls: list[object] = []
    scalar = ids.normalize_id

    def counted(v: object) -> str:
        calls.append(v)
        return scalar(v)

    monkeypatch.setattr(ids, "normalize_id", counted)
    got = cols.normalize_ids(pd.Series(vals, dtype="str"))
    assert got.tolist() == [scalar(v) for v in vals]
    assert not set(plain) & set(calls)  # the stable ones never reach the scalar function
    assert set(messy) - {"晋b·kej93"} <= set(calls)  # lower-case ASCII is upper-cased before


def test_map_unique_keeps_kinds_of_missing_apart() -> None:
    s = pd.Series([1, 1.0, None, float("nan"), "x", "x"], dtype=object)
    assert cols.map_unique(s, repr).tolist() == ["1", "1", "None", "nan", "'x'", "'x'"]


@pytest.mark.parametrize(
    "column,scalar",
    [
        (build.phones, build.norm_phone),
        (build.addresses, build.norm_address),
        (build.accounts, build.norm_account),
    ],
)
def test_phones_addresses_accounts_as_the_scalar_functions(column, scalar) -> None:
    vals = random_text(20000) + ["+86 138-0000-0001", "008613900000000", "6228 8503 4620", "021-5555555"]
    assert column(pd.Series(vals, dtype=object)).tolist() == [scalar(v) for v in vals]


def test_dates_as_parse_date() -> None:
    vals: list[str | None] = []
    for _ in range(20000):
        y, m, d = RNG.choice([1799, 1800, 1900, 2024, 0]), RNG.randrange(0, 14), RNG.randrange(0, 33)
        vals.append(
            RNG.choice([f"{y:04d}-{m:02d}-{d:02d}", f"{y}/{m}/{d}", f"{y:04d}{m:02d}{d:02d}", "", None])
        )
    got, errs = norm.parse_dates(pd.Series(vals, dtype="str"))
    want = []
    for v in vals:
        try:
            want.append((norm.parse_date(v), None))
        except ValueError as e:
            want.append((None, str(e)))
    assert list(zip(got.tolist(), errs.tolist())) == want


@pytest.mark.parametrize(
    "subset,by,keep,na",
    [
        (None, ["a", "b"], "first", "last"),
        (["a"], ["a"], "first", "last"),
        (["a", "d"], ["a", "d"], "last", "first"),
        (["b", "v"], [], "first", "last"),
        (["a", "b"], ["d", "v"], "last", "last"),
    ],
)
def test_dedupe_sorted_as_pandas(subset, by, keep, na) -> None:
    n = 3000
    df = pd.DataFrame(
        {
            "a": pd.Series([RNG.choice(["a", "b", "中", "Z", "é", None]) for _ in range(n)], dtype="str"),
            "b": pd.Series([RNG.choice(["x", "y", None]) for _ in range(n)], dtype=object),
            "d": pd.Series(
                [RNG.choice([dt.date(2020, 1, 1), dt.date(2021, 5, 1), None]) for _ in range(n)], dtype=object
            ),
            "v": pd.Series([RNG.choice([1.5, 2.0, None, float("nan")]) for _ in range(n)], dtype=object),
            "n": np.arange(n) % 7,
        }
    )
    want = df.drop_duplicates(subset, keep=keep)
    want = (want.sort_values(by, kind="stable", na_position=na) if by else want).reset_index(drop=True)
    assert cols.dedupe_sorted(df, by, subset, keep, na).equals(want)


@pytest.mark.parametrize("plain", [False, True])
def test_dedupe_sorted_of_sorted_rows_as_pandas(plain) -> None:
    """Rows already in order (the fast path: no sort, nothing dropped) and nearly so (a tie, a row out of
    order, a missing value, numbers) give what pandas gives."""
    ids = sorted({f"{RNG.randrange(10**6):06d}{RNG.choice(['', '中', 'é'])}" for _ in range(500)})
    dtype = object if plain else "str"
    cases = [
        pd.DataFrame({"from": pd.Series(ids, dtype=dtype), "to": pd.Series(ids[::-1], dtype=dtype)}),
        pd.DataFrame(
            {"from": pd.Series(ids[:3] + ids[2:], dtype=dtype), "to": pd.Series(["x"] * 501, dtype=dtype)}
        ),
        pd.DataFrame({"from": pd.Series(ids[1:] + ids[:1], dtype=dtype), "to": pd.Series(ids, dtype=dtype)}),
        pd.DataFrame({"from": pd.Series([*ids[:-1], None], dtype=dtype), "to": pd.Series(ids, dtype=dtype)}),
        pd.DataFrame(
            {"from": pd.Series(["a", "a", "b"], dtype=dtype), "to": pd.Series([2, 1, 3], dtype=object)}
        ),
        pd.DataFrame(
            {"from": pd.Series(["a", "a", "b"], dtype=dtype), "to": pd.Series([1, 2, 3], dtype=object)}
        ),
    ]
    expect_fast = [True, False, False, False, False, True]
    for df, fast in zip(cases, expect_fast):
        assert cols.strictly_increasing(df, ["from", "to"]) is fast
        for by in (["from", "to"], []):
            want = df.drop_duplicates(["from", "to"])
            want = (want.sort_values(by, kind="stable") if by else want).reset_index(drop=True)
            assert cols.dedupe_sorted(df, by, ["from", "to"]).equals(want)
