"""Shared tools for planting cases: finding cadres and relatives at exact hop counts, adding clean records.

The rule that keeps cases independent and the truth exact: a relative used in a case has exactly one cadre
within 3 hops — the intended one (``cnt3 == 1``) — and each cadre and each person is used by one case only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from graphaudit.synth.background import (
    SUB_METHODS,
    TENDER_METHODS,
    THRESHOLD,
    contract_approvers,
    contract_title,
)
from graphaudit.synth.officials import ACCOUNTANT, CHAIR, in_office
from graphaudit.synth.world import Plant, World

__all__ = ["Planner", "D", "YEAR_START", "YEAR_END", "living_in", "elsewhere_in_township"]

D = np.timedelta64(1, "D")
YEAR_START = np.datetime64("2024-01-01")
YEAR_END = np.datetime64("2024-12-31")
CON_START = np.datetime64("2023-01-03")
CON_END = np.datetime64("2024-12-20")


def _month(d: np.datetime64) -> int:
    """The month of a day, as months since 1970-01."""
    # numpy accepts datetime64(a datetime64, unit); its stubs have no such overload
    return int(np.datetime64(d, "M").astype(int))  # type: ignore[call-overload]


def living_in(col: str, code: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """A ``where`` for :meth:`Planner.relatives`: persons whose ``col`` (``vil`` or ``town``) is ``code``."""
    return lambda s: (s[col] == code).to_numpy()


def elsewhere_in_township(village: str) -> Callable[[pd.DataFrame], np.ndarray]:
    """A ``where`` for :meth:`Planner.relatives`: persons in the village's township but not in the village."""
    return lambda s: ((s["vil"] != village) & (s["town"] == village[:9])).to_numpy()


