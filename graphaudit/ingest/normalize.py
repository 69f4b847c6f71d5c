"""Values as they come from real registers: text, names, headers, dates, amounts, genders and shares.

Scalar parsers raise :class:`ValueError` with a Chinese+English reason; the vectorised ``parse_dates`` and
``parse_amounts`` return (values, errors) per row instead. Both work on the distinct values of a column
(``pandas.factorize``) with a cached scalar parser, so a million-row column costs one parse per distinct
value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from graphaudit.model import MODEL

__all__ = [
    "normalize_text",
    "normalize_name",
    "normalize_header",
    "parse_date",
    "parse_dates",
    "parse_amount",
    "parse_amounts",
    "parse_gender",
    "parse_share",
    "parse_each",
]

_WS = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_DOTS = str.maketrans(dict.fromkeys("・•‧∙⋅･", "·"))
_CJK_PERIOD = re.compile(r"(?<=[^\x00-\x7f])[.。](?=[^\x00-\x7f])")


def _missing(v: Any) -> bool:
    """None, NaN, NaT and pandas NA."""
    if v is None:
        return True
    if isinstance(v, float):
        return v != v
    return v is pd.NaT or v is pd.NA or (isinstance(v, np.datetime64) and np.isnat(v))


def _scalar_text(v: Any) -> str:
    """A non-string cell value (number, date) as the text a user would read in the cell."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _nfkc(s: str) -> str:
    return s if s.isascii() else unicodedata.normalize("NFKC", s).translate(_INVISIBLE)


def normalize_text(v: Any) -> str:
    """NFKC, stripped, internal whitespace runs (incl. U+3000) collapsed to one space; None/NaN → ""."""
    if type(v) is str:
        return _text_str(v)
    if _missing(v):
        return ""
    return _text_str(_scalar_text(v))


@lru_cache(maxsize=1 << 18)
def _text_str(s: str) -> str:
    return " ".join(_nfkc(s).split())


def normalize_name(v: Any) -> str:
    """A person's or company's name: NFKC, no whitespace at all ("张 三" → "张三"), middle dots as "·".

    A "." or "。" between two non-ASCII characters (阿卜杜拉.买买提) is taken for a middle dot too.
    """
    if type(v) is str:
        return _name_str(v)
    if _missing(v):
        return ""
    return _name_str(_scalar_text(v))


@lru_cache(maxsize=1 << 18)
def _name_str(s: str) -> str:
    s = "".join(_nfkc(s).split())
    if not s.isascii():
        s = s.translate(_DOTS)
        if "." in s or "。" in s:
            s = _CJK_PERIOD.sub("·", s)
    return s


def normalize_header(h: Any) -> str:
    """A column header for matching: NFKC (full-width parentheses → ASCII), no whitespace, lower case,
    without the leading/trailing asterisks that mark required fields ("*姓名" → "姓名")."""
    if _missing(h):
        return ""
    s = h if isinstance(h, str) else _scalar_text(h)
    s = _WS.sub("", unicodedata.normalize("NFKC", s).translate(_INVISIBLE)).lower()
    return s.strip("*")


# ---------------------------------------------------------------------------------------------------- dates

_TIME = r"(?:[T\s]*\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATE_FORMS = [
    re.compile(r"^(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})" + _TIME + "$"),
    re.compile(r"^(\d{4})\s*()年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?" + _TIME + "$"),
    re.compile(r"^(\d{4})()(\d{2})(\d{2})" + _TIME + "$"),
]
_MONTH_ONLY = re.compile(r"^\d{4}\s*(?:[-/.年])\s*\d{1,2}\s*月?$")
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_MIN_YEAR = 1800


def _bad_date(v: Any, why: str = "") -> str:
    return f"无法识别的日期 unrecognised date {str(v)!r}" + (f" ({why})" if why else "")


