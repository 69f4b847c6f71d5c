"""The finished county as canonical tables (the clean files' content), with identifiers attached."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphaudit.synth.registers import register_tables
from graphaudit.synth.world import World

__all__ = ["Tables", "finish"]


@dataclass
class Tables:
    """Canonical tables of one county plus the maps from temporary keys to record identifiers."""

    households: pd.DataFrame
    relations: pd.DataFrame
    cadres: pd.DataFrame
    companies: pd.DataFrame
    shareholders: pd.DataFrame
    contracts: pd.DataFrame
    subsidies: pd.DataFrame
    pay_id: dict[int, str]
    con_id: dict[int, str]
    pay_amount: dict[int, float]
    con_amount: dict[int, float]
    registers: dict[str, pd.DataFrame] = field(default_factory=dict)  # the collision registers, by source


def _iso(d: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(d.astype("datetime64[D]"), unit="D").astype(object)
    s[np.isnat(d.astype("datetime64[D]"))] = ""
    return s


def finish(w: World) -> Tables:
    """Attach identifiers (payment and contract numbers) and build the canonical tables."""
    p = w.people
    pid = p["pid"].to_numpy()
    name = p["name"].to_numpy()
    hh = w.households
    households = pd.DataFrame(
        {
            "household_id": hh["household_id"].to_numpy()[w.hh],
            "person_id": pid,
            "name": name,
            "relation": p["relation"].to_numpy(),
            "gender": p["gender"].to_numpy(),
            "birth_date": _iso(w.birth),
            "village_code": w.vcode,
            "address": hh["address"].to_numpy()[w.hh],
            "phone": hh["phone"].to_numpy()[w.hh],
            "death_date": _iso(w.death),
            "status": w.status,
        }
    )
    rel = w.relations
    relations = pd.DataFrame(
        {
            "person_id_a": pid[rel["a"].to_numpy()],
            "person_id_b": pid[rel["b"].to_numpy()],
            "relation": rel["relation"].to_numpy(),
        }
    )
    po = w.posts.sort_values(["org_code", "start", "title", "person"], kind="stable")
    cadres = pd.DataFrame(
        {
            "person_id": pid[po["person"].to_numpy()],
            "name": name[po["person"].to_numpy()],
            "org_code": po["org_code"].to_numpy(),
            "org_name": po["org_name"].to_numpy(),
            "title": po["title"].to_numpy(),
            "start_date": _iso(po["start"].to_numpy()),
            "end_date": _iso(po["end"].to_numpy()),
        }
    )
    comp = pd.DataFrame(w.companies)
    uscc = comp["uscc"].to_numpy() if len(comp) else np.empty(0, object)
    companies = pd.DataFrame(
        {
            "company_id": uscc,
            "name": comp["name"].to_numpy() if len(comp) else [],
            "legal_rep_id": pid[comp["legal_rep"].to_numpy()] if len(comp) else [],
            "legal_rep_name": name[comp["legal_rep"].to_numpy()] if len(comp) else [],
            "address": comp["address"].to_numpy() if len(comp) else [],
            "phone": comp["phone"].to_numpy() if len(comp) else [],
            "bank_account": comp["account"].to_numpy() if len(comp) else [],
        }
    )
    sh = pd.DataFrame(w.shareholders, columns=["company", "kind", "holder", "share"])
    is_p = sh["kind"].to_numpy() == "p"
    hold = sh["holder"].to_numpy()
    shareholders = pd.DataFrame(
        {
            "company_id": uscc[sh["company"].to_numpy()] if len(sh) else [],
            "holder_id": np.where(is_p, pid[np.where(is_p, hold, 0)], uscc[np.where(is_p, 0, hold)])
            if len(sh)
            else [],
            "holder_name": np.where(
                is_p, name[np.where(is_p, hold, 0)], comp["name"].to_numpy()[np.where(is_p, 0, hold)]
            )
            if len(sh)
            else [],
            "share": sh["share"].to_numpy(),
        }
    )
    con = w.contracts_frame().sort_values(["org_code", "date", "key"], kind="stable")
    year = con["date"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    serial = con.groupby([con["org_code"], year]).cumcount().to_numpy() + 1
    cids = [f"HT{o}{y}{s:03d}" for o, y, s in zip(con["org_code"], year, serial)]
    is_pc = con["kind"].to_numpy() == "p"
    who = con["contractor"].to_numpy().astype(np.int64)
    comp_names = comp["name"].to_numpy() if len(comp) else np.empty(0, object)
    contracts = pd.DataFrame(
        {
            "contract_id": cids,
            "title": con["title"].to_numpy(),
            "org_code": con["org_code"].to_numpy(),
            "contractor_id": np.where(
                is_pc, pid[np.where(is_pc, who, 0)], uscc[np.where(is_pc, 0, who)] if len(uscc) else ""
            ),
            "contractor_name": np.where(
                is_pc,
                name[np.where(is_pc, who, 0)],
                comp_names[np.where(is_pc, 0, who)] if len(comp_names) else "",
            ),
            "amount": con["amount"].to_numpy(),
            "sign_date": _iso(con["date"].to_numpy()),
            "approver_id": pid[con["approver"].to_numpy().astype(np.int64)],
            "method": con["method"].to_numpy(),
        }
    )
    pay = w.payments()
    pay = pay.assign(pid=pid[pay["recipient"].to_numpy()])
    pay = pay.sort_values(["date", "village", "program", "pid", "key"], kind="stable")
    month = pay["date"].to_numpy().astype("datetime64[M]")
    serial = pay.groupby(month).cumcount().to_numpy() + 1
    ym = np.char.replace(np.datetime_as_string(month, unit="M").astype(str), "-", "")
    pids = [f"FF{w.county.code}{m}{s:06d}" for m, s in zip(ym, serial)]
    subsidies = pd.DataFrame(
        {
            "payment_id": pids,
            "program": pay["program"].to_numpy(),
            "recipient_id": pay["pid"].to_numpy(),
            "recipient_name": name[pay["recipient"].to_numpy()],
            "household_id": hh["household_id"].to_numpy()[pay["hh"].to_numpy()],
            "village_code": pay["village"].to_numpy(),
            "amount": pay["amount"].to_numpy(),
            "pay_date": _iso(pay["date"].to_numpy()),
            "approver_id": pid[pay["approver"].to_numpy().astype(np.int64)],
            "bank_account": pay["account"].to_numpy(),
            "remark": pay["remark"].to_numpy(),
        }
    )
    return Tables(
        households,
        relations,
        cadres,
        companies,
        shareholders,
        contracts,
        subsidies,
        dict(zip(pay["key"].tolist(), pids)),
        dict(zip(con["key"].tolist(), cids)),
        dict(zip(pay["key"].tolist(), pay["amount"].tolist())),
        dict(zip(con["key"].tolist(), con["amount"].tolist())),
        register_tables(w),
    )