class Planner:
    """Candidate queries and record helpers over one :class:`World`."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.rng = w.rng
        nf = w.near.frame()
        nf["vil"] = w.vcode[nf["node"].to_numpy()]
        nf["town"] = w.tcode[nf["node"].to_numpy()]
        nf["cnt3"] = w.cnt3[nf["node"].to_numpy()]
        nf["cnt2"] = w.cnt2[nf["node"].to_numpy()]
        self.nf = nf
        pay = w.payments()
        months = pay["date"].to_numpy().astype("datetime64[M]").astype(int)
        self.slots: set[tuple[int, str, int]] = set(
            zip(pay["recipient"].tolist(), pay["program"].tolist(), months.tolist())
        )
        self.paid = np.zeros(w.n, dtype=bool)
        self.paid[pay["recipient"].to_numpy()] = True
        self.payday = w.payday  # the township's monthly pay day, as in the background payments
        posts = w.posts
        self.posts = posts.assign(level=np.where(posts["org_code"].str.len() == 12, "village", "township"))
        self.post_level = np.array([len(o) == 12 for o in w.post_org])
        self.whole_year = in_office(
            w.post_start, w.post_end, np.full(len(w.post_org), YEAR_START)
        ) & in_office(w.post_start, w.post_end, np.full(len(w.post_org), YEAR_END))
        self._static_pristine = np.flatnonzero(w.alive & ~w.ambiguous & ~w.is_cadre & (w.cnt4 == 0))
        self.bg_pay = pay
        self.reserved: set[int] = set()  # cadres other cases should leave for the scarcest checks
        self.favours: set[tuple[int, int]] = set()  # (approver, cadre whose relative the approver paid)

    # ---- people ----------------------------------------------------------------------------------------
    def ok(self, p: int, cadre_ok: bool = False) -> bool:
        w = self.w
        return bool(w.alive[p] and not w.used[p] and not w.ambiguous[p] and (cadre_ok or not w.is_cadre[p]))

    def take(self, *persons: int) -> None:
        for p in persons:
            self.w.used[p] = True

    def cadres(
        self,
        level: str | None = None,
        titles: Sequence[str] | None = None,
        whole_year: bool = True,
        approver: bool = False,
    ) -> list[tuple[int, str, str]]:
        """Unused cadres (person, org, title) matching the filters, shuffled."""
        w = self.w
        m = np.ones(len(w.post_org), dtype=bool)
        if level:
            m &= self.post_level == (level == "village")
        if titles:
            m &= np.isin(w.post_title, list(titles))
        if approver:
            m &= np.isin(w.post_title, [ACCOUNTANT, CHAIR]) | w.post_approver
        if whole_year:
            m &= self.whole_year
        idx = np.flatnonzero(m)
        out = [
            (int(w.post_person[i]), str(w.post_org[i]), str(w.post_title[i]))
            for i in idx
            if int(w.post_person[i]) not in w.used_cadre and w.alive[int(w.post_person[i])]
        ]
        order = self.rng.permutation(len(out))
        out = [out[i] for i in order]
        return [c for c in out if c[0] not in self.reserved] + [c for c in out if c[0] in self.reserved]

    def relatives(
        self,
        cadre: int,
        dists: Sequence[int],
        where: Callable[[pd.DataFrame], np.ndarray] | None = None,
        loose: bool = False,
    ) -> list[int]:
        """Persons at one of ``dists`` hops from ``cadre`` with no other cadre within 3 hops (none at all for
        4); ``loose``: no other cadre within 2 hops (others at 3 hops allowed)."""
        nf = self.nf
        a, b = np.searchsorted(nf["cadre"].to_numpy(), [cadre, cadre + 1])
        sub = nf.iloc[a:b]
        sub = sub[sub["dist"].isin(list(dists))]
        k = 2 if loose else 3
        own = (sub["dist"] <= k).to_numpy().astype(int)
        sub = sub[(sub[f"cnt{k}"].to_numpy() - own) <= 0]
        if where is not None and len(sub):
            sub = sub[where(sub)]
        cands = [int(x) for x in sub["node"] if self.ok(int(x))]
        order = self.rng.permutation(len(cands))
        return [cands[i] for i in order]

    def household_clean(self, hh: int, allowed: set[int]) -> bool:
        """Every member's cadres within 3 hops are among ``allowed``."""
        for m in self.w.members(hh):
            cads, ds = self.w.near.cadres_near(int(m))
            if any(int(c) not in allowed for c, d in zip(cads, ds) if d <= 3):
                return False
        return True

    def pristine(self, lo: int = 1950, hi: int = 2000, unpaid: bool = False, limit: int = 80) -> list[int]:
        """Up to ``limit`` random people with no cadre within 4 hops, unused."""
        w = self.w
        st = self._static_pristine
        if not len(st):
            return []
        pick = st[self.rng.integers(0, len(st), limit * 12)]
        pick = pick[~w.used[pick] & (w.byear[pick] >= lo) & (w.byear[pick] <= hi)]
        if unpaid:
            pick = pick[~self.paid[pick]]
        return list(dict.fromkeys(pick.tolist()))[:limit]

    # ---- payments --------------------------------------------------------------------------------------
    def day(self, p: int, month: int, offset: int = 0) -> np.datetime64:
        t = self.w.tcode[p]
        return (np.datetime64("2024-01", "M") + (month - 1)).astype("datetime64[D]") + (
            self.payday[t] - 1 + offset
        )

    def free(self, p: int, program: str, dates: Sequence[np.datetime64]) -> bool:
        return all((p, program, _month(d)) not in self.slots for d in dates)

    # ---- favours between approvers: only planted reciprocal cases may return one ---------------------------
    def _kin_cadres(self, persons: Sequence[int]) -> set[int]:
        out: set[int] = set()
        for p in persons:
            cads, ds = self.w.near.cadres_near(int(p))
            out |= {int(c) for c, d in zip(cads, ds) if d <= 2}
        return out

    def favour_ok(self, approver: int, persons: Sequence[int], reciprocal: bool = False) -> bool:
        """Record that ``approver`` pays relatives of cadres; False if that would return a favour by
        accident."""
        owed = self._kin_cadres(persons) - {approver}
        if not reciprocal and any((b, approver) in self.favours for b in owed):
            return False
        self.favours |= {(approver, b) for b in owed}
        return True

    def company_people(self, company: int) -> list[int]:
        """Legal rep and person shareholders of a company and of the companies holding shares in it."""
        c = self.w.companies[company]
        out = [int(c["legal_rep"])]
        for s in self.w.shareholders:
            if s["company"] == company:
                out += [int(s["holder"])] if s["kind"] == "p" else self.company_people(int(s["holder"]))
        return out

    def pay(
        self,
        program: str,
        p: int,
        amounts: float | Sequence[float],
        dates: Sequence[np.datetime64],
        approver: int,
        account: str | None = None,
        remark: str = "",
        reciprocal: bool = False,
    ) -> list[int]:
        """Payments to ``p`` (none, if they would make approvers return each other's favours by accident)."""
        if not self.favour_ok(approver, [p], reciprocal):
            return []
        dates = list(dates)
        for d in dates:
            self.slots.add((p, program, _month(d)))
        self.paid[p] = True
        acc = account if account is not None else self.w.account(int(self.w.hh[p]))
        return self.w.add_payments(
            program, [p] * len(dates), amounts, np.array(dates, dtype="datetime64[D]"), approver, acc, remark
        )

    def approver_for(self, p: int, dates: Sequence[np.datetime64]) -> int | None:
        return self.w.clean_approver(p, str(self.w.tcode[p]), list(dates))

    # ---- contracts -------------------------------------------------------------------------------------
    def sub_dates(self, org: str) -> list[np.datetime64]:
        return [c["date"] for c in self.w.contracts if c["org_code"] == org and c["amount"] < THRESHOLD]

    def window_free(self, org: str, lo: np.datetime64, hi: np.datetime64) -> bool:
        """No sub-threshold contract of ``org`` within 91 days of [lo, hi]."""
        return all(d < lo - 91 * D or d > hi + 91 * D for d in self.sub_dates(org))

    def sub_ok(self, org: str, day: np.datetime64) -> bool:
        d = sorted(self.sub_dates(org) + [day])
        return all((d[i + 2] - d[i]) / D > 90 for i in range(len(d) - 2))

    def term_days(self, cadre: int, org: str) -> list[tuple[np.datetime64, np.datetime64]]:
        w = self.w
        m = (w.post_person == cadre) & (w.post_org == org)
        out = []
        for s, e in zip(w.post_start[m], w.post_end[m]):
            lo, hi = max(s, CON_START), min(YEAR_END if np.isnat(e) else e, CON_END)
            if hi - lo > 30 * D:
                out.append((lo, hi))
        return out

    def contract(
        self,
        org: str,
        kind: str,
        who: int,
        day: np.datetime64,
        big: bool | None = None,
        amount: float | None = None,
        suffix: str = "",
        method: str | None = None,
        title: str | None = None,
    ) -> int | None:
        """A contract of ``org`` signed on ``day`` (a tender above the threshold unless a small one fits)."""
        people = [who] if kind == "p" else self.company_people(who)
        cands = contract_approvers(self.w, org, day)
        cands = [cands[i] for i in self.rng.permutation(len(cands))]
        approver = next((a for a in cands if self.favour_ok(a, people)), None)
        if approver is None:
            return None
        rng = self.rng
        if amount is None:
            if big is None:
                big = rng.random() < 0.6 or not self.sub_ok(org, day)
            elif not big and not self.sub_ok(org, day):
                big = True
            lo, hi, digits = (120_000, 580_000, -3) if big else (30_000, 95_000, -2)
            amount = float(np.round(rng.uniform(lo, hi), digits))
        if method is None:
            pool = TENDER_METHODS if amount >= THRESHOLD else SUB_METHODS
            method = pool[int(rng.integers(len(pool)))]
        title = (title + suffix) if title else contract_title(self.w, org, suffix)
        return self.w.add_contract(org, title, kind, who, amount, day, approver, method)

    def random_day(self, lo: np.datetime64, hi: np.datetime64) -> np.datetime64:
        return lo + int(self.rng.integers(0, max(1, int((hi - lo) / D))))

    def plant(self, check: str, variant: str, note: str, persons: list[int], **kw: object) -> Plant:
        return self.w.plant(Plant(check, variant, note, persons, **kw))  # type: ignore[arg-type]

    def name(self, p: int) -> str:
        return str(self.w.names[p])

    def path_text(self, a: int, b: int) -> str:
        """The kin path a → b as Chinese relation words, e.g. 配偶→兄弟姐妹."""
        path = self.w.graph.path(a, b, limit=5)
        if not path or len(path) < 2:
            return "本人"
        e = self.w.edges
        n = self.w.n
        if not hasattr(self, "_ecodes"):
            codes = e["a"].to_numpy() * n + e["b"].to_numpy()
            order = np.argsort(codes)
            self._ecodes, self._ekind = codes[order], e["kind"].to_numpy()[order]
        words = []
        for x, y in zip(path, path[1:]):
            for code, fwd in ((x * n + y, True), (y * n + x, False)):
                i = int(np.searchsorted(self._ecodes, code))
                if i < len(self._ecodes) and self._ecodes[i] == code:
                    k = self._ekind[i]
                    words.append({"spouse": "配偶", "sibling": "兄弟姐妹"}.get(k, "子女" if fwd else "父母"))
                    break
        return "→".join(words)
