"""Names as they are compared across registers: the forms a person's or a company's name is matched on.

Three forms, from strict to loose (DOMAIN.md "Names without IDs"):

- :func:`plain` — the name as the adapter keeps it (NFKC: full-width → half-width; no whitespace; middle dots
  unified), plus punctuation dropped: ``张 三`` = ``张三``, ``李·四`` = ``李四``;
- :func:`folded` — also traditional and variant characters folded to simplified ones (OpenCC ``t2s``, offline,
  and a short table of variants OpenCC leaves alone): ``劉偉`` = ``刘伟``, ``衞`` = ``卫``;
- :func:`sound` — the pinyin with tones (pypinyin's character table, the usual reading): ``刘伟`` and
  ``刘玮`` sound the same (``liú wěi``) but are two names; a sound-alike never links by itself, it is
  asked (the review queue).

For companies :func:`company_folded` also drops a leading province, city or county name (``XX县``, ``XX市``)
and a bracketed place name (``建筑有限公司（XX）``) — never the legal form: 有限公司 and 有限责任公司 stay
different.  :func:`commonness` says how little a name weighs: a name whose surname is frequent and that is
short (张伟) is shared by many people.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["plain", "folded", "sound", "company_folded", "commonness", "looks_like_company"]

# Variants OpenCC's t2s leaves as they are (or folds only in phrases), as they appear in real rosters.
_VARIANTS = str.maketrans(
    {
        "衞": "卫",
        "峯": "峰",
        "羣": "群",
        "綫": "线",
        "淸": "清",
        "敎": "教",
        "戶": "户",
        "眞": "真",
        "爲": "为",
        "麪": "面",
        "堃": "坤",
        "喆": "哲",
        "昇": "升",
    }
)

_PUNCT = re.compile(r"[\s·・.。,，、'\"“”‘’`\-_—–~～*#/\\|:;：；!！?？]+")
_BRACKET = re.compile(r"[(\[【〔（][^()\[\]【】〔〕（）]*[)\]】〕）]")
#: A place suffix that is the first character of a trade word (市政 municipal works, 市场 market, 区域, 县域)
#: ends no place name: 润泽市政工程有限公司 is 润泽's municipal-works company, not a company of 润泽市.
_GLUED = {"市": "政场", "区": "域", "县": "域"}
_PLACE = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,6}?(?:省|自治区|市(?![政场])|自治州|地区|盟|县(?!域)|自治县|区(?!域)|旗))+"
)
_COMPANY_WORDS = (
    "公司",
    "厂",
    "合作社",
    "经营部",
    "工程队",
    "中心",
    "商店",
    "门市",
    "店",
    "社",
    "事务所",
    "站",
)


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc_purepy import OpenCC  # offline: the package ships its dictionaries

    return OpenCC("t2s")


@lru_cache(maxsize=1 << 16)
def plain(name: str) -> str:
    """NFKC, no whitespace or punctuation (middle dots, periods, commas, quotes, dashes …)."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", name or ""))


@lru_cache(maxsize=1 << 16)
def folded(name: str) -> str:
    """:func:`plain`, then traditional and variant characters as simplified ones."""
    p = plain(name)
    if not p or p.isascii():
        return p.upper()
    return str(_t2s().convert(p)).translate(_VARIANTS)


@lru_cache(maxsize=1 << 16)
def sound(name: str) -> str:
    """The pinyin with tones of the folded name, syllables joined by spaces ("" without Chinese)."""
    f = folded(name)
    if not f or f.isascii():
        return ""
    table = _pinyin()
    return " ".join(table.get(ord(c), c).split(",")[0] for c in f)


@lru_cache(maxsize=1)
def _pinyin() -> dict[int, str]:
    """pypinyin's character table (code point → readings with tone marks, the usual one first), read from its
    JSON file without importing the package, whose phrase tables names do not need and which takes seconds to
    load."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is needed to compare names by sound: pip install pypinyin")
    path = Path(list(spec.submodule_search_locations)[0]) / "pinyin_dict.json"
    return {int(k): v for k, v in json.loads(path.read_text(encoding="utf-8")).items()}


@lru_cache(maxsize=1 << 14)
def company_folded(name: str) -> str:
    """:func:`folded` without brackets (a bracketed place name or branch note) and without a leading place
    name (province, city, county, district): ``(广西)XX县宏达建筑有限公司`` → ``宏达建筑有限公司``.  The legal
    form stays: ``有限公司`` ≠ ``有限责任公司``."""
    f = folded(_BRACKET.sub("", unicodedata.normalize("NFKC", name or "")))
    rest = _PLACE.sub("", _strip_places(f))
    # keep the place when nothing but the legal form would be left ("XX县有限公司")
    return rest if len(rest) >= 4 and not rest.startswith(("有限", "股份")) else f


@lru_cache(maxsize=1)
def _places() -> tuple[frozenset[str], int]:
    """Every province, city and county name the shipped divisions hold (临县, 太原市, 山西省 …)."""
    from graphaudit.data import data_rows

    names = {
        r["name"]
        for f in ("provinces.csv", "cities.csv", "areas.csv")
        for r in data_rows("admin-divisions", f)
        if len(r["name"]) >= 2 and r["name"] != "市辖区"
    }
    return frozenset(names), max(map(len, names))


def _strip_places(f: str) -> str:
    """``f`` without the known place names it starts with, longest first (山西省太原市… → …)."""
    names, longest = _places()
    while True:
        for n in range(min(longest, len(f) - 4), 1, -1):
            if f[:n] in names and f[n] not in _GLUED.get(f[n - 1], ""):
                f = f[n:]
                break
        else:
            return f


def looks_like_company(name: str) -> bool:
    """A contractor's name that names a company or a cooperative rather than a person."""
    f = folded(name)
    return len(f) > 4 or any(w in f for w in _COMPANY_WORDS)


@lru_cache(maxsize=1)
def _surname_share() -> dict[str, float]:
    """Surname → its share of the population (the shipped frequency table)."""
    path = resources.files("graphaudit.data").joinpath("surnames/surnames.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [(r["surname"], float(r["frequency"])) for r in csv.DictReader(fh)]
    total = sum(f for _, f in rows) or 1.0
    return {s: f / total for s, f in rows}


def commonness(name: str) -> float:
    """0–1: how many people are likely to share the name.  A two-character name under a frequent surname
    (张伟, 王芳) is near 1; a three-character name under a rare surname near 0."""
    f = folded(name)
    if not f:
        return 1.0
    share = _surname_share()
    surname = f[:2] if f[:2] in share and len(f) > 2 else f[:1]
    s = share.get(surname, 0.0005)
    # the ten biggest surnames hold ~5–9 % each; a two-character name has far fewer given names to draw on
    base = min(1.0, s / 0.07)
    return base if len(f) - len(surname) <= 1 else base * 0.35
