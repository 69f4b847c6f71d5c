"""What real registers look like: mixed date and amount formats, stray spaces, lower-case x, missing and
broken IDs, extra columns. Everything is drawn from the generator's RNG, so messy output is as deterministic
as clean.

IDs that a planted case, a near-miss or any other file depends on are never blanked or broken; the ones that
are go to the manifest (truth.json → messy_manifest).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from graphaudit.synth._codes import ID_MAP

__all__ = ["messy_dates", "messy_amounts", "messy_names", "lower_x", "break_ids", "blank_recipients"]


def _fmt_date(iso: str, k: int) -> str:
    if not iso:
        return ""
    y, m, d = iso[:4], iso[5:7], iso[8:10]
    if k == 0:
        return iso
    if k == 1:
        return f"{y}/{int(m)}/{int(d)}"
    if k == 2:
        return f"{y}{m}{d}"
    return f"{y}年{int(m)}月{int(d)}日"


def messy_dates(rng: np.random.Generator, s: pd.Series, p_iso: float = 0.4) -> pd.Series:
    """ISO dates rewritten as 2020/5/1, 20200501 or 2020年5月1日 (about 60% of rows)."""
    k = np.where(rng.random(len(s)) < p_iso, 0, rng.integers(1, 4, len(s)))
    return pd.Series(
        [_fmt_date(str(v) if isinstance(v, str) else "", int(j)) for v, j in zip(s, k)],
        index=s.index,
        dtype=object,
    )


def messy_amounts(rng: np.random.Generator, s: pd.Series, gbk: bool) -> pd.Series:
    """Amounts as 3600, 3,600.00, ¥3600 (￥ in GBK files) or 3600元."""
    yen = "￥" if gbk else "¥"
    k = rng.integers(0, 4, len(s))
    out = []
    for v, j in zip(s.to_numpy(dtype=float), k):
        plain = f"{v:.2f}".rstrip("0").rstrip(".")
        out.append(
            plain if j == 0 else f"{v:,.2f}" if j == 1 else f"{yen}{plain}" if j == 2 else f"{plain}元"
        )
    return pd.Series(out, index=s.index, dtype=object)


def messy_names(rng: np.random.Generator, s: pd.Series, rate: float = 0.03) -> pd.Series:
    """A few names with a stray space, a trailing space or a full-width space between surname and given
    name."""
    vals = s.to_numpy(dtype=object).copy()
    hit = np.flatnonzero(rng.random(len(vals)) < rate)
    kinds = rng.integers(0, 3, len(hit))
    for i, k in zip(hit, kinds):
        v = str(vals[i])
        vals[i] = (v[0] + "\u3000" + v[1:]) if k == 0 and len(v) > 1 else (" " + v) if k == 1 else (v + " ")
    return pd.Series(vals, index=s.index, dtype=object)


def lower_x(rng: np.random.Generator, s: pd.Series, rate: float = 0.5) -> pd.Series:
    """Resident IDs ending in X written with a lower-case x in about half the rows."""
    vals = s.to_numpy(dtype=object).copy()
    ends = np.array([isinstance(v, str) and len(v) == 18 and v.endswith("X") for v in vals], dtype=bool)
    flip = ends & (rng.random(len(vals)) < rate)
    vals[flip] = [v[:17] + "x" for v in vals[flip]]
    return pd.Series(vals, index=s.index, dtype=object)


def break_ids(
    rng: np.random.Generator, hh: pd.DataFrame, protected: set[str], n_blank: int, n_bad: int, file: str
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[dict[str, Any]]]:
    """Blank ``n_blank`` and corrupt the check digit of ``n_bad`` person_ids of people nothing else refers
    to."""
    pid = hh["person_id"].to_numpy(dtype=object)
    free = np.flatnonzero(np.array([str(p).upper() not in protected for p in pid], dtype=bool))
    pick = rng.choice(free, min(len(free), n_blank + n_bad), replace=False) if len(free) else free
    pick = np.sort(pick)
    blank, bad = pick[:n_blank], pick[n_blank:]
    missing: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    out = hh.copy()
    vals = out["person_id"].to_numpy(dtype=object).copy()
    for i in blank:
        missing.append(
            {
                "file": file,
                "row": int(i) + 2,
                "column": "person_id",
                "household_id": str(hh["household_id"].iat[i]),
                "name": str(hh["name"].iat[i]),
                "person_id": str(pid[i]).upper(),
            }
        )
        vals[i] = ""
    for i in bad:
        good = str(pid[i]).upper()
        wrong = ID_MAP[(ID_MAP.index(good[17]) + 1 + int(rng.integers(0, 10))) % 11]
        vals[i] = good[:17] + wrong
        invalid.append(
            {"file": file, "row": int(i) + 2, "column": "person_id", "value": vals[i], "valid": good}
        )
    out["person_id"] = vals
    return out, missing, invalid


def blank_recipients(
    rng: np.random.Generator,
    sub: pd.DataFrame,
    protected_pay: set[str],
    unique_name: set[tuple[str, str]],
    rate: float = 0.002,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Leave recipient_id empty in a few background payments whose recipient is unique by name in the
    household."""
    cand = np.array(
        [
            (pid not in protected_pay) and ((h, n) in unique_name)
            for pid, h, n in zip(sub["payment_id"], sub["household_id"], sub["recipient_name"])
        ],
        dtype=bool,
    )
    hit = np.flatnonzero(cand & (rng.random(len(sub)) < rate))
    out = sub.copy()
    vals = out["recipient_id"].to_numpy(dtype=object).copy()
    missing = [
        {
            "file": f"subsidies_{str(sub['pay_date'].iat[i])[:7]}.csv",
            "payment_id": str(sub["payment_id"].iat[i]),
            "column": "recipient_id",
            "household_id": str(sub["household_id"].iat[i]),
            "name": str(sub["recipient_name"].iat[i]),
            "person_id": str(vals[i]),
        }
        for i in hit.tolist()
    ]
    vals[hit] = ""
    out["recipient_id"] = vals
    return out, missing


