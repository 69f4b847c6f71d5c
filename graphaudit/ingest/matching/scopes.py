"""The scopes a name is looked for in, drawn from the registers of one load: a household, a village, a
township and the county from the household register; the cadres in office on a day in an organisation, its
township, the county; the companies (graphaudit.ingest.matching)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache, partial
from typing import Any

import numpy as np
import pandas as pd

from graphaudit.ingest.matching.candidates import Candidate, Pool
from graphaudit.ingest.names import plain

__all__ = ["World", "People", "approver_pools", "person_pools", "recipient_pools", "township_of"]


class World:
    """The registers the scopes are drawn from, indexed on first use."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.tables = tables
        self._cache: dict[Any, Any] = {}

    def _memo(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def people(self) -> People:
        """The register's people, grouped by household and village (candidates made per group on use)."""
        out: People = self._memo("people", lambda: People(self.tables.get("households")))
        return out

    def pool(
        self, scope: str, group: str, cands: Callable[[], list[Candidate] | None], fold: bool = True
    ) -> Pool:
        """The pool of one scope and group (a household, a village …), made once from ``cands()``."""
        out: Pool = self._memo(("pool", scope, group), lambda: Pool(scope, cands() or [], fold=fold))
        return out

    def people_pool(
        self, scope: str, group: str, pos: Callable[[], Iterable[int]], fold: bool = True
    ) -> Pool:
        """The pool of the register's people at ``pos()`` (a village, a township, the county), made once."""
        people = self.people()
        out: Pool = self._memo(("pool", scope, group), lambda: people.pool(scope, pos(), fold))
        return out

    def cadres(self) -> dict[str, list[tuple[str, str, Any, Any, str]]]:
        """Posts by org code: (person ID, name, start, end, title); a missing name from the register."""

        def make() -> Any:
            cad = self.tables.get("cadres")
            out: dict[str, list[tuple[str, str, Any, Any, str]]] = defaultdict(list)
            if cad is None or not len(cad):
                return out
            hh = self.tables.get("households")
            reg: dict[str, str] = {}
            if hh is not None and len(hh):
                reg = dict(zip(hh["person_id"].tolist(), hh["name"].tolist()))
            for pid, name, org, s, e, t in zip(
                *(
                    cad[c].tolist()
                    for c in ("person_id", "name", "org_code", "start_date", "end_date", "title")
                )
            ):
                out[org].append((pid, name or reg.get(pid, ""), s, e, t))
            return out

        out: dict[str, list[tuple[str, str, Any, Any, str]]] = self._memo("cadres", make)
        return out

    def cadre_pool(self, scope: str, orgs: tuple[str, ...] | None, day: Any) -> Pool:
        """The cadres of ``orgs`` (None: every org) in office on ``day``; one pool per set of posts in office,
        shared by every day on which that set is the same (:meth:`_office`)."""

        def make() -> list[Candidate]:
            posts = self.cadres()
            chosen = posts.items() if orgs is None else ((o, posts.get(o, [])) for o in orgs)
            return [
                Candidate(pid, name, f"{org} {title}")
                for org, ps in chosen
                for pid, name, s, e, title in ps
                if _in_office(s, e, day)
            ]

        return self.pool(scope, f"{orgs}|{self._office(orgs, day)}", make)

    def _office(self, orgs: tuple[str, ...] | None, day: Any) -> Any:
        """What decides who of ``orgs`` is in office on ``day``: (posts begun by then, posts ended before
        then) — the set of posts with start ≤ day and end ≥ day is the same for every day with the same
        pair; "all" for a record without a date (everyone counts, see :func:`_in_office`)."""
        t = _instant(day)
        if t is None:
            return "all"

        def bounds() -> tuple[list[int], list[int]]:
            posts = self.cadres()
            chosen = posts.values() if orgs is None else (posts.get(o, []) for o in orgs)
            starts, ends = [], []
            for ps in chosen:
                for _, _, s, e, _ in ps:
                    a, b = _instant(s), _instant(e)
                    starts.append(_NEVER[0] if a is None else a)
                    ends.append(_NEVER[1] if b is None else b)
            return sorted(starts), sorted(ends)

        starts, ends = self._memo(("office", orgs), bounds)
        return bisect_right(starts, t), bisect_left(ends, t)

    def companies(self) -> Pool:
        def make() -> list[Candidate]:
            out = []
            co = self.tables.get("companies")
            if co is not None and len(co):
                out += [Candidate(k, n or "", "企业登记") for k, n in zip(co["company_id"], co["name"])]
            ct = self.tables.get("contracts")
            if ct is not None and len(ct):
                named = ct[(ct["contractor_id"].fillna("") != "") & (ct["contractor_name"].fillna("") != "")]
                out += [
                    Candidate(k, n, "合同")
                    for k, n in zip(named["contractor_id"], named["contractor_name"])
                    if not _is_pid(k)
                ]
            return out

        out: Pool = self._memo(("pool", "company"), lambda: Pool("company", make(), company=True))
        return out


def _is_pid(v: str) -> bool:
    from graphaudit.ingest.source import is_person_id

    return is_person_id(v)


_NEVER = (-(2**63), 2**63)  # a post without a start began before any day; without an end, never ends


@lru_cache(maxsize=1 << 14)
def _instant(v: Any) -> int | None:
    """A date as nanoseconds (the order Python compares dates and timestamps in); None when missing."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or pd.isna(v):
        return None
    return int(pd.Timestamp(v).value)


def _in_office(start: Any, end: Any, day: Any) -> bool:
    if day is None or (isinstance(day, float) and np.isnan(day)) or pd.isna(day):
        return True
    if start is not None and not pd.isna(start) and start > day:
        return False
    return end is None or pd.isna(end) or end >= day


class People:
    """The household register as candidates, by household, village and township."""

    def __init__(self, hh: pd.DataFrame | None) -> None:
        if hh is None or not len(hh):
            hh = pd.DataFrame(
                {c: [] for c in ("person_id", "household_id", "village_code", "name", "birth_date")}
            )
        keys = hh["person_key"] if "person_key" in hh else hh["person_id"]
        names = hh["name"].fillna("").to_numpy(dtype=object)
        self.cols = [
            keys.to_numpy(dtype=object),
            names,
            hh["household_id"].to_numpy(dtype=object),
            hh["birth_date"].to_numpy(dtype=object),
        ]
        self.n = len(hh)
        self.by_hh = _positions(hh["household_id"])
        self.by_vil = _positions(hh["village_code"])

    def _cand(self, i: int) -> Candidate:
        k, n, h, b = self.cols
        return Candidate(
            k[i], n[i], f"户{h[i]} 生{b[i]}" if b[i] is not None and not pd.isna(b[i]) else f"户{h[i]}"
        )

    def _cands(self, pos: Iterable[int]) -> list[Candidate]:
        return [self._cand(i) for i in pos]

    def household(self, h: str) -> list[Candidate]:
        return self._cands(self.by_hh.get(h, ()))

    def village(self, v: str) -> list[Candidate]:
        return self._cands(self.by_vil.get(v, ()))

    def in_village(self, v: str) -> Iterable[int]:
        return self.by_vil.get(v, ())

    def in_township(self, t: str) -> Iterable[int]:
        return [i for v, pos in self.by_vil.items() if township_of(str(v)) == t for i in pos]

    def everyone(self) -> Iterable[int]:
        return range(self.n)

    def pool(self, scope: str, pos: Iterable[int], fold: bool = True) -> Pool:
        """The people at ``pos`` as a pool whose candidates are made only when found (:meth:`Pool.lazy`)."""
        keys = self.cols[0]
        last: dict[Any, int] = {}
        for i in pos:
            last[keys[i]] = i  # one per key: the last row, in the order keys first come (as Pool)
        at = list(last.values())
        names = self.cols[1]
        return Pool.lazy(
            scope, [names[i] for i in at], [plain(names[i]) for i in at], lambda j: self._cand(at[j]), fold
        )


def _positions(col: pd.Series) -> dict[Any, np.ndarray]:
    """Row positions by value, values in the order they first come, positions ascending; missing values left
    out (as ``groupby(sort=False).indices``, without its cost on text columns)."""
    if not len(col):
        return {}
    codes, uniques = pd.factorize(col, sort=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    start = int((codes < 0).sum())  # the missing (-1) sort first
    out = {}
    for u, n in zip(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques), counts.tolist()):
        out[u] = order[start : start + n]
        start += n
    return out


def township_of(code: str) -> str:
    return code[:9] if isinstance(code, str) and len(code) == 12 else code


def approver_pools(w: World, org: str, day: Any) -> Iterator[Pool]:
    """The cadres in office on ``day``: in ``org``, its township, the county — each made only when reached."""
    yield w.cadre_pool("org", (org,), day)
    tw = township_of(org)
    if tw != org:
        yield w.cadre_pool("township", (tw,), day)
    yield w.cadre_pool("county", None, day)


def recipient_pools(w: World, people: People, household: str, village: str) -> Iterator[Pool]:
    """The register's people of the recipient's household, then of the village, each made when reached."""
    yield w.pool("household", household, partial(people.household, household))
    yield w.people_pool("village", village, partial(people.in_village, village))


def person_pools(w: World, org: str, people: People) -> Iterator[Pool]:
    """The register's people of the village ``org``, its township, the county, each made when reached."""
    yield w.people_pool("village", org, partial(people.in_village, org))
    tw = township_of(org)
    yield w.people_pool("township", tw, partial(people.in_township, tw))
    yield w.people_pool("county", "", people.everyone, fold=False)
