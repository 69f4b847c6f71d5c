"""Real places for synthetic data: a county (or a prefecture's counties) and its townships, with made-up villages.

Codes come from ``<shared>/data/admin-divisions`` (areas.csv, streets.csv); villages are not in that data and are
made up as township code + ``2xx`` (the range real codes use for 村), named after the village's leading clans.
The shared folder is ``<repo>/../shared`` unless ``GRAPHAUDIT_SHARED`` says otherwise; without it a small built-in
list (吕梁市: 临县, 柳林县, 兴县) keeps the generator working.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["Township", "County", "Village", "shared_dir", "load_prefecture", "load_county",
           "DEFAULT_COUNTY", "DEFAULT_CITY", "other_area_codes"]

DEFAULT_CITY = "1411"      # 吕梁市, Shanxi (the reference documents' "L County" is in Shanxi)
DEFAULT_COUNTY = "141124"  # 临县


@dataclass(frozen=True)
class Township:
    """A township (乡/镇): 9-digit code and name."""

    code: str
    name: str


@dataclass
class County:
    """A county with its townships (乡/镇 only, in code order) and the names above it."""

    code: str
    name: str
    city: str
    province: str
    townships: list[Township] = field(default_factory=list)


@dataclass(frozen=True)
class Village:
    """A made-up administrative village: 12-digit code, name and its township."""

    code: str
    name: str
    township: Township


_FALLBACK = {
    "province": ("14", "山西省"),
    "city": ("1411", "吕梁市"),
    "counties": {
        "141124": ("临县", "临泉镇 白文镇 城庄镇 兔坂镇 克虎镇 三交镇 湍水头镇 林家坪镇 招贤镇 碛口镇 刘家会镇 丛罗峪镇 "
                   "曲峪镇 木瓜坪乡 安业乡 玉坪乡 青凉寺乡 石白头乡 雷家碛乡 八堡乡 大禹乡 车赶乡 安家庄乡",
                   "100 101 102 103 104 105 106 107 108 109 110 111 112 200 201 202 203 204 205 206 207 208 209"),
        "141125": ("柳林县", "柳林镇 穆村镇 薛村镇 庄上镇 留誉镇 三交镇 成家庄镇 孟门镇 陈家湾镇 金家庄镇 李家湾乡 "
                   "贾家垣乡 高家沟乡 石西乡 王家沟乡",
                   "100 101 102 103 104 105 106 107 108 109 200 201 204 205 206"),
        "141123": ("兴县", "蔚汾镇 魏家滩镇 瓦塘镇 康宁镇 高家村镇 罗峪口镇 蔡家会镇 交楼申乡 东会乡 固贤乡 奥家湾乡 "
                   "蔡家崖乡 孟家坪乡 赵家坪乡 圪垯上乡",
                   "100 101 102 103 104 105 106 200 202 203 204 205 207 208 209"),
    },
}


def shared_dir() -> Path | None:
    """The shared data folder, or None when it is not there."""
    env = os.environ.get("GRAPHAUDIT_SHARED")
    p = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared"
    return p if (p / "data" / "admin-divisions" / "streets.csv").is_file() else None


def _is_rural(code: str, name: str) -> bool:
    return code[6] in "12" and (name.endswith("乡") or name.endswith("镇"))


@lru_cache(maxsize=4)
def _load(shared: str | None) -> tuple[dict[str, County], dict[str, str], dict[str, str]]:
    """County code → County (all counties), city code → name, province code → name."""
    if shared is None:
        pcode, pname = _FALLBACK["province"]
        ccode, cname = _FALLBACK["city"]
        counties = {}
        for code, (name, tnames, tcodes) in _FALLBACK["counties"].items():
            ts = [Township(code + c, n) for n, c in zip(tnames.split(), tcodes.split())]
            counties[code] = County(code, name, cname, pname, ts)
        return counties, {ccode: cname}, {pcode: pname}
    base = Path(shared) / "data" / "admin-divisions"
    with open(base / "provinces.csv", encoding="utf-8") as f:
        provinces = {r["code"]: r["name"] for r in csv.DictReader(f)}
    with open(base / "cities.csv", encoding="utf-8") as f:
        cities = {r["code"]: r["name"] for r in csv.DictReader(f)}
    counties: dict[str, County] = {}
    with open(base / "areas.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            counties[r["code"]] = County(r["code"], r["name"], cities.get(r["cityCode"], ""),
                                         provinces.get(r["provinceCode"], ""))
    with open(base / "streets.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            c = counties.get(r["areaCode"])
            if c is not None and _is_rural(r["code"], r["name"]):
                c.townships.append(Township(r["code"], r["name"]))
    for c in counties.values():
        c.townships.sort(key=lambda t: t.code)
    return counties, cities, provinces


def _tables() -> tuple[dict[str, County], dict[str, str], dict[str, str]]:
    d = shared_dir()
    return _load(str(d) if d else None)


def load_county(code: str = DEFAULT_COUNTY) -> County:
    """The county with this 6-digit code (falls back to the built-in default county)."""
    counties = _tables()[0]
    return counties.get(code) or counties[DEFAULT_COUNTY]


def load_prefecture(city: str = DEFAULT_CITY) -> list[County]:
    """The counties of a prefecture (4-digit city code) that have rural townships, in code order."""
    counties = _tables()[0]
    out = [c for code, c in sorted(counties.items()) if code.startswith(city) and c.townships]
    return out or [load_county()]


def other_area_codes(province: str = "14", exclude_city: str = DEFAULT_CITY) -> list[str]:
    """County codes of the province outside one prefecture (birthplaces of people who married in)."""
    counties = _tables()[0]
    out = [c for c in sorted(counties) if c.startswith(province) and not c.startswith(exclude_city)
           and counties[c].townships]
    return out or ["140100", "140200", "140400", "140700", "141000"]
