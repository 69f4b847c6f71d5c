"""Identifiers of the data contract: GB 11643 resident IDs (公民身份号码) and GB 32100 unified social credit
codes (统一社会信用代码, USCC).

Values come from real registers: full-width digits, stray spaces, a lower-case ``x``, the apostrophe Excel
uses to mark text, and IDs that Excel turned into numbers (``1.10101199003077E+17`` — the last digits are
lost and cannot be recovered, so such a value is kept as written and fails validation with a reason that says
so).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

__all__ = [
    "normalize_id",
    "resident_id_check_char",
    "resident_id_problem",
    "birth_date_from_id",
    "gender_from_id",
    "make_resident_id",
    "uscc_check_char",
    "uscc_problem",
    "make_uscc",
    "org_code_check_char",
    "PROVINCE_CODES",
    "USCC_CHARSET",
]

# GB/T 2260 province-level codes (first two digits of an area code), plus 81/82/83 used by the residence
# permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证).
PROVINCE_CODES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82 83".split()
)

_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_MAP = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_WS = re.compile(r"\s+")
_SCI = re.compile(r"^[+-]?(\d+)(?:\.(\d*))?E[+-]?(\d+)$")
_INT_FLOAT = re.compile(r"^(\d{1,15})\.0*$")
_SCI_MESSAGE = (
    "科学计数法，末位已丢失 Excel number in scientific notation, digits lost: re-export the column as text"
)


def normalize_id(value: Any) -> str:
    """An identifier as text: NFKC (full-width → ASCII), no whitespace, upper case, no leading apostrophe.

    Numbers Excel made of identifiers are turned back into digits where that is exact (ints; floats below
    10**15; ``1001.0`` → ``1001``; scientific notation that still carries every digit). Where digits were lost
    (``1.10101199003077E+17``) the value is returned as written so that validation fails. None/NaN/"" → "".
    """
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas NA / NaT
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper()
    text = value if isinstance(value, str) else str(value)
    if not text:
        return ""
    if not text.isascii() or not text.isalnum():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
        text = _WS.sub("", text)
        text = text.lstrip("'‘’`")
    text = text.upper()
    if "." in text:
        m = _INT_FLOAT.match(text)
        if m:
            return m.group(1)
    if "E" in text:
        return _from_scientific(text)
    return text


def _from_scientific(text: str) -> str:
    """Digits of a number in scientific notation if the mantissa spells out every digit, else the text."""
    m = _SCI.match(text)
    if not m:
        return text
    try:
        d = Decimal(text)
    except InvalidOperation:
        return text
    if d != d.to_integral_value():
        return text
    whole = str(int(d))
    written = len(m.group(1).lstrip("0")) + len(m.group(2) or "")
    return whole if written >= len(whole) else text


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits: one of 0-9 or X."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError(f"need the first 17 digits of a resident ID, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _RID_WEIGHTS))
    return _RID_MAP[total % 11]


def _birth(pid: str, start: int, year_prefix: str = "") -> date | None:
    s = year_prefix + pid[start : start + 8 - len(year_prefix)]
    try:
        return date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def resident_id_problem(pid: str) -> str | None:
    """None if ``pid`` (already normalised) is a valid 18-digit resident ID, else a short Chinese+English
    reason.

    Checks length, characters, province code, the embedded birth date (a real date, 1880 or later, not in the
    future) and the check digit.
    """
    if not isinstance(pid, str) or pid == "":
        return "证件号码为空 empty ID"
    if _SCI.match(pid):
        return _SCI_MESSAGE
    if len(pid) == 15 and pid.isdigit():
        return "15位旧号码 old 15-digit ID: use the 18-digit ID"
    if len(pid) != 18:
        return f"长度应为18位 length must be 18 (got {len(pid)})"
    if not (pid[:17].isdigit() and pid[:17].isascii() and (pid[17].isdigit() or pid[17] == "X")):
        return "含非法字符 invalid characters: 17 digits then a digit or X expected"
    if pid[:2] not in PROVINCE_CODES:
        return f"省级代码无效 invalid province code {pid[:2]}"
    born = _birth(pid, 6)
    if born is None or born.year < 1880:
        return f"出生日期无效 invalid birth date {pid[6:14]}"
    if born > date.today():
        return f"出生日期在未来 birth date in the future {pid[6:14]}"
    expected = resident_id_check_char(pid[:17])
    if pid[17] != expected:
        return f"校验位错误 bad check digit (expected {expected})"
    return None


def birth_date_from_id(pid: str) -> date | None:
    """Birth date embedded in a valid resident ID (normalised first), else None."""
    pid = normalize_id(pid)
    if resident_id_problem(pid) is not None:
        return None
    return _birth(pid, 6)


def gender_from_id(pid: str) -> str | None:
    """ "男" if the 17th digit of a valid resident ID is odd, "女" if even, None for an invalid ID."""
    pid = normalize_id(pid)
    if resident_id_problem(pid) is not None:
        return None
    return "男" if int(pid[16]) % 2 == 1 else "女"


def make_resident_id(area6: str, birth: date, seq3: int) -> str:
    """A valid resident ID from a 6-digit area code, a birth date and a 3-digit sequence number (0–999).

    An odd ``seq3`` makes a man's ID, an even one a woman's.
    """
    if len(area6) != 6 or not area6.isdigit():
        raise ValueError(f"area code must be 6 digits, got {area6!r}")
    if not 0 <= seq3 <= 999:
        raise ValueError(f"sequence number must be 0..999, got {seq3}")
    first17 = f"{area6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq3:03d}"
    return first17 + resident_id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of the first 17 characters of a USCC."""
    if len(first17) != 17 or any(c not in _USCC_VALUE for c in first17):
        raise ValueError(f"need the first 17 characters of a USCC (charset {USCC_CHARSET}), got {first17!r}")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


@lru_cache(maxsize=65536)
def uscc_problem(code: str) -> str | None:
    """None if ``code`` (already normalised) is a valid 18-character USCC, else a short Chinese+English
    reason.

    Checks length, the character set (no I, O, Z, S, V), the 6-digit area code and the check character.
    """
    if not isinstance(code, str) or code == "":
        return "代码为空 empty code"
    if _SCI.match(code):
        return _SCI_MESSAGE
    if len(code) == 15 and code.isdigit():
        return "15位旧工商注册号 old 15-digit registration number: use the 18-character USCC"
    if len(code) != 18:
        return f"长度应为18位 length must be 18 (got {len(code)})"
    bad = sorted({c for c in code if c not in _USCC_VALUE})
    if bad:
        return f"含非法字符 invalid characters {''.join(bad)} (I O Z S V are not used)"
    if not code[2:8].isdigit():
        return f"行政区划码无效 invalid area code {code[2:8]}"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"校验位错误 bad check character (expected {expected})"
    return None


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an 8-character organisation code (0-9 or X), for realistic USCCs."""
    if len(first8) != 8 or any(c not in _USCC_VALUE for c in first8):
        raise ValueError(f"need 8 code characters, got {first8!r}")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(reg_dept: str, org_type: str, area6: str, body9: str) -> str:
    """A valid USCC: registration department (1 char, e.g. "9" 工商), organisation type (1 char, e.g. "1"
    企业), 6-digit area code, 9-character organisation code body, and the computed check character."""
    first17 = f"{reg_dept}{org_type}{area6}{body9}"
    if len(reg_dept) != 1 or len(org_type) != 1 or len(area6) != 6 or not area6.isdigit() or len(body9) != 9:
        raise ValueError(f"bad USCC parts {reg_dept!r} {org_type!r} {area6!r} {body9!r}")
    return first17 + uscc_check_char(first17)
