"""How the mentions of one label, from every source, become one node per key (see :class:`LabelRules`).

A person is named by the household register and by every source that mentions someone — a cadre, a
payment's recipient and approver, a contractor, a shareholder, a legal representative, either side of a
relation.  The register's row makes the node; outside the register the first mention with a name does, in
the order below, and the person's birth date, gender and ID problem follow from the ID.  A death date any
source gives fills a person whose deciding mention has none.  Labels without rules
keep the first mention of each key, in the sources' load order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graphaudit.ingest import ids
from graphaudit.ingest.columns import (
    birth_dates,
    genders,
    map_unique,
    resident_id_problems,
    valid_resident_ids,
)
from graphaudit.ingest.mapping import Context, LabelRules, Link, Prefer
from graphaudit.places import shipped_names

__all__ = ["LABELS", "DEFAULT"]


def person_facts(people: pd.DataFrame, _: Context) -> pd.DataFrame:
    """People outside the register: ``registered`` false, and birth date, gender and ID problem from the ID
    (none for a ``~…`` key, which stands for a person without one)."""
    stub = ~people["registered"].fillna(False).astype(bool)
    people.loc[stub, "registered"] = False
    sid = people.loc[stub, "id"]
    valid = valid_resident_ids(sid)
    people.loc[stub, "birth_date"] = birth_dates(sid, valid)
    people.loc[stub, "gender"] = genders(sid, valid)
    keyed = sid.str.startswith("~").to_numpy(dtype=bool)
    problems = resident_id_problems(sid, valid).to_numpy(dtype=object, copy=True)
    problems[keyed] = None
    people.loc[stub, "id_issue"] = pd.Series(problems, index=sid.index).fillna("")
    return people


def company_facts(companies: pd.DataFrame, _: Context) -> pd.DataFrame:
    """Companies no register row describes: the USCC's problem, "" when it is valid."""
    missing = companies["id_issue"].isna()
    if missing.any():
        problems = map_unique(companies.loc[missing, "id"], lambda v: ids.uscc_problem(v) or "")
        companies.loc[missing, "id_issue"] = pd.Series(problems, index=companies.index[missing], dtype=object)
    return companies


def admin_divisions(orgs: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Every village's township too; a name from ``ctx.org_names``, else the shipped admin divisions
    (graphaudit.places), else the code, where no source gives one;
    the level from the code's length (12 digits: village, 9: township)."""
    known = set(orgs["id"].tolist())
    parents = sorted({c[:9] for c in known if len(c) == 12} - known)
    if parents:
        orgs = pd.concat([orgs, pd.DataFrame({"id": parents})], ignore_index=True)
    names = orgs["name"].tolist()
    orgs["name"] = [
        n if isinstance(n, str) and n else ctx.org_names.get(c) or shipped_names().get(c) or c
        for c, n in zip(orgs["id"].tolist(), names)
    ]
    orgs["level"] = np.where(orgs["id"].str.len() == 12, "village", "township")
    return orgs


def township_of(orgs: pd.DataFrame) -> pd.Series:
    """A village's township code (its first 9 digits); None for a township."""
    return pd.Series(
        [c[:9] if len(c) == 12 else None for c in orgs["id"].tolist()], index=orgs.index, dtype=object
    )


DEFAULT = LabelRules()

LABELS: dict[str, LabelRules] = {
    "Person": LabelRules(
        # whose word on a person outside the register counts first (for the name)
        order=(
            "households",
            "cadres",
            "subsidies.recipient",
            "contracts.contractor",
            "shareholders.holder",
            "companies.legal_rep",
            "contracts.approver",
            "subsidies.approver",
            "relations",
        ),
        prefer=(Prefer("registered"), Prefer("name")),
        fill=("death_date", "death_source"),
        complete=person_facts,
    ),
    "Household": LabelRules(
        prefer=(Prefer("address", smallest=True),),
        links=(Link("LOCATED_IN", "Org", prop="village_code"),),
    ),
    "Org": LabelRules(
        order=("orgs",),
        prefer=(Prefer("name"),),
        complete=admin_divisions,
        links=(Link("PART_OF", "Org", key=township_of),),
    ),
    "Company": LabelRules(complete=company_facts),
}