# -- names without IDs (issue 18) ---------------------------------------------------------------------------

#: Characters written for another of the same pinyin and tone (a typist's homophone), both ways.
HOMOPHONES = dict(
    pair
    for a, b in (
        ("伟", "玮"),
        ("丽", "莉"),
        ("明", "鸣"),
        ("军", "君"),
        ("华", "桦"),
        ("静", "靖"),
        ("红", "虹"),
        ("英", "瑛"),
        ("平", "萍"),
        ("杰", "洁"),
        ("强", "蔷"),
        ("峰", "锋"),
        ("林", "琳"),
        ("玲", "铃"),
        ("燕", "艳"),
        ("波", "玻"),
    )
    for pair in ((a, b), (b, a))
)


def _traditional(name: str) -> str:
    from opencc_purepy import OpenCC

    return str(OpenCC("s2t").convert(name))


def name_only(
    rng: np.random.Generator,
    df: pd.DataFrame,
    names: dict[str, str],
    record: str,
    files: list[str],
    rate: float,
    traditional: float = 0.1,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """An ``approver_name`` column: in about ``rate`` of the rows the approver given by name only (the ID
    blanked), some in traditional characters; the truth (record, name written, the approver's ID) in the
    manifest."""
    ids = df["approver_id"].to_numpy(dtype=object).copy()
    written = np.array([""] * len(df), dtype=object)
    hit = np.flatnonzero((rng.random(len(df)) < rate) & np.array([bool(names.get(str(i))) for i in ids]))
    trad = rng.random(len(hit)) < traditional
    out = []
    for i, t in zip(hit.tolist(), trad.tolist()):
        true = str(ids[i])
        n = names[true]
        written[i] = _traditional(n) if t else n
        out.append(
            {
                "file": files[i],
                "record": str(df[record].iat[i]),
                "column": "approver_name",
                "name": written[i],
                "person_id": true,
            }
        )
        ids[i] = ""
    return df.assign(approver_id=ids, approver_name=written), out


def contractor_variants(
    rng: np.random.Generator, con: pd.DataFrame, place: str, rate: float = 0.3
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Contracts naming a company contractor by a variant of its registered name only (ID blanked): with the
    county's name before it, a bracketed place after it, in traditional characters, or with a stray space."""
    ids = con["contractor_id"].to_numpy(dtype=object).copy()
    names = con["contractor_name"].to_numpy(dtype=object).copy()
    company = np.array(
        [isinstance(v, str) and len(v) == 18 and not v[:17].isdigit() for v in ids], dtype=bool
    )
    hit = np.flatnonzero(company & (rng.random(len(con)) < rate))
    kinds = rng.integers(0, 4, len(hit))
    out = []
    for i, k in zip(hit.tolist(), kinds.tolist()):
        n = str(names[i])
        v = (
            (place + n)
            if k == 0
            else (f"{n}（{place}）")
            if k == 1
            else _traditional(n)
            if k == 2
            else n[:2] + " " + n[2:]
        )
        out.append(
            {
                "file": "contracts.csv",
                "record": str(con["contract_id"].iat[i]),
                "column": "contractor_name",
                "name": v,
                "company_id": str(ids[i]),
            }
        )
        names[i], ids[i] = v, ""
    return con.assign(contractor_id=ids, contractor_name=names), out


def variant_recipients(
    rng: np.random.Generator, sub: pd.DataFrame, blanked: list[dict[str, Any]], soundalike: float = 0.1
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Recipients already without an ID (``blank_recipients``) written in traditional characters or, for
    about ``soundalike`` of them, with a homophone for one character: the truth in the manifest (a sound-alike
    must wait for review, never link by itself)."""
    by_pay = {m["payment_id"]: m for m in blanked}
    names = sub["recipient_name"].to_numpy(dtype=object).copy()
    out = []
    for i, p in enumerate(sub["payment_id"].tolist()):
        m = by_pay.get(p)
        if m is None:
            continue
        n = str(names[i])
        if rng.random() < soundalike and any(c in HOMOPHONES for c in n[1:]):
            j = next(j for j in range(len(n) - 1, 0, -1) if n[j] in HOMOPHONES)
            v, kind = n[:j] + HOMOPHONES[n[j]] + n[j + 1 :], "soundalike"
        else:
            v, kind = _traditional(n), "traditional"
        if v != n:
            names[i] = v
            out.append({**m, "written": v, "kind": kind})
    return sub.assign(recipient_name=names), out