def _from_serial(x: float, original: Any) -> date:
    """Excel serial day number, 1900 date system (with Excel's phantom 1900-02-29 = serial 60)."""
    if not (1 <= x <= 2958465) or x != x:
        raise ValueError(_bad_date(original, "Excel serial number out of range"))
    day = int(math.floor(x))
    if day == 60:
        raise ValueError(_bad_date(original, "Excel serial 60 is the non-existent 1900-02-29"))
    return _checked(_EXCEL_EPOCH + timedelta(days=day if day > 60 else day + 1), original)


#: Dates more than this many years after today are mistakes (9999-12-31 as "no end", a typed 2204).
FUTURE_YEARS = 30


def max_year() -> int:
    """The last year a register date may fall in."""
    return date.today().year + FUTURE_YEARS


def _checked(d: date, original: Any) -> date:
    if d.year < _MIN_YEAR:
        raise ValueError(_bad_date(original, f"implausible year {d.year}"))
    if d.year > max_year():
        raise ValueError(
            _bad_date(original, f"年份过远 year {d.year} is more than {FUTURE_YEARS} years ahead")
        )
    return d


@lru_cache(maxsize=1 << 17)
def _date_from_text(s: str) -> tuple[date | None, str | None]:
    """(date, None) or (None, reason) for a text cell; cached because registers repeat dates a lot."""
    t = _nfkc(s).strip()
    if not t:
        return None, None
    for form in _DATE_FORMS:
        m = form.match(t)
        if m:
            try:
                return _checked(date(int(m.group(1)), int(m.group(3)), int(m.group(4))), s), None
            except ValueError as e:
                return None, str(e) if "无法识别" in str(e) else _bad_date(s)
    if _MONTH_ONLY.match(t):
        return None, _bad_date(s, "日期缺少日 a date needs a day")
    if _SERIAL_TEXT.match(t):
        try:
            return _from_serial(float(t), s), None
        except ValueError as e:
            return None, str(e)
    return None, _bad_date(s)


def parse_date(v: Any) -> date | None:
    """A date from a register cell, or None if empty.

    Accepts 2020-05-01, 2020/5/1, 2020.5.1, 20200501, 2020年5月1日, any of these followed by a time, date /
    datetime / pandas Timestamp / numpy datetime64 objects, Excel serial numbers (1–2958465, 1900 system, also
    as 5-digit text) and 8-digit numbers yyyymmdd. Raises ValueError with a reason for anything else.
    """
    if _missing(v):
        return None
    if isinstance(v, str):
        d, err = _date_from_text(v)
        if err:
            raise ValueError(err)
        return d
    if isinstance(v, datetime):  # includes pandas Timestamp
        return _checked(v.date(), v)
    if isinstance(v, date):
        return _checked(v, v)
    if isinstance(v, np.datetime64):
        return _checked(pd.Timestamp(v).date(), v)
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        x = float(v)
        if 19000101 <= x <= 99991231 and x.is_integer():
            return parse_date(str(int(x)))
        return _from_serial(x, v)
    raise ValueError(_bad_date(v, type(v).__name__))


