"""Name normalisation (graphaudit.ingest.names) against tables of variants as they appear in real rosters."""

from __future__ import annotations

import pytest

from graphaudit.ingest.names import commonness, company_folded, folded, looks_like_company, plain, sound

# (as written, as registered): the same name
SAME_PERSON = [
    ("张 三", "张三"),  # a stray space
    ("张\u3000三", "张三"),  # an ideographic space
    ("ＺＨＡＮＧ", "ZHANG"),  # full width
    ("阿卜杜拉.买买提", "阿卜杜拉·买买提"),  # a period for the middle dot
    ("阿卜杜拉・买买提", "阿卜杜拉买买提"),  # a katakana middle dot, or none
    ("劉偉", "刘伟"),  # traditional
    ("張國強", "张国强"),
    ("陳麗華", "陈丽华"),
    ("鄭曉東", "郑晓东"),
    ("黃鳳英", "黄凤英"),
    ("衞東", "卫东"),  # a variant OpenCC leaves alone
    ("陳峯", "陈峰"),
    ("趙 淑 蘭", "赵淑兰"),
]

# (a, b): two different names, even folded
DIFFERENT = [
    ("刘伟", "刘玮"),  # sound-alikes
    ("张伟", "章伟"),
    ("王芳", "王方"),
    ("李明", "李明明"),
]


@pytest.mark.parametrize(("written", "registered"), SAME_PERSON)
def test_variants_fold_to_the_registered_name(written: str, registered: str) -> None:
    assert folded(written) == folded(registered)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_stay_different(a: str, b: str) -> None:
    assert folded(a) != folded(b)


def test_plain_keeps_characters_and_drops_spacing_and_punctuation() -> None:
    assert plain("劉 偉") == "劉偉"  # plain does not fold characters
    assert plain("李·四") == "李四"
    assert plain(" 王五，") == "王五"


@pytest.mark.parametrize(("a", "b"), [("刘伟", "刘玮"), ("劉偉", "刘玮"), ("张伟", "章玮"), ("陈静", "陈靖")])
def test_sound_alikes_share_pinyin_with_tones(a: str, b: str) -> None:
    assert sound(a) == sound(b) and sound(a)


@pytest.mark.parametrize(("a", "b"), [("刘伟", "刘威"), ("王芳", "王放"), ("李明", "黎明")])
def test_other_tones_are_not_sound_alikes(a: str, b: str) -> None:
    assert sound(a) != sound(b)


SAME_COMPANY = [
    ("太原市强盛建筑有限公司", "强盛建筑有限公司"),  # a city prefix
    ("山西省太原市强盛建筑有限公司", "强盛建筑有限公司"),  # province and city
    ("凌云县宏达建筑工程有限公司", "宏达建筑工程有限公司"),  # a county prefix
    ("宏达建筑工程有限公司（凌云）", "宏达建筑工程有限公司"),  # a bracketed place
    ("(广西)凌云县宏达建筑工程有限公司", "宏达建筑工程有限公司"),
    ("宏達建築工程有限公司", "宏达建筑工程有限公司"),  # traditional
    ("宏达建筑工程 有限公司", "宏达建筑工程有限公司"),
    ("临县宝丰建筑工程有限公司", "宝丰建筑工程有限公司"),  # a one-character county (临县)
    ("臨縣寶豐建築工程有限公司", "宝丰建筑工程有限公司"),
    ("临县临县润泽市政工程有限公司", "润泽市政工程有限公司"),  # the county twice; 市政 is no city
    ("臨縣華泰市政工程有限公司", "华泰市政工程有限公司"),
    ("临县东方市政工程有限公司(临县)", "东方市政工程有限公司"),  # 东方市 is a city, but not here
    ("太原市市政工程有限公司", "市政工程有限公司"),
]
DIFFERENT_COMPANY = [
    ("强盛建筑有限公司", "强盛建筑有限责任公司"),  # never the legal form
    ("太原市强盛建筑有限公司", "太原市强盛建筑有限责任公司"),
    ("强盛建筑有限公司", "强盛建材有限公司"),
    ("凌云县有限公司", "有限公司"),  # the place stays when only the legal form would be left
    ("新区建筑有限公司", "建筑有限公司"),  # 新区 is no place name
    ("润泽市政工程有限公司", "华泰市政工程有限公司"),  # 市政 (municipal works) is no city: the names stay
    ("东方市政工程有限公司", "市政工程有限公司"),
    ("宏图市场服务有限公司", "万通市场服务有限公司"),
]


@pytest.mark.parametrize(("a", "b"), SAME_COMPANY)
def test_company_variants_fold(a: str, b: str) -> None:
    assert company_folded(a) == company_folded(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_COMPANY)
def test_company_legal_form_and_words_stay(a: str, b: str) -> None:
    assert company_folded(a) != company_folded(b)


def test_commonness_weighs_frequent_short_names_most() -> None:
    assert commonness("张伟") > 0.9
    assert commonness("王芳") > commonness("王建国") > commonness("禤建国")
    assert commonness("欧阳明") < commonness("王明")  # a compound surname is read as one


def test_company_or_person() -> None:
    assert looks_like_company("宏达建筑有限公司") and looks_like_company("张家庄种植合作社")
    assert not looks_like_company("李军") and not looks_like_company("欧阳明")
