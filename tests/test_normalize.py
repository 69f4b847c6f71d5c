"""Values as they come from real registers."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from graphaudit.ingest import normalize as norm

# ------------------------------------------------------------------------------------------------ text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  北京市  东城区\u3000\u3000某街道 ", "北京市 东城区 某街道"),
        ("ＡＢＣ１２３", "ABC123"),
        ("a\tb\nc", "a b c"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        ("", ""),
        (3600.0, "3600"),
        (13800138000, "13800138000"),
        (datetime(2020, 5, 1), "2020-05-01"),
    ],
)
def test_normalize_text(raw: object, expected: str) -> None:
    assert norm.normalize_text(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("张 三", "张三"),
        ("张\u3000三", "张三"),
        (" 张三 ", "张三"),
        ("\u200b张三", "张三"),
        ("ＬＩ　Ｓｉ", "LISi"),
        ("阿卜杜拉·买买提", "阿卜杜拉·买买提"),
        ("阿卜杜拉・买买提", "阿卜杜拉·买买提"),  # katakana middle dot
        ("阿卜杜拉･买买提", "阿卜杜拉·买买提"),  # half-width katakana middle dot
        ("阿卜杜拉•买买提", "阿卜杜拉·买买提"),  # bullet
        ("阿卜杜拉‧买买提", "阿卜杜拉·买买提"),  # hyphenation point
        ("阿卜杜拉.买买提", "阿卜杜拉·买买提"),  # period between Chinese characters
        ("刘䶮", "刘䶮"),
        ("刘𠀀", "刘𠀀"),  # rare characters survive NFKC
        (None, ""),
    ],
)
def test_normalize_name(raw: object, expected: str) -> None:
    assert norm.normalize_name(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("*姓名", "姓名"),
        ("＊姓名", "姓名"),
        ("姓名*", "姓名"),
        (" 公民 身份 号码 ", "公民身份号码"),
        ("Person_ID", "person_id"),
        ("ＰＥＲＳＯＮ＿ＩＤ", "person_id"),
        ("出生日期（必填）", "出生日期(必填)"),
        ("\ufeff户号", "户号"),
        (None, ""),
    ],
)
def test_normalize_header(raw: object, expected: str) -> None:
    assert norm.normalize_header(raw) == expected


# ----------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw",
    [
        "2020-05-01",
        "2020/5/1",
        "2020.5.1",
        "20200501",
        "2020年5月1日",
        "2020年05月01日",
        "2020年5月1号",
        "2020-05-01 00:00:00",
        "2020/5/1 8:30",
        "2020-05-01T08:00:00+08:00",
        " 2020-05-01 ",
        "２０２０－０５－０１",
        "2020 - 05 - 01",
        date(2020, 5, 1),
        datetime(2020, 5, 1, 13, 45),
        pd.Timestamp("2020-05-01 10:00"),
        np.datetime64("2020-05-01"),
        43952,
        43952.0,
        43952.75,
        "43952",
        np.int64(43952),
        20200501,
    ],
)
def test_parse_date_good(raw: object) -> None:
    assert norm.parse_date(raw) == date(2020, 5, 1)


def test_excel_serials_around_the_1900_leap_bug() -> None:
    assert norm.parse_date(1) == date(1900, 1, 1)
    assert norm.parse_date(59) == date(1900, 2, 28)
    assert norm.parse_date(61) == date(1900, 3, 1)
    assert norm.parse_date(45658) == date(2025, 1, 1)
    with pytest.raises(ValueError, match="year 9999"):  # Excel's last day: a placeholder, not a date
        norm.parse_date(2958465)


@pytest.mark.parametrize("raw", [None, "", "  ", float("nan"), pd.NaT, pd.NA])
def test_parse_date_empty(raw: object) -> None:
    assert norm.parse_date(raw) is None


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("2020-13-01", "无法识别的日期 unrecognised date '2020-13-01'"),
        ("2020-02-30", "unrecognised date"),
        ("2020年05月", "a date needs a day"),
        ("2020-05", "a date needs a day"),
        ("01/05/2020", "unrecognised date"),  # day-first or month-first: ambiguous, refused
        ("2020/05-01", "unrecognised date"),  # mixed separators
        ("20-5-1", "unrecognised date"),
        ("0202-05-01", "implausible year"),
        ("明天", "unrecognised date"),
        (60, "1900-02-29"),
        (0, "out of range"),
        (3_000_000, "out of range"),
        (-5, "out of range"),
        (True, "unrecognised date"),
    ],
)
def test_parse_date_bad(raw: object, fragment: str) -> None:
    with pytest.raises(ValueError) as e:
        norm.parse_date(raw)
    assert fragment in str(e.value)


def test_parse_dates_vectorised() -> None:
    s = pd.Series(
        ["2020-05-01", "", "2020/5/2", None, "bad", datetime(2021, 1, 2), 43952, "2020-05-01"],
        index=range(10, 18),
    )
    values, errors = norm.parse_dates(s)
    assert list(values.index) == list(s.index)
    assert values.tolist() == [
        date(2020, 5, 1),
        None,
        date(2020, 5, 2),
        None,
        None,
        date(2021, 1, 2),
        date(2020, 5, 1),
        date(2020, 5, 1),
    ]
    assert [e is None for e in errors] == [True, True, True, True, False, True, True, True]
    assert "unrecognised date 'bad'" in errors[14]
    assert values.dtype == object and all(type(v) is date for v in values if v is not None)


def test_parse_dates_datetime64_series() -> None:
    s = pd.Series(pd.to_datetime(["2020-05-01", None]))
    values, errors = norm.parse_dates(s)
    assert values.tolist() == [date(2020, 5, 1), None] and errors.isna().all()


def test_parse_dates_a_million_mixed_values() -> None:
    """Vectorised parsing keeps every value right at county scale (speed: benchmarks/ingest.py)."""
    rng = np.random.default_rng(1)
    days = pd.Timestamp("1930-01-01") + pd.to_timedelta(rng.integers(0, 33_000, 1_000_000), unit="D")
    s = pd.Series(days.strftime("%Y-%m-%d"))
    s[::7] = "2020/5/1"
    values, errors = norm.parse_dates(s)
    assert errors.isna().all() and values[7] == date(2020, 5, 1)
    assert values[1] == days[1].date() and values[999_998] == days[999_998].date()


# --------------------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("3600", 3600.0),
        ("3,600.00", 3600.0),
        ("¥3600", 3600.0),
        ("￥3600", 3600.0),
        ("3600元", 3600.0),
        ("3600.5 元", 3600.5),
        ("3.6万元", 36000.0),
        ("3.6万", 36000.0),
        ("1.2亿", 120_000_000.0),
        ("３６００", 3600.0),
        ("３，６００．５０", 3600.5),
        ("RMB 3,600", 3600.0),
        ("人民币3600元整", 3600.0),
        ("-3600", -3600.0),
        ("¥-3,600", -3600.0),
        ("-¥3600", -3600.0),
        ("\u22123600", -3600.0),
        ("1,234,567.89", 1234567.89),
        ("0", 0.0),
        ("1.2E+05", 120000.0),
        (3600, 3600.0),
        (3600.5, 3600.5),
        (np.float64(12.5), 12.5),
        (None, None),
        ("", None),
        ("  ", None),
        (float("nan"), None),
    ],
)
def test_parse_amount_good(raw: object, expected: float | None) -> None:
    assert norm.parse_amount(raw) == expected


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("abc", "无法识别的金额 unrecognised amount 'abc'"),
        ("(3600)", "minus sign"),
        ("3,60", "unrecognised amount"),
        ("3600块", "unrecognised amount"),
        ("--3600", "unrecognised amount"),
        ("3600$", "unrecognised amount"),
        ("约3600", "unrecognised amount"),
        (True, "unrecognised amount"),
        (float("inf"), "unrecognised amount"),
    ],
)
def test_parse_amount_bad(raw: object, fragment: str) -> None:
    with pytest.raises(ValueError) as e:
        norm.parse_amount(raw)
    assert fragment in str(e.value)


def test_parse_amounts_vectorised() -> None:
    s = pd.Series(["3,600.00", "", "x", 1200, None, "3.6万元"])
    values, errors = norm.parse_amounts(s)
    assert values.tolist() == [3600.0, None, None, 1200.0, None, 36000.0]
    assert [e is None for e in errors] == [True, True, False, True, True, True]


# -------------------------------------------------------------------------------------- gender, share


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("男", "男"),
        ("女", "女"),
        ("男性", "男"),
        ("女性", "女"),
        ("M", "男"),
        ("f", "女"),
        ("Male", "男"),
        ("FEMALE", "女"),
        ("1", "男"),
        ("2", "女"),
        (1, "男"),
        (2.0, "女"),
        (" 男 ", "男"),
        ("Ｆ", "女"),
        ("未知", None),
        ("0", None),
        ("9", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_gender(raw: object, expected: str | None) -> None:
    assert norm.parse_gender(raw) == expected


@pytest.mark.parametrize("raw", ["x", "3", "男女", "公", 5])
def test_parse_gender_bad(raw: object) -> None:
    with pytest.raises(ValueError, match="unrecognised gender"):
        norm.parse_gender(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("30%", 0.3),
        ("30", 0.3),
        ("0.3", 0.3),
        ("30.5%", 0.305),
        ("30.5", 0.305),
        ("１５％", 0.15),
        ("100%", 1.0),
        ("0%", 0.0),
        ("0.5%", 0.005),
        ("1", 1.0),
        (" 30 % ", 0.3),
        (0.25, 0.25),
        (51, 0.51),
        (100, 1.0),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_share(raw: object, expected: float | None) -> None:
    got = norm.parse_share(raw)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("101%", "outside 0–100%"),
        ("150", "outside 0–100%"),
        ("-5%", "outside 0–100%"),
        (120.0, "outside"),
        ("三成", "unrecognised share"),
        ("30%%", "unrecognised share"),
        (True, "unrecognised share"),
    ],
)
def test_parse_share_bad(raw: object, fragment: str) -> None:
    with pytest.raises(ValueError) as e:
        norm.parse_share(raw)
    assert fragment in str(e.value)