def parse_each(series: pd.Series, parse: Callable[[Any], Any]) -> tuple[pd.Series, pd.Series]:
    """Apply a scalar parser (raising ValueError) once per distinct value of a column; (value or None, error
    text or None) per row, object dtype.  Missing cells (None, NaN) give (None, None)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    vals: list[Any] = []
    errs: list[str | None] = []
    for u in uniques.tolist():
        try:
            vals.append(parse(u))
            errs.append(None)
        except ValueError as e:
            vals.append(None)
            errs.append(str(e))
    vals.append(None)  # code -1: NaN / None
    errs.append(None)
    v_arr = np.empty(len(vals), dtype=object)
    v_arr[:] = vals
    e_arr = np.empty(len(errs), dtype=object)
    e_arr[:] = errs
    return (
        pd.Series(v_arr[codes], index=series.index, dtype=object),
        pd.Series(e_arr[codes], index=series.index, dtype=object),
    )


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_date`: (datetime.date or None per row, error text or None per row)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = pd.Series([None if pd.isna(t) else t.date() for t in series], index=series.index, dtype=object)
        return out, pd.Series(None, index=series.index, dtype=object)
    from graphaudit.ingest.columns import iso_dates

    iso, dates = iso_dates(series, _MIN_YEAR, max_year())  # the common case, for the whole column at once
    if not iso.any():
        return parse_each(series, parse_date)
    vals = np.full(len(series), None, dtype=object)
    errs = np.full(len(series), None, dtype=object)
    vals[iso] = dates
    rest = np.flatnonzero(~iso)
    if len(rest):
        v, e = parse_each(series.iloc[rest], parse_date)
        vals[rest], errs[rest] = v.to_numpy(dtype=object), e.to_numpy(dtype=object)
    return pd.Series(vals, index=series.index, dtype=object), pd.Series(
        errs, index=series.index, dtype=object
    )


# -------------------------------------------------------------------------------------------------- amounts

_AMOUNT = re.compile(
    r"^([+-]?)(?:¥|RMB|CNY|人民币)?([+-]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:E[+-]?\d+)?|\.\d+)(万|亿)?(?:元整?|圆整?)?$",
    re.IGNORECASE,
)
_SCALE = {"": Decimal(1), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
#: Largest amount taken as money (一万亿元): beyond it a cell is a mistake (an ID pasted as amount, 1E999).
MAX_AMOUNT = 1e12
_MAX_AMOUNT_CHARS = 40
#: Decimals an amount is kept to, as model.yaml declares it (``double(2)``: yuan to the fen); a cell with
#: more (Excel's 1234.5600000000001, a computed 1000/3) is rounded half up, 四舍五入.
AMOUNT_DECIMALS = MODEL.nodes["Payment"].decimals["amount"]
#: Decimals a shareholding (a fraction 0..1) is kept to, as model.yaml declares it (``double(6)``).
SHARE_DECIMALS = MODEL.rels["SHAREHOLDER_OF"].decimals["share"]


def to_decimals(x: Decimal | float, n: int) -> float:
    """``x`` rounded half up (四舍五入) to ``n`` decimals, as the float nearest to that decimal."""
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    return float(d.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_UP))


def _bad_amount(v: Any, why: str = "") -> str:
    return f"无法识别的金额 unrecognised amount {str(v)!r}" + (f" ({why})" if why else "")


@lru_cache(maxsize=1 << 17)
def _amount_from_text(s: str) -> tuple[float | None, str | None]:
    if len(s) > 4 * _MAX_AMOUNT_CHARS:
        return None, _bad_amount(s[:20] + "…", f"{len(s):,} characters")
    t = _WS.sub("", _nfkc(s)).replace("\u2212", "-")
    if not t:
        return None, None
    if len(t) > _MAX_AMOUNT_CHARS:
        return None, _bad_amount(t[:20] + "…", f"{len(t):,} characters")
    m = _AMOUNT.match(t)
    if not m or (m.group(1) and m.group(2)):
        if t.startswith("(") and t.endswith(")") or t.startswith("（"):
            return None, _bad_amount(s, "负数请用减号 use a minus sign for a negative amount")
        return None, _bad_amount(s)
    try:
        x = Decimal(m.group(3).replace(",", "")) * _SCALE[m.group(4) or ""]
        f = float(x)
    except (DecimalException, OverflowError, ValueError):
        return None, _bad_amount(s)
    why = _amount_range(f)
    if why:
        return None, _bad_amount(s, why)
    f = to_decimals(x, AMOUNT_DECIMALS)
    return (-f if "-" in (m.group(1), m.group(2)) else f), None


def _amount_range(f: float) -> str | None:
    """Why a number is no amount of money: not finite, or beyond :data:`MAX_AMOUNT`; None if it is one."""
    if not math.isfinite(f):
        return "不是有限数 not a finite number"
    if abs(f) > MAX_AMOUNT:
        return f"超过{MAX_AMOUNT:.0e}元 beyond {MAX_AMOUNT:,.0f} yuan"
    return None


def parse_amount(v: Any) -> float | None:
    """Money in yuan, or None if empty: 3600, 3,600.00, ¥3600, ￥3600, 3600元, 3600.5 元, 3.6万元 (→ 36000),
    full-width digits, Excel numbers; to the fen (:data:`AMOUNT_DECIMALS`, rounded half up). A negative
    amount needs a minus sign. Raises ValueError for garbage."""
    if _missing(v):
        return None
    if isinstance(v, str):
        x, err = _amount_from_text(v)
        if err:
            raise ValueError(err)
        return x
    if isinstance(v, bool):
        raise ValueError(_bad_amount(v))
    if isinstance(v, (int, float, Decimal, np.integer, np.floating)):
        try:
            f = float(v)
        except (OverflowError, ValueError):
            raise ValueError(_bad_amount(v)) from None
        why = _amount_range(f)
        if why:
            raise ValueError(_bad_amount(v, why))
        return to_decimals(f, AMOUNT_DECIMALS)
    raise ValueError(_bad_amount(v, type(v).__name__))


def parse_amounts(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised :func:`parse_amount`: (float or None per row, error text or None per row), object dtype."""
    return parse_each(series, parse_amount)


