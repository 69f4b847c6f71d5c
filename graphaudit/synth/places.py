"""Real places for synthetic data: a county (or a prefecture's counties) and its townships, with made-up
villages.

Codes come from the admin divisions the package ships (``graphaudit/data/admin-divisions``: provinces, cities,
areas, streets); villages are not in that data and are made up as township code + ``2xx`` (the range real
codes use for 村), named after the village's leading clans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from graphaudit.data import data_rows

__all__ = [
    "Township",
    "County",
    "Village",
    "load_prefecture",
    "load_county",
    "DEFAULT_COUNTY",
    "DEFAULT_CITY",
    "other_area_codes",
]

DEFAULT_CITY = "1411"  # 吕梁市, Shanxi (the reference documents' "L County" is in Shanxi)
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


def _is_rural(code: str, name: str) -> bool:
    return code[6] in "12" and (name.endswith("乡") or name.endswith("镇"))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, County], dict[str, str], dict[str, str]]:
    """County code → County (all counties), city code → name, province code → name."""
    provinces = {r["code"]: r["name"] for r in data_rows("admin-divisions", "provinces.csv")}
    cities = {r["code"]: r["name"] for r in data_rows("admin-divisions", "cities.csv")}
    counties: dict[str, County] = {}
    for r in data_rows("admin-divisions", "areas.csv"):
        counties[r["code"]] = County(
            r["code"], r["name"], cities.get(r["cityCode"], ""), provinces.get(r["provinceCode"], "")
        )
    for r in data_rows("admin-divisions", "streets.csv"):
        c = counties.get(r["areaCode"])
        if c is not None and _is_rural(r["code"], r["name"]):
            c.townships.append(Township(r["code"], r["name"]))
    for c in counties.values():
        c.townships.sort(key=lambda t: t.code)
    return counties, cities, provinces


def load_county(code: str = DEFAULT_COUNTY) -> County:
    """The county with this 6-digit code (falls back to the built-in default county)."""
    counties = _tables()[0]
    return counties.get(code) or counties[DEFAULT_COUNTY]


def load_prefecture(city: str = DEFAULT_CITY) -> list[County]:
    """The counties of a prefecture (4-digit city code) that have rural townships, in code order; an error
    for a city the shipped admin divisions have no such county of (no silent one-county "prefecture")."""
    counties = _tables()[0]
    out = [c for code, c in sorted(counties.items()) if code.startswith(city) and c.townships]
    if not out:
        raise ValueError(
            f"地市 {city}: 行政区划数据中没有含乡镇的县 no county with rural townships in city {city}"
        )
    return out


def other_area_codes(province: str = "14", exclude_city: str = DEFAULT_CITY) -> list[str]:
    """County codes of the province outside one prefecture (birthplaces of people who married in)."""
    counties = _tables()[0]
    out = [
        c
        for c in sorted(counties)
        if c.startswith(province) and not c.startswith(exclude_city) and counties[c].townships
    ]
    return out or ["140100", "140200", "140400", "140700", "141000"]
