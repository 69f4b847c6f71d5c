"""The scopes a name is looked for in, drawn from the registers of one load: a household, a village, a
township and the county from the household register; the cadres in office on a day in an organisation, its
township, the county; the companies (graphaudit.ingest.matching)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from graphaudit.ingest.matching.candidates import Candidate, Pool

__all__ = ["World", "People", "approver_pools", "person_pools", "township_of"]


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
        def make() -> list[Candidate]:
            posts = self.cadres()
            chosen = posts.items() if orgs is None else ((o, posts.get(o, [])) for o in orgs)
            return [
                Candidate(pid, name, f"{org} {title}")
                for org, ps in chosen
                for pid, name, s, e, title in ps
                if _in_office(s, e, day)
            ]

        return self.pool(scope, f"{orgs}|{day}", make)

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
        self.cols = [
            keys.to_numpy(dtype=object),
            hh["name"].fillna("").to_numpy(dtype=object),
            hh["household_id"].to_numpy(dtype=object),
            hh["birth_date"].to_numpy(dtype=object),
        ]
        self.n = len(hh)
        self.by_hh = hh.groupby("household_id", sort=False).indices if len(hh) else {}
        self.by_vil = hh.groupby("village_code", sort=False).indices if len(hh) else {}

    def _cands(self, pos: Iterable[int]) -> list[Candidate]:
        k, n, h, b = self.cols
        return [
            Candidate(
                k[i], n[i], f"户{h[i]} 生{b[i]}" if b[i] is not None and not pd.isna(b[i]) else f"户{h[i]}"
            )
            for i in pos
        ]

    def household(self, h: str) -> list[Candidate]:
        return self._cands(self.by_hh.get(h, ()))

    def village(self, v: str) -> list[Candidate]:
        return self._cands(self.by_vil.get(v, ()))

    def township(self, t: str) -> list[Candidate]:
        return [c for v, pos in self.by_vil.items() if township_of(str(v)) == t for c in self._cands(pos)]

    def everyone(self) -> list[Candidate]:
        return self._cands(range(self.n))


def township_of(code: str) -> str:
    return code[:9] if isinstance(code, str) and len(code) == 12 else code


def approver_pools(w: World, org: str, day: Any) -> Iterator[Pool]:
    """The cadres in office on ``day``: in ``org``, its township, the county — each made only when reached."""
    yield w.cadre_pool("org", (org,), day)
    tw = township_of(org)
    if tw != org:
        yield w.cadre_pool("township", (tw,), day)
    yield w.cadre_pool("county", None, day)


def person_pools(w: World, org: str, people: People) -> Iterator[Pool]:
    """The register's people of the village ``org``, its township, the county, each made when reached."""
    yield w.pool("village", org, partial(people.village, org))
    tw = township_of(org)
    yield w.pool("township", tw, partial(people.township, tw))
    yield w.pool("county", "", people.everyone, fold=False)
