"""Normalised source tables → the property graph (:class:`GraphFrames`), independent of any store.

Both stores load exactly these frames, so they hold the same graph.  People and companies that other
sources mention but the register does not hold (an approver from the township, a contractor from outside
the county) become nodes with ``registered = false``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphaudit.ingest import ids
from graphaudit.ingest.columns import (
    birth_dates,
    dedupe_sorted,
    genders,
    map_unique,
    resident_id_problems,
    to_str_series,
    valid_resident_ids,
)
from graphaudit.ingest.kinship import derive_kinship
from graphaudit.ingest.source import Issue, is_person_id
from graphaudit.model import MODEL, GraphFrames

__all__ = ["build_graph", "norm_phone", "norm_address", "norm_account", "phones", "addresses", "accounts"]


def norm_phone(v: object) -> str:
    """Digits of a phone number without a +86/0086 prefix; '' when it has fewer than 7 digits."""
    d = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(v or "")))
    for prefix in ("0086", "86"):
        if d.startswith(prefix) and len(d) - len(prefix) == 11:
            d = d[len(prefix) :]
    return d if len(d) >= 7 else ""


def norm_address(v: object) -> str:
    """An address compared as written, without white space or full-width forms."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v or "")))


def norm_account(v: object) -> str:
    """A bank account number as letters and digits only."""
    return re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", str(v or ""))).upper()


# Text that NFKC leaves as it is: ASCII, the middle dot and CJK Unified Ideographs (no decompositions).
_NFKC_STABLE = r"^[\x00-\x7f\x{b7}\x{4e00}-\x{9fff}]*$"