# ------------------------------------------------------------------------------------------ gender and share

_GENDERS: dict[str, str | None] = {
    "男": "男",
    "男性": "男",
    "m": "男",
    "male": "男",
    "1": "男",
    "女": "女",
    "女性": "女",
    "f": "女",
    "female": "女",
    "2": "女",
    # GB/T 2261.1: 0 未知的性别, 9 未说明的性别
    "0": None,
    "9": None,
    "未知": None,
    "未说明": None,
    "不详": None,
}


def parse_gender(v: Any) -> str | None:
    """ "男" or "女" from 男/女, 男性/女性, M/F, male/female, 1/2 (GB/T 2261.1); None if empty or 未知/0/9.
    Raises ValueError for anything else."""
    if _missing(v):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        s = _scalar_text(v)
    elif isinstance(v, str):
        s = _WS.sub("", _nfkc(v)).lower()
    else:
        s = str(v)
    if s == "":
        return None
    if s in _GENDERS:
        return _GENDERS[s]
    raise ValueError(f"无法识别的性别 unrecognised gender {str(v)!r}")


_SHARE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def parse_share(v: Any) -> float | None:
    """A shareholding as a fraction 0..1 to :data:`SHARE_DECIMALS` decimals: 30%, 30.5%, 0.3, 30 (a value
    above 1 without % is a percent).
    None if empty; raises ValueError for garbage or anything outside 0–100%."""
    if _missing(v):
        return None
    if isinstance(v, bool):
        raise ValueError(f"无法识别的持股比例 unrecognised share {v!r}")
    percent = False
    if isinstance(v, (int, float, Decimal, np.integer, np.floating)):
        if not math.isfinite(float(v)):
            raise ValueError(f"无法识别的持股比例 unrecognised share {v!r}")
        x = Decimal(repr(float(v)))
    else:
        s = _WS.sub("", _nfkc(str(v)[:200]))
        if s == "":
            return None
        if len(s) > 40:
            raise ValueError(f"无法识别的持股比例 unrecognised share {str(v)[:20]!r}…")
        if s.endswith("%"):
            percent, s = True, s[:-1]
        if not _SHARE.match(s):
            raise ValueError(f"无法识别的持股比例 unrecognised share {str(v)!r}")
        x = Decimal(s)
    if percent or x > 1:
        x = x / 100
    if not 0 <= x <= 1:
        raise ValueError(f"持股比例超出范围 share outside 0–100% {str(v)!r}")
    return to_decimals(x, SHARE_DECIMALS)
