"""The register-collision checks of DOMAIN.md over the generated records (the truth's side of them).

Semantics (rule values from the shipped policy file, graphaudit/policy.yaml):
- ineligible_recipient: a means-tested payment (低保, 特困供养) whose recipient's register household has a
  member who on the pay date is a public employee in post (start ≤ date ≤ end), owns a counted vehicle
  (register ≤ date < deregister; exempt types not counted), holds more 住宅 than allowed (distinct
  properties, register ≤ date < deregister), or is a company's legal rep or person shareholder. One case
  per recipient.
- imprisoned_recipient: custody start < pay_date ≤ custody end (or no end), grace 0. One case per recipient.
- concurrent_benefits: two or more programmes of one exclusive set paid to one recipient in one calendar
  month; records = those months' payments under the set. One case per recipient and set.
- above_standard: amount > the programme's monthly standard. One case per recipient and programme.
- undeclared_kin_benefit: the cadre_family_beneficiary payments under a programme that needs 备案 (低保) not
  covered by a 备案 of one of the cadres that link the payment, for that recipient, with the programme or
  none, dated on or before the pay date. One case per recipient.
- cadre_family_beneficiary keeps the other programmes once a 备案 exists at all; deceased_recipient takes
  the cremation list's date where the register has none.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from graphaudit.policy import Policy, default_policy
from graphaudit.synth.world import World

__all__ = ["register_checks", "death_dates", "split_family"]


def _approvers_first(g: pd.DataFrame) -> list[int]:
    g = g.sort_values("key")
    return list(dict.fromkeys(g["approver"].astype(int).tolist() + g["recipient"].astype(int).tolist()))


def _frame(rows: list[dict[str, object]], cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=cols)


def _dates(s: pd.Series) -> np.ndarray:
    return s.to_numpy().astype("datetime64[D]")


def death_dates(w: World) -> np.ndarray:
    """Per person: the register's death date, else the cremation list's."""
    out = w.death.copy()
    for r in w.death_list:
        p = int(r["person"])
        if np.isnat(out[p]):
            out[p] = np.datetime64(r["date"], "D")
    return out


def _ineligible(w: World, pay: pd.DataFrame, pol: Policy) -> list[tuple[int, int]]:
    """(payment key, member) pairs flagged."""
    from graphaudit.synth.verify import company_people

    mt = pay[pay["program"].isin(pol.means_tested)][["key", "hh", "date"]]
    if not len(mt):
        return []
    members = pd.DataFrame({"member": np.arange(w.n), "hh": w.hh})
    mt = mt.merge(members, on="hh")
    hits: list[tuple[int, int]] = []
    jobs = _frame(w.jobs, ["person", "employer", "start", "end"])
    if len(jobs):
        j = mt.merge(jobs, left_on="member", right_on="person")
        s, e, d = _dates(j["start"]), _dates(j["end"]), _dates(j["date"])
        ok = (s <= d) & (np.isnat(e) | (d <= e))
        hits += list(zip(j["key"][ok], j["member"][ok]))
    veh = _frame(w.vehicles, ["person", "plate", "type", "start", "end"])
    if len(veh):
        veh = veh[[pol.vehicle_counts(t) for t in veh["type"]]]
        j = mt.merge(veh, left_on="member", right_on="person")
        s, e, d = _dates(j["start"]), _dates(j["end"]), _dates(j["date"])
        ok = (s <= d) & (np.isnat(e) | (d < e))
        hits += list(zip(j["key"][ok], j["member"][ok]))
    props = _frame(w.properties, ["person", "property_id", "kind", "area", "start", "end"])
    if len(props):
        props = props[[pol.housing_counts(k) for k in props["kind"]]]
        j = mt.merge(props, left_on="member", right_on="person")
        s, e, d = _dates(j["start"]), _dates(j["end"]), _dates(j["date"])
        j = j[(s <= d) & (np.isnat(e) | (d < e))]
        n = j.groupby("key")["property_id"].nunique()
        over = set(n[n > pol.housing_max_properties].index)
        j = j[j["key"].isin(over)]
        hits += list(zip(j["key"], j["member"]))
    cp = company_people(w)
    cp = cp[cp["level"] == 1]
    j = mt.merge(cp[["person"]].drop_duplicates(), left_on="member", right_on="person")
    hits += list(zip(j["key"], j["member"]))
    return [(int(k), int(m)) for k, m in hits]


def register_checks(w: World, pay: pd.DataFrame) -> list[tuple[str, list[int], list[int]]]:
    """(check, persons, payment keys) for the five collision checks that need no kinship."""
    pol = default_policy()
    out: list[tuple[str, list[int], list[int]]] = []
    hits = _ineligible(w, pay, pol)
    if hits:
        flagged: dict[int, set[int]] = defaultdict(set)
        for k, m in hits:
            flagged[k].add(m)
        sub = pay[pay["key"].isin(flagged)]
        for _r, g in sub.groupby("recipient", sort=True):
            members = sorted(
                {m for k in g["key"] for m in flagged[int(k)]} - {int(g["recipient"].to_numpy()[0])}
            )
            out.append(("ineligible_recipient", _approvers_first(g) + members, sorted(g["key"].tolist())))
    cus = _frame(w.custody, ["person", "start", "end"])
    if len(cus):
        j = pay.merge(cus, left_on="recipient", right_on="person")
        s, e, d = _dates(j["start"]), _dates(j["end"]), _dates(j["date"])
        j = j[(s < d) & (np.isnat(e) | (d <= e))].drop_duplicates("key")
        for _r, g in j.groupby("recipient", sort=True):
            out.append(("imprisoned_recipient", _approvers_first(g), sorted(g["key"].tolist())))
    for group in pol.exclusive_sets:
        p = pay[pay["program"].isin(group)]
        p = p.assign(month=_dates(p["date"]).astype("datetime64[M]"))
        n = p.groupby(["recipient", "month"])["program"].transform("nunique")
        hit = p[n >= 2]
        for _r, g in hit.groupby("recipient", sort=True):
            out.append(("concurrent_benefits", _approvers_first(g), sorted(g["key"].tolist())))
    std = pol.standards
    p = pay[pay["program"].isin(list(std))]
    p = p[p["amount"].to_numpy(dtype=float) > p["program"].map(std).to_numpy(dtype=float) + 0.005]
    for _k, g in p.groupby(["recipient", "program"], sort=True):
        out.append(("above_standard", _approvers_first(g), sorted(g["key"].tolist())))
    return out


def split_family(w: World, j: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cadre_family_beneficiary rows (payment × linking cadre, with ``program`` and ``d``) split into
    those cadre_family_beneficiary keeps and those undeclared_kin_benefit flags (once any 备案 exists)."""
    if not w.declarations:
        return j, j.iloc[0:0]
    needs = set(default_policy().declared_programs)
    declared = j["program"].isin(needs).to_numpy()
    filed: dict[tuple[int, int], list[tuple[str, np.datetime64]]] = defaultdict(list)
    for d in w.declarations:
        filed[(int(d["cadre"]), int(d["relative"]))].append(
            (str(d["program"] or ""), np.datetime64(d["date"], "D"))
        )
    cov = set()
    for c, r, k, prog, day in zip(j["cadre"], j["recipient"], j["key"], j["program"], _dates(j["date"])):
        if any(p in ("", prog) and when <= day for p, when in filed.get((int(c), int(r)), [])):
            cov.add(int(k))
    ukb = j[declared & ~j["key"].isin(cov).to_numpy()]
    return j[~declared], ukb
