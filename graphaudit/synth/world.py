"""One county being generated: register, kinship, posts, companies, contracts and payments, in memory.

People, households and companies are referred to by integer index while generating; identifiers (resident IDs,
USCCs, payment and contract numbers) are attached when the county is finished (:meth:`World.finish`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from graphaudit.synth.kinship import Graph, Near, derive_edges
from graphaudit.synth.officials import approves_payments, in_office
from graphaudit.synth.places import County, Village
from graphaudit.synth.population import Population

__all__ = ["World", "Plant"]

PAY_COLS = ["key", "program", "recipient", "hh", "village", "amount", "date", "approver", "account", "remark"]
CON_COLS = ["key", "org_code", "title", "kind", "contractor", "amount", "date", "approver", "method"]


@dataclass
class Plant:
    """A planted case or near-miss, before identifiers exist (records are temporary keys)."""

    check: str
    variant: str
    note: str
    persons: list[int]
    pay_keys: list[int] = field(default_factory=list)
    con_keys: list[int] = field(default_factory=list)
    companies: list[int] = field(default_factory=list)
    hops: int | None = None
    near_miss: bool = False
    org_code: str = ""


class World:
    """Mutable state of one county while it is generated."""

    def __init__(self, rng: np.random.Generator, county: County, county_index: int, pop: Population) -> None:
        self.rng = rng
        self.county = county
        self.county_index = county_index
        self.villages: list[Village] = pop.villages
        self.village = {v.code: v for v in pop.villages}
        self.people = pop.people
        self.households = pop.households
        self.relations = pop.relations
        self.n = len(self.people)
        p = self.people
        self.hh = p["hh"].to_numpy()
        self.vcode = p["village"].to_numpy()
        self.tcode = np.array([c[:9] for c in self.vcode], dtype=object) if self.n else np.empty(0, object)
        self.birth = p["birth"].to_numpy().astype("datetime64[D]")
        self.byear = self.birth.astype("datetime64[Y]").astype(int) + 1970
        self.death = p["death"].to_numpy().astype("datetime64[D]")
        self.status = p["status"].to_numpy()
        self.male = p["gender"].to_numpy() == "男"
        self.alive = self.status == "正常"
        self.relation = p["relation"].to_numpy(dtype=object)
        self.names = p["name"].to_numpy(dtype=object)
        self.pids = p["pid"].to_numpy(dtype=object)
        self.is_head = self.relation == "户主"
        self.ambiguous = self.households["ambiguous"].to_numpy()[self.hh]
        self.hh_ptr = np.searchsorted(self.hh, np.arange(len(self.households) + 1))  # people are sorted by hh
        self.edges = derive_edges(
            self.hh,
            p["relation"].to_numpy(),
            self.relations["a"].to_numpy(),
            self.relations["b"].to_numpy(),
            self.relations["relation"].to_numpy(),
        )
        self.graph = Graph.from_edges(self.n, self.edges["a"].to_numpy(), self.edges["b"].to_numpy())
        self.in_relations = np.zeros(self.n, dtype=bool)
        self.in_relations[self.relations["a"].to_numpy()] = True
        self.in_relations[self.relations["b"].to_numpy()] = True
        self.posts = pd.DataFrame()
        self.near: Near  # set by set_posts
        self.companies: list[dict[str, Any]] = []
        self.shareholders: list[dict[str, Any]] = []
        self.contracts: list[dict[str, Any]] = []
        self.pay_frames: list[pd.DataFrame] = []
        self.hh_account = np.full(len(self.households), None, dtype=object)
        self.used = np.zeros(self.n, dtype=bool)  # persons taken by a planted case or near-miss
        self.used_cadre: set[int] = set()
        self.busy_org: dict[str, list[tuple[np.datetime64, np.datetime64]]] = {}  # reserved contract windows
        self.plants: list[Plant] = []
        self._key = 0
        self._accounts: set[str] = set()
        self.company_phones: set[str] = set()
        self.household_phones: set[str] = set(self.households["phone"].tolist())
        self.payday: dict[str, int] = {}  # township → day of the month monthly programs are paid
        # the collision registers (数据碰撞), one dict per row; persons by index (see synth/registers.py)
        self.jobs: list[dict[str, Any]] = []  # person, employer, start, end
        self.vehicles: list[dict[str, Any]] = []  # person, plate, type, start, end
        self.properties: list[dict[str, Any]] = []  # person, property_id, kind, area, start, end
        self.death_list: list[dict[str, Any]] = []  # person, date, source (火化 … records)
        self.custody: list[dict[str, Any]] = []  # person, start, end
        self.declarations: list[dict[str, Any]] = []  # cadre, relative, program, date

    def members(self, hh: int) -> np.ndarray:
        """Person indices of a household."""
        return np.arange(self.hh_ptr[hh], self.hh_ptr[hh + 1])

    # ---- posts and distances -------------------------------------------------------------------------
    def set_posts(self, posts: pd.DataFrame) -> None:
        self.posts = posts.reset_index(drop=True)
        self.post_person = self.posts["person"].to_numpy()
        self.post_org = self.posts["org_code"].to_numpy(dtype=object)
        self.post_title = self.posts["title"].to_numpy(dtype=object)
        self.post_start = self.posts["start"].to_numpy().astype("datetime64[D]")
        self.post_end = self.posts["end"].to_numpy().astype("datetime64[D]")
        self.post_approver = np.array([approves_payments(t) for t in self.post_title], dtype=bool)
        self.cadre_ids = np.unique(posts["person"].to_numpy())
        self.is_cadre = np.zeros(self.n, dtype=bool)
        self.is_cadre[self.cadre_ids] = True
        self.near = Near(self.graph, self.cadre_ids, depth=4)
        self.cnt2 = self.near.count_within(2)
        self.cnt3 = self.near.count_within(3)
        self.cnt4 = self.near.count_within(4)

    def dist(self, a: int | np.ndarray, b: int | np.ndarray) -> np.ndarray:
        """Hops between cadre(s) ``a`` and person(s) ``b`` (99 when farther than 4)."""
        return self.near.dist_of(np.asarray(a), np.asarray(b))

    def approvers(self, township: str, day: np.datetime64) -> list[int]:
        """Township staff who approve payments (民政助理员, 副镇长/副乡长) in office on ``day``."""
        m = (self.post_org == township) & self.post_approver
        m &= in_office(self.post_start, self.post_end, np.full(len(m), day))
        return sorted(set(self.post_person[m].tolist()))

    def holds_all(self, person: int, org: str, days: list[np.datetime64]) -> bool:
        """True when ``person`` holds a post in ``org`` on every one of ``days``."""
        m = (self.post_person == person) & (self.post_org == org)
        if not m.any():
            return False
        s, e = self.post_start[m], self.post_end[m]
        return all(in_office(s, e, np.full(len(s), d)).any() for d in days)

    def clean_approver(self, recipient: int, township: str, days: list[np.datetime64]) -> int | None:
        """A township approver in office on all ``days`` more than 3 hops from the recipient."""
        cands = set(self.approvers(township, days[0]))
        for d in days[1:]:
            cands &= set(self.approvers(township, d))
        cands_l = sorted(cands)
        self.rng.shuffle(cands_l)
        for c in cands_l:
            if c != recipient and int(self.dist(c, recipient)) > 3:
                return int(c)
        return None

    # ---- records ---------------------------------------------------------------------------------------
    def next_keys(self, n: int) -> np.ndarray:
        k = np.arange(self._key, self._key + n)
        self._key += n
        return k

    def account(self, hh: int) -> str:
        """The bank account (社保卡/一卡通) of a household, created on first use."""
        if self.hh_account[hh] is None:
            self.hh_account[hh] = self.new_account()
        return str(self.hh_account[hh])

    def new_account(self) -> str:
        while True:
            a = "6228" + str(int(self.rng.integers(10**14, 10**15)))
            if a not in self._accounts:
                self._accounts.add(a)
                return a

    def set_household_accounts(self, hhs: np.ndarray) -> None:
        """Vectorised: give every listed household an account."""
        need = np.unique(hhs[[self.hh_account[h] is None for h in hhs]]) if len(hhs) else hhs
        nums = self.rng.integers(10**14, 10**15, len(need) * 2)
        acc = pd.unique(np.array(["6228" + str(x) for x in nums], dtype=object))
        fresh = [a for a in acc if a not in self._accounts][: len(need)]
        self._accounts.update(fresh)
        self.hh_account[need] = fresh

    def add_payments(
        self,
        program: str,
        recipient: list[int] | np.ndarray,
        amount: Any,
        date: Any,
        approver: Any,
        account: Any = None,
        remark: Any = "",
    ) -> list[int]:
        """Append payments (vectorised over recipients/dates); returns their keys."""
        recipient = np.atleast_1d(np.asarray(recipient, dtype=np.int64))
        n = len(recipient)
        keys = self.next_keys(n)
        hh = self.hh[recipient]
        if account is None:
            account = [self.account(int(h)) for h in hh]
        df = pd.DataFrame(
            {
                "key": keys,
                "program": program,
                "recipient": recipient,
                "hh": hh,
                "village": self.vcode[recipient],
                "amount": np.round(np.broadcast_to(np.asarray(amount, dtype=float), n), 2),
                "date": np.broadcast_to(np.asarray(date, dtype="datetime64[D]"), n),
                "approver": np.broadcast_to(np.asarray(approver, dtype=np.int64), n),
                "account": np.broadcast_to(np.asarray(account, dtype=object), n),
                "remark": np.broadcast_to(np.asarray(remark, dtype=object), n),
            }
        )
        self.pay_frames.append(df)
        return keys.tolist()

    def payments(self) -> pd.DataFrame:
        """All payments so far, in key order."""
        if not self.pay_frames:
            return pd.DataFrame(columns=PAY_COLS)
        df = pd.concat(self.pay_frames, ignore_index=True)
        self.pay_frames = [df]
        return df

    def add_contract(
        self,
        org: str,
        title: str,
        kind: str,
        contractor: int,
        amount: float,
        date: np.datetime64,
        approver: int,
        method: str,
    ) -> int:
        key = int(self.next_keys(1)[0])
        self.contracts.append(
            {
                "key": key,
                "org_code": org,
                "title": title,
                "kind": kind,
                "contractor": contractor,
                "amount": round(float(amount), 2),
                # numpy accepts datetime64(a datetime64, unit); its stubs have no such overload
                "date": np.datetime64(date, "D"),  # type: ignore[call-overload]
                "approver": approver,
                "method": method,
            }
        )
        return key

    def add_company(
        self,
        name: str,
        legal_rep: int,
        address: str,
        phone: str,
        account: str,
        uscc: str,
        holders: list[tuple[str, int, float]],
        township: str,
        holding: bool = False,
    ) -> int:
        i = len(self.companies)
        self.companies.append(
            {
                "i": i,
                "uscc": uscc,
                "name": name,
                "legal_rep": legal_rep,
                "address": address,
                "phone": phone,
                "account": account,
                "township": township,
                "holding": holding,
            }
        )
        for kind, h, share in holders:
            self.shareholders.append({"company": i, "kind": kind, "holder": h, "share": round(share, 4)})
        return i

    def contracts_frame(self) -> pd.DataFrame:
        return (
            pd.DataFrame(self.contracts, columns=CON_COLS)
            if self.contracts
            else pd.DataFrame(columns=CON_COLS)
        )

    def plant(self, p: Plant) -> Plant:
        self.plants.append(p)
        return p
