"""GB 11643 resident IDs and GB 32100 unified social credit codes."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from graphaudit.ingest import ids

# Structured examples: area 110101 (北京市东城区), built digit by digit and checked by hand against
# ISO 7064 MOD 11-2; 11010519491231002X is the example printed in GB 11643-1999.
VALID_IDS = [
    "110101199003077774",  # man, 1990-03-07, seq 777
    "110101199205120021",  # woman, 1992-05-12, seq 002
    "11010519491231002X",  # GB 11643 example, check character X
    "440524188001010014",  # GB 11643 example, born 1880
    "310104200002290014",  # 29 Feb of a leap year
]
# Real published USCCs (company registry), plus one built with make_uscc.
VALID_USCCS = ["914403001922038216", "91110000100006485K", "9144030071526726XG", "91330100716105852F"]


@pytest.mark.parametrize("pid", VALID_IDS)
def test_valid_resident_ids(pid: str) -> None:
    assert ids.resident_id_problem(pid) is None
    assert ids.resident_id_check_char(pid[:17]) == pid[17]


def test_check_char_known_values() -> None:
    assert ids.resident_id_check_char("11010519491231002") == "X"
    assert ids.resident_id_check_char("44052418800101001") == "4"
    with pytest.raises(ValueError):
        ids.resident_id_check_char("1101051949123100")
    with pytest.raises(ValueError):
        ids.resident_id_check_char("1101051949123100A")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("110101199003077774", "110101199003077774"),
        ("11010519491231002x", "11010519491231002X"),  # lower-case x
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
        (" 110101 19900307 7774\u3000", "110101199003077774"),  # spaces, ideographic space
        ("'110101199003077774", "110101199003077774"),  # Excel text marker
        ("\u200b110101199003077774", "110101199003077774"),  # zero-width space pasted from the web
        (110101199003077774, "110101199003077774"),  # int cell
        ("1001.0", "1001"),  # float made of a household number
        (1001.0, "1001"),
        ("1.10101199003077774E+17", "110101199003077774"),  # every digit survived
        ("1.10101199003077e+17", "1.10101199003077E+17"),  # digits lost: kept as written
        (1.10101199003077e17, "1.10101199003077E+17"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        (np.int64(1001), "1001"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_id(raw: object, expected: str) -> None:
    assert ids.normalize_id(raw) == expected


def test_lower_case_and_full_width_validate_after_normalising() -> None:
    assert ids.resident_id_problem(ids.normalize_id("11010519491231002x")) is None
    assert ids.resident_id_problem(ids.normalize_id("４４０５２４１８８００１０１００１４")) is None


@pytest.mark.parametrize(
    "pid, fragment",
    [
        ("110101199003077775", "校验位错误 bad check digit (expected 4)"),
        ("11010519491231002 ", "含非法字符"),
        ("110101900307777", "15位旧号码 old 15-digit ID"),
        ("1101011990030777", "长度应为18位 length must be 18"),
        ("11010119900307777A", "含非法字符 invalid characters"),
        ("1101011990030777X4", "含非法字符 invalid characters"),
        ("990101199003077774", "省级代码无效"),
        ("000101199003077774", "省级代码无效"),
        ("110101199002300000", "出生日期无效 invalid birth date"),  # 30 Feb
        ("110101190002290000", "出生日期无效 invalid birth date"),  # 1900 was not a leap year
        ("110101199013010000", "出生日期无效 invalid birth date"),
        ("110101170001010000", "出生日期无效 invalid birth date"),  # 1700
        ("1.10101199003077E+17", "科学计数法"),
        ("", "empty"),
    ],
)
def test_invalid_resident_ids(pid: str, fragment: str) -> None:
    problem = ids.resident_id_problem(pid)
    assert problem is not None and fragment in problem


def test_future_birth_date_is_invalid() -> None:
    future = date.today() + timedelta(days=400)
    first17 = f"110101{future:%Y%m%d}001"
    pid = first17 + ids.resident_id_check_char(first17)
    assert "future" in (ids.resident_id_problem(pid) or "")


def test_birth_and_gender() -> None:
    assert ids.birth_date_from_id("110101199003077774") == date(1990, 3, 7)
    assert ids.gender_from_id("110101199003077774") == "男"
    assert ids.gender_from_id("110101199205120021") == "女"
    assert ids.birth_date_from_id("11010519491231002x") == date(1949, 12, 31)
    assert ids.gender_from_id("11010519491231002x") == "女"
    for bad in ("110101199003077775", "", "~H001:张三", "914403001922038216", "110101900307777"):
        assert ids.birth_date_from_id(bad) is None
        assert ids.gender_from_id(bad) is None


def test_make_resident_id() -> None:
    pid = ids.make_resident_id("110101", date(1990, 3, 7), 777)
    assert pid == "110101199003077774"
    assert ids.make_resident_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    for seq in (0, 1, 500, 999):
        p = ids.make_resident_id("320581", date(2001, 2, 28), seq)
        assert ids.resident_id_problem(p) is None
        assert ids.gender_from_id(p) == ("男" if seq % 2 else "女")
    with pytest.raises(ValueError):
        ids.make_resident_id("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        ids.make_resident_id("110101", date(1990, 1, 1), 1000)


@pytest.mark.parametrize("code", VALID_USCCS)
def test_valid_usccs(code: str) -> None:
    assert ids.uscc_problem(code) is None
    assert ids.uscc_check_char(code[:17]) == code[17]
    # the 9-character body is a GB 11714 organisation code with its own check character
    assert ids.org_code_check_char(code[8:16]) == code[16]


def test_uscc_check_char_maps_31_to_0() -> None:
    # find a body whose weighted sum is a multiple of 31: the check character is then "0", not "Y"+1
    for n in range(10_000):
        first17 = f"91110108{n:09d}"
        if sum(ids.USCC_CHARSET.index(c) * w for c, w in zip(first17, ids._USCC_WEIGHTS)) % 31 == 0:
            assert ids.uscc_check_char(first17) == "0"
            assert ids.uscc_problem(first17 + "0") is None
            break
    else:  # pragma: no cover
        pytest.fail("no multiple of 31 found")


def test_make_uscc() -> None:
    code = ids.make_uscc("9", "1", "110108", "MA01ABCD1")
    assert len(code) == 18 and ids.uscc_problem(code) is None
    body8 = "MA01WXY3"
    code = ids.make_uscc("9", "3", "320581", body8 + ids.org_code_check_char(body8))
    assert ids.uscc_problem(code) is None
    with pytest.raises(ValueError):
        ids.make_uscc("9", "1", "110108", "MA01ABCDI")  # I is not in the charset
    with pytest.raises(ValueError):
        ids.make_uscc("9", "1", "11010", "MA01ABCD1")


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("914403001922038217", "校验位错误 bad check character (expected 6)"),
        ("91440300192203821", "长度应为18位"),
        ("91440300192203821I", "含非法字符"),
        ("9144030019220382OS", "含非法字符"),
        ("91AB0300192203821X", "行政区划码无效"),
        ("440301103456789", "15位旧工商注册号"),
        ("", "empty"),
    ],
)
def test_invalid_usccs(code: str, fragment: str) -> None:
    problem = ids.uscc_problem(code)
    assert problem is not None and fragment in problem


def test_uscc_lower_case_and_full_width_normalise() -> None:
    assert ids.uscc_problem(ids.normalize_id("9144030071526726xg")) is None
    assert ids.uscc_problem(ids.normalize_id("９１１１００００１００００６４８５Ｋ")) is None