def _text_column(
    values: pd.Series | list[object],
    fast: Callable[[pa.Array], pa.Array],
    fn: Callable[[object], str],
    stable: str = "ascii",
) -> pd.Series:
    """``fn`` of every cell as a "str" Series: ``fast`` computes it for the whole column at once where NFKC
    leaves a cell as it is (ASCII; also Chinese characters when ``stable`` is "cjk"), ``fn`` itself the rest,
    once per distinct value."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    try:
        arr = pa.array(
            s.to_numpy(dtype=object) if s.dtype == object else s.array, pa.large_string(), from_pandas=True
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # cells that are not text: the scalar function, per value
        return pd.Series(map_unique(s, fn).tolist(), index=s.index, dtype="str")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    easy = pc.string_is_ascii(arr) if stable == "ascii" else pc.match_substring_regex(arr, _NFKC_STABLE)
    slow = ~np.asarray(easy.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    out = fast(arr.fill_null(""))
    if slow.any():
        rest = np.flatnonzero(slow)
        fixed = map_unique(pd.Series(arr.take(pa.array(rest)).to_pylist(), dtype=object), fn)
        out = pc.replace_with_mask(out, pa.array(slow), pa.array(fixed.tolist(), pa.large_string()))
    return to_str_series(out, s.index)


def _phones_fast(arr: pa.Array) -> pa.Array:
    d = pc.replace_substring_regex(arr, r"[^0-9]", "")
    n = pc.binary_length(d)
    d = pc.if_else(
        pc.and_(pc.starts_with(d, "0086"), pc.equal(n, 15)),
        pc.utf8_slice_codeunits(d, 4),
        pc.if_else(pc.and_(pc.starts_with(d, "86"), pc.equal(n, 13)), pc.utf8_slice_codeunits(d, 2), d),
    )
    return pc.if_else(pc.greater_equal(pc.binary_length(d), 7), d, pa.scalar("", pa.large_string()))


def phones(values: pd.Series) -> pd.Series:
    """:func:`norm_phone` of every cell."""
    return _text_column(values, _phones_fast, norm_phone)


def addresses(values: pd.Series) -> pd.Series:
    """:func:`norm_address` of every cell."""
    return _text_column(
        values,
        lambda a: pc.replace_substring_regex(a, r"[\t\n\x0b\x0c\r\x1c-\x1f ]+", ""),
        norm_address,
        stable="cjk",
    )


def accounts(values: pd.Series) -> pd.Series:
    """:func:`norm_account` of every cell."""
    return _text_column(
        values, lambda a: pc.utf8_upper(pc.replace_substring_regex(a, r"[^0-9A-Za-z]", "")), norm_account
    )


def _person_ids(values: pd.Series) -> np.ndarray:
    """:func:`is_person_id` of every cell, as a bool array."""
    return map_unique(values, is_person_id).astype(bool)


def _plain(df: pd.DataFrame, keep_text: bool = False) -> pd.DataFrame:
    """The frame as graph frames hold it: object columns, None for every missing value.  With ``keep_text``
    "str" columns stay as they are (Arrow-backed, NaN for missing values)."""
    out = {}
    for c in df.columns:
        col = df[c]
        if isinstance(col.dtype, pd.StringDtype):
            out[c] = col if keep_text else col.to_numpy(dtype=object, na_value=None)
        else:
            vals = col.to_numpy(dtype=object, copy=True)
            vals[pd.isna(vals)] = None
            out[c] = pd.Series(vals, index=df.index, dtype=object)
    return pd.DataFrame(out, index=df.index, dtype=None if keep_text else object)


def _frame(label: str, rows: pd.DataFrame, plain: bool = True) -> pd.DataFrame:
    cols = list(MODEL.nodes[label].properties)
    out = pd.DataFrame({c: rows[c] if c in rows else None for c in cols}, index=rows.index)
    return _plain(dedupe_sorted(out, ["id"], ["id"]), keep_text=not plain)


def _positional(v: Iterable[object]) -> object:
    """A column's values by position (a Series' index is ignored, as ``list(series)`` would)."""
    return v.array if isinstance(v, pd.Series) else list(v)


def _rel(
    rtype: str,
    frm: Iterable[str],
    to: Iterable[str],
    unique_sorted: bool = False,
    plain: bool = True,
    **props: Iterable[object],
) -> pd.DataFrame:
    """A relationship frame: rows without both ends dropped, duplicates dropped, sorted by (from, to).
    ``unique_sorted`` says the rows are already unique and in that order (kinship frames); ``plain=False``
    leaves the columns as they come (see :func:`build_graph`)."""
    df = pd.DataFrame(
        {"from": _positional(frm), "to": _positional(to), **{k: _positional(v) for k, v in props.items()}}
    )
    df = df[df["from"].notna() & df["from"].ne("") & df["to"].notna() & df["to"].ne("")]
    want = ["from", "to", *MODEL.rels[rtype].properties]
    for c in want:
        if c not in df:
            df[c] = None
    return _plain(
        df[want].reset_index(drop=True) if unique_sorted else dedupe_sorted(df[want], want[:2]),
        keep_text=not plain,
    )


def _empty(t: dict[str, pd.DataFrame], name: str, cols: list[str]) -> pd.DataFrame:
    df = t.get(name)
    return df if df is not None else pd.DataFrame(columns=cols)


def build_graph(
    tables: dict[str, pd.DataFrame],
    org_names: dict[str, str] | None = None,
    into: GraphFrames | None = None,
    plain: bool = True,
) -> tuple[GraphFrames, list[Issue]]:
    """The whole graph from merged, normalised source tables (see ingest.pipeline).

    Every node frame is built before any relationship frame, and kinship comes last: the embedded store
    COPYs each frame while the next ones are being built.  ``into`` is the (empty) GraphFrames to fill, e.g. a :class:`graphaudit.ingest.stream.GraphStream`;
    a new one by default.

    Frames are plain by default: object columns, None for every missing value.  ``plain=False`` leaves the
    "str" columns as they are (Arrow-backed, NaN for a missing value) instead of turning every value into a
    Python object: a store that hands the frames to Arrow (the embedded store) gets the same Arrow tables —
    Arrow reads NaN in a text column as null, as it reads None — at a fraction of the cost."""
    org_names = org_names or {}
    hh = _empty(tables, "households", ["person_key"])
    rel = tables.get("relations")
    cad = _empty(tables, "cadres", ["person_id", "org_code"])
    com = _empty(tables, "companies", ["company_id"])
    sha = _empty(tables, "shareholders", ["company_id", "holder_id"])
    con = _empty(tables, "contracts", ["contract_id"])
    sub = _empty(tables, "subsidies", ["payment_id"])
    g = GraphFrames() if into is None else into
    node_frame, rel_frame = partial(_frame, plain=plain), partial(_rel, plain=plain)
    issues: list[Issue] = []

    # People: the register first, then everyone else the sources name.
    reg = hh.rename(columns={"person_key": "id_", "person_id_issue": "id_issue"}).copy()
    reg["id"] = reg["id_"]
    reg["registered"] = True
    reg.loc[reg["person_id"] == "", "id_issue"] = "缺少证件号码 missing ID"
    people = [reg]
    mentioned: list[tuple[pd.Series, pd.Series | None]] = [
        (cad["person_id"], cad.get("name")),
        (sub["recipient_id"], sub.get("recipient_name")),
        (
            con.loc[_person_ids(con["contractor_id"]), "contractor_id"] if len(con) else con["contractor_id"],
            con.loc[_person_ids(con["contractor_id"]), "contractor_name"] if len(con) else None,
        ),
        (
            sha.loc[_person_ids(sha["holder_id"]), "holder_id"] if len(sha) else sha["holder_id"],
            sha.loc[_person_ids(sha["holder_id"]), "holder_name"] if len(sha) else None,
        ),
        (com.get("legal_rep_id", pd.Series(dtype=object)), com.get("legal_rep_name")),
        (con.get("approver_id", pd.Series(dtype=object)), None),
        (sub.get("approver_id", pd.Series(dtype=object)), None),
    ]
    if rel is not None and len(rel):
        mentioned += [(rel["person_id_a"], rel.get("name_a")), (rel["person_id_b"], rel.get("name_b"))]
    for idcol, namecol in mentioned:
        if idcol is None or not len(idcol):
            continue
        s = pd.DataFrame({"id": idcol.values, "name": namecol.values if namecol is not None else None})
        s = s[s["id"].notna() & (s["id"] != "")]
        people.append(s)
    allp = pd.concat(people, ignore_index=True)
    stub = ~allp["registered"].fillna(False).astype(bool)
    allp.loc[stub, "registered"] = False
    sid = allp.loc[stub, "id"]
    valid = valid_resident_ids(sid)
    allp.loc[stub, "birth_date"] = birth_dates(sid, valid)
    allp.loc[stub, "gender"] = genders(sid, valid)
    keyed = sid.str.startswith("~").to_numpy(dtype=bool)
    problems = resident_id_problems(sid, valid).to_numpy(dtype=object, copy=True)
    problems[keyed] = None
    allp.loc[stub, "id_issue"] = pd.Series(problems, index=sid.index).fillna("")
    # a stub mentioned with a name and without one: keep the first name given
    allp["_named"] = allp["name"].notna() & (allp["name"] != "")
    allp = allp.sort_values(["registered", "_named"], ascending=False, kind="stable")
    g.nodes["Person"] = node_frame("Person", allp)

    # Households and organisations.
    if len(hh):
        hrows = hh.rename(columns={"household_id": "id"})
        g.nodes["Household"] = node_frame(
            "Household", hrows.sort_values("address", na_position="last", kind="stable")
        )
    else:
        g.nodes["Household"] = node_frame("Household", pd.DataFrame(columns=["id"]))
    codes: dict[str, str] = {}
    for c, n in zip(cad.get("org_code", []), cad.get("org_name", [])):
        if c and n and c not in codes:
            codes[c] = n
    allcodes = set(codes)
    for col in (hh.get("village_code"), con.get("org_code"), sub.get("village_code")):
        if col is not None:
            allcodes |= {c for c in col.dropna().unique().tolist() if isinstance(c, str) and c}
    allcodes |= {c[:9] for c in allcodes if len(c) == 12}
    orgs = pd.DataFrame({"id": sorted(allcodes)})
    orgs["name"] = orgs["id"].map(lambda c: codes.get(c) or org_names.get(c) or c)
    orgs["level"] = orgs["id"].map(lambda c: "village" if len(c) == 12 else "township")
    g.nodes["Org"] = node_frame("Org", orgs)

    # Companies, with stubs for those only named as shareholder or contractor.
    cstubs = [com]
    if len(sha):
        cstubs.append(pd.DataFrame({"id": sha["company_id"]}))
        held = sha[~_person_ids(sha["holder_id"])]
        cstubs.append(pd.DataFrame({"id": held["holder_id"], "name": held["holder_name"]}))
    if len(con):
        cc = con[~_person_ids(con["contractor_id"])]
        cstubs.append(pd.DataFrame({"id": cc["contractor_id"], "name": cc["contractor_name"]}))
    comp = pd.concat(
        [c.rename(columns={"company_id": "id", "company_id_issue": "id_issue"}) for c in cstubs],
        ignore_index=True,
    )
    if len(comp):
        comp["id_issue"] = comp["id_issue"].where(
            comp["id_issue"].notna(), comp["id"].map(lambda v: ids.uscc_problem(v) or "")
        )
    g.nodes["Company"] = node_frame("Company", comp)

    # Contracts; payments and programmes.
    g.nodes["Contract"] = node_frame("Contract", con.rename(columns={"contract_id": "id"}))
    pay = sub.rename(columns={"payment_id": "id"}).copy()
    if len(pay):
        pay["bank_account"] = accounts(pay["bank_account"])
    g.nodes["Payment"] = node_frame("Payment", pay)
    g.nodes["Program"] = node_frame("Program", pd.DataFrame({"id": sorted(set(sub.get("program", [])))}))

    # Phones, addresses and accounts: nodes are the values the relationships to them name.
    persons, companies = g.nodes["Person"], g.nodes["Company"]
    phone_of = [(persons["id"], phones(persons["phone"])), (companies["id"], phones(companies["phone"]))]
    addrs = [
        (persons["id"], addresses(persons["address"])),
        (companies["id"], addresses(companies["address"])),
    ]
    account_of = [(pay["recipient_id"], pay["bank_account"])] if len(pay) else []
    account_of.append((companies["id"], accounts(companies["bank_account"])))
    paid_into = rel_frame("PAID_INTO", pay["id"], pay["bank_account"]) if len(pay) else None
    held_by: dict[tuple[str, str, str], pd.DataFrame] = {}
    for label, rtype, pairs, node in (
        ("Person", "HAS_PHONE", phone_of[:1], "Phone"),
        ("Company", "HAS_PHONE", phone_of[1:], "Phone"),
        ("Person", "HAS_ADDRESS", addrs[:1], "Address"),
        ("Company", "HAS_ADDRESS", addrs[1:], "Address"),
        ("Person", "HAS_ACCOUNT", account_of[:-1], "BankAccount"),
        ("Company", "HAS_ACCOUNT", account_of[-1:], "BankAccount"),
    ):
        frm = pd.concat([a for a, _ in pairs]) if pairs else pd.Series(dtype=object)
        to = pd.concat([b for _, b in pairs]) if pairs else pd.Series(dtype=object)
        held_by[(rtype, label, node)] = rel_frame(rtype, frm, to)
    ends = [*held_by.items(), *([(("PAID_INTO", "Payment", "BankAccount"), paid_into)] if len(pay) else [])]
    for node in ("Phone", "Address", "BankAccount"):
        vals = set()
        for (_t, _a, b), df in ends:
            if b == node:
                vals |= set(df["to"].tolist())
        g.nodes[node] = node_frame(node, pd.DataFrame({"id": sorted(vals)}))

    # Relationships.
    villages = [c for c in orgs["id"] if len(c) == 12]
    g.rels[("PART_OF", "Org", "Org")] = rel_frame("PART_OF", villages, [c[:9] for c in villages])
    if len(hh):
        g.rels[("MEMBER_OF", "Person", "Household")] = rel_frame(
            "MEMBER_OF", hh["person_key"], hh["household_id"], relation=hh["relation"]
        )
        g.rels[("LOCATED_IN", "Household", "Org")] = rel_frame(
            "LOCATED_IN", g.nodes["Household"]["id"], g.nodes["Household"]["village_code"]
        )
    g.rels[("HOLDS", "Person", "Org")] = rel_frame(
        "HOLDS",
        cad["person_id"],
        cad["org_code"],
        title=cad.get("title", []),
        start_date=cad.get("start_date", []),
        end_date=cad.get("end_date", []),
    )
    if len(com):
        g.rels[("LEGAL_REP_OF", "Person", "Company")] = rel_frame(
            "LEGAL_REP_OF", com["legal_rep_id"], com["company_id"]
        )
    if len(sha):
        isp = pd.Series(_person_ids(sha["holder_id"]), index=sha.index)
        for a, cond in (("Person", isp), ("Company", ~isp)):
            s = sha[cond]
            g.rels[("SHAREHOLDER_OF", a, "Company")] = rel_frame(
                "SHAREHOLDER_OF", s["holder_id"], s["company_id"], share=s["share"]
            )
    if len(con):
        g.rels[("ISSUED", "Org", "Contract")] = rel_frame("ISSUED", con["org_code"], con["contract_id"])
        isp = pd.Series(_person_ids(con["contractor_id"]), index=con.index)
        g.rels[("AWARDED_TO", "Contract", "Company")] = rel_frame(
            "AWARDED_TO", con.loc[~isp, "contract_id"], con.loc[~isp, "contractor_id"]
        )
        g.rels[("AWARDED_TO", "Contract", "Person")] = rel_frame(
            "AWARDED_TO", con.loc[isp, "contract_id"], con.loc[isp, "contractor_id"]
        )
    if len(pay):
        g.rels[("PAID_TO", "Payment", "Person")] = rel_frame("PAID_TO", pay["id"], pay["recipient_id"])
        g.rels[("APPROVED", "Person", "Payment")] = rel_frame("APPROVED", pay["approver_id"], pay["id"])
        g.rels[("UNDER", "Payment", "Program")] = rel_frame("UNDER", pay["id"], pay["program"])
        g.rels[("IN_ORG", "Payment", "Org")] = rel_frame("IN_ORG", pay["id"], pay["village_code"])
        g.rels[("PAID_INTO", "Payment", "BankAccount")] = paid_into
    if len(con):
        g.rels[("APPROVED", "Person", "Contract")] = rel_frame(
            "APPROVED", con["approver_id"], con["contract_id"]
        )
    for key, df in held_by.items():
        g.rels[key] = df
    # Kinship last: it takes longest, and the store COPYs the other relationships meanwhile.
    if len(hh):
        kin, kin_issues = derive_kinship(hh, rel)
        issues += kin_issues
    elif rel is not None and len(rel):
        kin, _ = derive_kinship(
            pd.DataFrame(columns=["household_id", "person_key", "role", "_file", "_row"]), rel
        )
    else:
        kin = None
    if kin is not None:
        for rtype, df in kin.frames().items():
            g.rels[(rtype, "Person", "Person")] = rel_frame(
                rtype, df["from"], df["to"], unique_sorted=True, source=df["source"]
            )
    return g, issues
