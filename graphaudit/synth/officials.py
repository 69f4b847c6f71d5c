"""Cadre posts: village 两委 (elected 2021, some earlier terms, some replaced since) and township staff.

Per village: 村党支部书记, 村委会主任 (half the villages: the same person, 一肩挑), 村会计, 村监委会主任, 1–2
村委委员. Per township: 党委书记, 镇长/乡长, 副镇长/副乡长 (in charge of civil affairs), 社会事务办主任 and
four 民政助理员 (case-workers); the last three kinds approve payments. Posts carry start and end dates; a few
ended in 2023–2024 and were taken over the next day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphaudit.synth.places import Township, Village

__all__ = [
    "make_posts",
    "in_office",
    "approves_payments",
    "VILLAGE_TITLES",
    "CASEWORKER",
    "DEPUTY",
    "OFFICE_HEAD",
]

SECRETARY, CHAIR, ACCOUNTANT, SUPERVISOR, MEMBER = (
    "村党支部书记",
    "村委会主任",
    "村会计",
    "村监委会主任",
    "村委委员",
)
VILLAGE_TITLES = (SECRETARY, CHAIR, ACCOUNTANT, SUPERVISOR, MEMBER)
CASEWORKER = "民政助理员"
DEPUTY = "副镇长"
OFFICE_HEAD = "社会事务办主任"


def _d(s: str) -> np.datetime64:
    return np.datetime64(s, "D")


def make_posts(
    rng: np.random.Generator, people: pd.DataFrame, households: pd.DataFrame, villages: list[Village]
) -> pd.DataFrame:
    """All posts: columns person, org_code, org_name, title, start, end (NaT = still in office)."""
    by = people["birth"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    ok = (people["status"].to_numpy() == "正常") & ~households["ambiguous"].to_numpy()[
        people["hh"].to_numpy()
    ]
    male = people["gender"].to_numpy() == "男"
    village = people["village"].to_numpy()
    taken = np.zeros(len(people), dtype=bool)
    rows: list[tuple[int, str, str, str, np.datetime64, np.datetime64]] = []
    nat = np.datetime64("NaT", "D")
    by_village = pd.Series(np.arange(len(people))).groupby(village).apply(lambda s: s.to_numpy()).to_dict()

    def pick(pool: np.ndarray, lo: int, hi: int, want_male: bool | None) -> int:
        m = ok[pool] & ~taken[pool] & (by[pool] >= lo) & (by[pool] <= hi)
        if want_male is not None:
            mm = m & (male[pool] == want_male)
            if mm.any():
                m = mm
        cand = pool[m]
        if not len(cand):
            cand = pool[ok[pool] & ~taken[pool]]
        p = int(cand[rng.integers(len(cand))])
        taken[p] = True
        return p

    def with_successor(
        pool: np.ndarray,
        p: int,
        code: str,
        name: str,
        title: str,
        start: np.datetime64,
        lo: int,
        hi: int,
        male_: bool | None,
    ) -> None:
        r = rng.random()
        if r < 0.07:
            end = _d("2024-02-01") + int(rng.integers(0, 270))
        elif r < 0.09:
            end = _d("2023-03-01") + int(rng.integers(0, 270))
        else:
            rows.append((p, code, name, title, start, nat))
            return
        rows.append((p, code, name, title, start, end))
        q = pick(pool, lo, hi, male_)
        rows.append((q, code, name, title, end + 1, nat))

    for v in villages:
        pool = by_village.get(v.code, np.empty(0, dtype=np.int64))
        start = _d("2021-01-10") + int(rng.integers(0, 110))
        sec = pick(pool, 1958, 1990, rng.random() < 0.9)
        if rng.random() < 0.3:
            old = pick(pool, 1950, 1975, True)
            rows.append(
                (old, v.code, v.name, SECRETARY, _d("2018-01-08") + int(rng.integers(0, 80)), start - 1)
            )
        with_successor(pool, sec, v.code, v.name, SECRETARY, start, 1958, 1990, True)
        if rng.random() < 0.5:
            rows.append((sec, v.code, v.name, CHAIR, start, nat))
        else:
            with_successor(
                pool,
                pick(pool, 1958, 1990, rng.random() < 0.85),
                v.code,
                v.name,
                CHAIR,
                start,
                1958,
                1990,
                True,
            )
        for title, n in ((ACCOUNTANT, 1), (SUPERVISOR, 1), (MEMBER, int(rng.integers(1, 3)))):
            for i in range(n):
                fem = title == MEMBER and i == 0 and rng.random() < 0.7
                with_successor(
                    pool,
                    pick(pool, 1962, 1995, False if fem else None),
                    v.code,
                    v.name,
                    title,
                    start,
                    1962,
                    1995,
                    None,
                )
    towns: dict[str, Township] = {}
    for v in villages:
        towns.setdefault(v.township.code, v.township)
    for code, t in towns.items():
        pool = np.concatenate(
            [by_village.get(v.code, np.empty(0, np.int64)) for v in villages if v.township.code == code]
        )
        name = f"{t.name}人民政府"
        chief = "镇长" if t.name.endswith("镇") else "乡长"
        deputy = "副镇长" if t.name.endswith("镇") else "副乡长"
        for title, lo, hi, male_, since, spread in (
            ("党委书记", 1965, 1985, True, "2021-06-01", 360),
            (chief, 1965, 1988, None, "2021-06-01", 360),
            (deputy, 1968, 1990, None, "2020-03-01", 900),
            (OFFICE_HEAD, 1970, 1992, None, "2019-03-01", 1200),
        ):
            rows.append(
                (pick(pool, lo, hi, male_), code, name, title, _d(since) + int(rng.integers(0, spread)), nat)
            )
        replaced = int(rng.integers(0, 4)) if rng.random() < 0.35 else -1
        for i in range(4):
            p = pick(pool, 1965, 1996, None)
            start = _d("2012-03-01") + int(rng.integers(0, 3600))
            if i == replaced:
                end = _d("2024-03-01") + int(rng.integers(0, 200))
                rows.append((p, code, name, CASEWORKER, start, end))
                rows.append((pick(pool, 1975, 1998, None), code, name, CASEWORKER, end + 1, nat))
            else:
                rows.append((p, code, name, CASEWORKER, start, nat))
    posts = pd.DataFrame(
        {
            "person": np.array([r[0] for r in rows], dtype=np.int64),
            "org_code": [r[1] for r in rows],
            "org_name": [r[2] for r in rows],
            "title": [r[3] for r in rows],
            "start": np.array([r[4] for r in rows], dtype="datetime64[D]"),
            "end": np.array([r[5] for r in rows], dtype="datetime64[D]"),
        }
    )
    return posts


def in_office(start: np.ndarray, end: np.ndarray, when: np.ndarray) -> np.ndarray:
    """True where the post covers the date (start ≤ date ≤ end, open end = still in office)."""
    s = start.astype("datetime64[D]")
    e = end.astype("datetime64[D]")
    w = when.astype("datetime64[D]")
    return (s <= w) & (np.isnat(e) | (w <= e))


def approves_payments(title: str) -> bool:
    """Township staff who approve payments: 民政助理员, 社会事务办主任, 副镇长 / 副乡长."""
    return title in (CASEWORKER, OFFICE_HEAD, "副镇长", "副乡长")
