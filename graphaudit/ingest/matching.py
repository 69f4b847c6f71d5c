"""People and companies named without a usable ID, matched by name in scopes (DOMAIN.md "Names without IDs").

Each *role* — a payment's recipient and approver, a contract's contractor and approver — is looked for in
scopes from narrow to wide, and the first scope that holds the name decides:

- recipient: the household, then the village (the register);
- approver: the cadres in office on the record's date in the record's organisation, then in its township
  (the township's case-workers), then in the whole county;
- contractor: a company (the company register and companies other contracts name by USCC), or, for a
  person's name, the register's people of the issuing village, then of its township, then of the county.

In a scope a name matches as written (``name``), else after folding traditional/variant characters and widths
(``variant``, graphaudit.ingest.names).  A unique match links, with ``matched_by`` and a ``match_score``
that drops with the width of the scope and the commonness of the name; below :data:`LINK` it is not linked
but waits for review, as does a name several people share (``ambiguous``) or a sound-alike (same pinyin with
tones, other characters) — never linked silently.  A reviewer's decision (:class:`Decisions`:
是同一人 / 不是 / 不确定) links (``review``) or removes a candidate.  What is not linked points at a
placeholder (``~scope:name``, ``registered = false``); every such row is in the load report with file, row
and column.

The resolved key goes into ``<role>_key`` (the recipient's into ``recipient_id``, as before), with
``<role>_matched_by`` and ``<role>_match_score``; the source's own columns are kept, so every load matches
again from what the files say.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from graphaudit.ingest.issue import FILE, ROW, Issue
from graphaudit.ingest.names import commonness, company_folded, folded, looks_like_company, plain, sound

__all__ = [
    "MATCH_COLUMNS",
    "MATCHED",
    "HOW",
    "LINK",
    "Match",
    "Candidate",
    "Decisions",
    "MatchStats",
    "by_id",
    "match_name",
    "resolve",
]

ROLES = ("recipient", "approver", "contractor")
#: The columns a role's resolution adds to its source's table: key, how, score.
MATCH_COLUMNS: dict[str, tuple[str, str, str]] = {
    r: (f"{r}_key", f"{r}_matched_by", f"{r}_match_score") for r in ROLES
}
#: The relationship properties that carry a role's resolution (SourceGraph ``Rel.props``).
MATCHED: dict[str, dict[str, Any]] = {
    r: {"matched_by": f"{r}_matched_by", "match_score": f"{r}_match_score"} for r in ROLES
}
#: Every value of ``matched_by``: linked (id, name, variant, review) or not (ambiguous, unmatched).
HOW = ("id", "name", "variant", "review", "ambiguous", "unmatched")
LINKED = ("id", "name", "variant", "review")
#: A unique match links when its score reaches this; below, it waits for review.
LINK = 0.6

_SCOPE_WEIGHT = {
    "household": 1.0,
    "village": 0.95,
    "org": 0.95,
    "township": 0.85,
    "county": 0.7,
    "company": 0.9,
}
_WIDE = ("county",)  # scopes too wide to look for sound-alikes in, and where a common name weighs least
_METHOD_WEIGHT = {"name": 1.0, "variant": 0.9}

SAME, DIFFERENT, UNSURE = "是同一人", "不是", "不确定"
VERDICTS = (SAME, DIFFERENT, UNSURE)


def by_id(df: pd.DataFrame, role: str, key: str | None = None) -> pd.DataFrame:
    """The role's columns as the ID gives them: key = the ID, matched_by "id" where there is one."""
    kcol, how, score = MATCH_COLUMNS[role]
    ids = df[f"{role}_id"].fillna("").astype(object)
    has = (ids != "").to_numpy(dtype=bool)
    out = {} if key is not None else {kcol: ids.to_numpy(dtype=object)}
    out[how] = np.where(has, "id", "").astype(object)
    out[score] = np.where(has, 1.0, np.nan)
    return df.assign(**out)


@dataclass(frozen=True)
class Candidate:
    """Someone a name may stand for: the key, the name as registered, and what a reviewer sees."""

    key: str
    name: str
    evidence: str = ""


@dataclass(frozen=True)
class Match:
    """The outcome for one name in one context: the key linked (None when not), how, the score, the scope
    that decided and the candidates (for review)."""

    key: str | None
    how: str  # name / variant / review, or ambiguous (incl. sound-alikes and common names) / unmatched
    score: float
    scope: str = ""
    reason: str = ""  # for ambiguous: several / soundalike / common
    candidates: tuple[Candidate, ...] = ()


class Pool:
    """The candidates of one scope, indexed by plain name, folded name and (lazily) sound."""

    def __init__(self, scope: str, cands: Iterable[Candidate], fold: bool = True, company: bool = False):
        self.scope = scope
        self.fold = fold
        self.company = company
        self.cands = list({c.key: c for c in cands}.values())
        self.by_plain: dict[str, list[Candidate]] = defaultdict(list)
        for c in self.cands:
            self.by_plain[plain(c.name)].append(c)
        self._folded: dict[str, list[Candidate]] | None = None
        self._sound: dict[str, list[Candidate]] | None = None

    def _index(self, fn: Callable[[str], str]) -> dict[str, list[Candidate]]:
        out: dict[str, list[Candidate]] = defaultdict(list)
        for c in self.cands:
            k = fn(c.name)
            if k:
                out[k].append(c)
        return out

    def exact(self, name: str) -> list[Candidate]:
        return self.by_plain.get(plain(name), [])

    def variant(self, name: str) -> list[Candidate]:
        if not self.fold:  # too big to fold every name: the folded query against the names as written
            return self.by_plain.get(folded(name), [])
        if self._folded is None:
            self._folded = self._index(company_folded if self.company else folded)
        return self._folded.get(company_folded(name) if self.company else folded(name), [])

    def alike(self, name: str) -> list[Candidate]:
        if not self.fold or self.company:
            return []
        if self._sound is None:
            self._sound = self._index(sound)
        return self._sound.get(sound(name), [])


class Decisions:
    """Reviewers' decisions on (role, name as written, candidate key): 是同一人 / 不是 / 不确定."""

    def __init__(self, decided: Mapping[tuple[str, str, str], str] | None = None):
        self.decided = dict(decided or {})

    def get_for(self, role: str, name: str, cand: Candidate) -> str | None:
        """The verdict on ``cand`` for ``name`` in ``role``, None when there is none."""
        return self.decided.get((role, plain(name), cand.key))


def _score(how: str, scope: str, name: str) -> float:
    c = commonness(name)
    penalty = 0.6 if scope in _WIDE else 0.15
    return round(_METHOD_WEIGHT[how] * _SCOPE_WEIGHT.get(scope, 0.7) * (1 - penalty * c), 3)


def match_name(name: str, pools: Iterable[Pool], role: str = "", decisions: Decisions | None = None) -> Match:
    """The first scope (narrow → wide) that holds ``name`` decides; see the module docstring."""
    decisions = decisions or Decisions()
    if not plain(name):
        return Match(None, "unmatched", 0.0)
    for pool in pools:
        for how, found in (("name", pool.exact(name)), ("variant", pool.variant(name))):
            if not found:
                continue
            found = [c for c in found if decisions.get_for(role, name, c) != DIFFERENT]
            same = [c for c in found if decisions.get_for(role, name, c) == SAME]
            if len(same) == 1:
                return Match(same[0].key, "review", 1.0, pool.scope, "", tuple(found))
            if len(found) == 1:
                score = _score(how, pool.scope, name)
                if score >= LINK:
                    return Match(found[0].key, how, score, pool.scope, "", tuple(found))
                return Match(None, "ambiguous", score, pool.scope, "common", tuple(found))
            if found:
                return Match(None, "ambiguous", 0.0, pool.scope, "several", tuple(found))
        alike = [c for c in pool.alike(name) if decisions.get_for(role, name, c) != DIFFERENT]
        if alike:
            same = [c for c in alike if decisions.get_for(role, name, c) == SAME]
            if len(same) == 1:
                return Match(same[0].key, "review", 1.0, pool.scope, "", tuple(alike))
            return Match(None, "ambiguous", 0.0, pool.scope, "soundalike", tuple(alike))
    return Match(None, "unmatched", 0.0)


# -- the report ---------------------------------------------------------------------------------------------


@dataclass
class MatchStats:
    """Per source and column: rows by how their person or company was found; and the pairs awaiting review."""

    counts: dict[tuple[str, str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    pending: list[dict[str, Any]] = field(default_factory=list)
    made: Counter[str] = field(default_factory=Counter)  # rows pointing at a placeholder, per file

    @property
    def placeholders(self) -> int:
        return sum(self.made.values())

    def keep(self, files: set[str]) -> None:
        """Only the rows of ``files`` (the files this load read; the tables also hold earlier loads')."""
        self.counts = defaultdict(Counter, {k: v for k, v in self.counts.items() if k[2] in files})
        self.pending = [p for p in self.pending if p["file"] in files]
        self.made = Counter({f: n for f, n in self.made.items() if f in files})

    def count_ids(self, source: str, column: str, files: pd.Series) -> None:
        for f, n in files.value_counts().items():
            self.counts[(source, column, str(f))]["id"] += int(n)

    def rows(self) -> list[dict[str, Any]]:
        """Per source and column (every file together): rows by how they were found."""
        total: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for (s, c, _), n in self.counts.items():
            total[(s, c)].update(n)
        return [
            {"source": s, "column": c, **{h: n.get(h, 0) for h in HOW}} for (s, c), n in sorted(total.items())
        ]


_REASON = {
    "name": "按姓名匹配 matched by name",
    "variant": "按繁简/异体字匹配 matched by a variant of the name",
    "review": "按核对结论匹配 matched by a reviewer's decision",
    "several": "同名多人，未关联，待核对 several candidates share the name: not linked, to review",
    "soundalike": "音同字不同，未关联，待核对 a sound-alike name: not linked, to review",
    "common": "常见姓名且范围较宽，未关联，待核对 a common name in a wide scope: not linked, to review",
    "unmatched": "按姓名未找到，已建临时人员 no one of that name: a placeholder was made",
    "unmatched_company": "按名称未找到，已建临时企业 no company of that name: a placeholder was made",
}
#: issue code per kind of outcome (graphaudit.ingest.issue.REASONS)
ISSUE_CODE = {
    "name": "name_matched",
    "variant": "name_variant",
    "review": "name_review",
    "several": "name_ambiguous",
    "soundalike": "name_soundalike",
    "common": "name_common",
    "unmatched": "name_unmatched",
    "unmatched_company": "name_unmatched",
}


#: How a scope is named to users.
SCOPE_ZH = {
    "household": "同户 household",
    "village": "同村 village",
    "org": "本单位在任干部 the org's cadres",
    "township": "乡镇 township",
    "county": "全县 county",
    "company": "企业 companies",
}


def _describe(m: Match) -> str:
    cands = "、".join(
        f"{c.name}[{c.key}]" + (f" {c.evidence}" if c.evidence else "") for c in m.candidates[:5]
    )
    where = SCOPE_ZH.get(m.scope, m.scope)
    return "; ".join(x for x in (where, cands, f"score {m.score:g}" if m.score else "") if x)


# -- the scopes ---------------------------------------------------------------------------------------------


class _World:
    """The registers the scopes are drawn from, indexed on first use."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.tables = tables
        self._cache: dict[Any, Any] = {}

    def _memo(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def people(self) -> _People:
        """The register's people, grouped by household and village (candidates made per group on use)."""
        out: _People = self._memo("people", lambda: _People(self.tables.get("households")))
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


class _People:
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
        return [c for v, pos in self.by_vil.items() if _township(str(v)) == t for c in self._cands(pos)]

    def everyone(self) -> list[Candidate]:
        return self._cands(range(self.n))


def _township(code: str) -> str:
    return code[:9] if isinstance(code, str) and len(code) == 12 else code


# -- resolving each role ------------------------------------------------------------------------------------


def _note(
    stats: MatchStats,
    issues: list[Issue],
    source: str,
    column: str,
    role: str,
    name: str,
    m: Match,
    f: Any,
    r: Any,
    company: bool = False,
) -> None:
    stats.counts[(source, column, str(f))][m.how] += 1
    if m.how == "id":
        return
    kind = m.reason if m.how == "ambiguous" else m.how
    if m.how == "unmatched" and company:
        kind = "unmatched_company"
    issues.append(
        Issue(
            source,
            str(f),
            int(r),
            column,
            "repaired" if m.key is not None else "warning",
            f"{_REASON[kind]} ({_describe(m) or name})",
            name,
            code=ISSUE_CODE[kind],
            detail=_describe(m),
        )
    )
    if m.how == "ambiguous":
        stats.pending.append(
            {
                "role": role,
                "source": source,
                "file": str(f),
                "row": int(r),
                "name": name,
                "scope": m.scope,
                "reason": m.reason,
                "candidates": [c.__dict__ for c in m.candidates],
            }
        )
    if m.key is None:
        stats.made[str(f)] += 1


def _apply(df: pd.DataFrame, role: str, rows: np.ndarray, results: list[tuple[str, Match]], key: str) -> None:
    _, how, score = MATCH_COLUMNS[role]
    idx = df.index[rows]
    for col, vals in (
        (key, [k for k, _ in results]),
        (how, [m.how for _, m in results]),
        (score, [m.score if m.key is not None else np.nan for _, m in results]),
    ):
        if col not in df or df[col].dtype != object:
            df[col] = df[col].astype(object) if col in df else None
        df.loc[idx, col] = pd.Series(vals, index=idx, dtype=object)


def _resolve_recipients(
    sub: pd.DataFrame, w: _World, d: Decisions, stats: MatchStats, issues: list[Issue]
) -> None:
    people = w.people()
    how_col = MATCH_COLUMNS["recipient"][1]
    if how_col not in sub:
        sub[how_col] = np.where(sub["recipient_id"].fillna("") != "", "id", "")
    again = sub[how_col].isin(["ambiguous", "unmatched"]).to_numpy(dtype=bool)
    rid = sub["recipient_id"].fillna("")
    bad = rid.eq("") | (sub["recipient_id_issue"].fillna("").ne("") if "recipient_id_issue" in sub else False)
    need = bad.to_numpy(dtype=bool) | again
    rows = np.flatnonzero(need)
    out = []
    cols = ("recipient_name", "household_id", "village_code", FILE, ROW, "recipient_id")
    part = sub.iloc[rows]
    for name, hid, vil, f, r, rid in zip(*(part[c].tolist() for c in cols)):
        name = name or ""
        pools = [
            w.pool("household", hid, partial(people.household, hid)),
            w.pool("village", vil, partial(people.village, vil)),
        ]
        m = match_name(name, pools, "recipient", d)
        if m.key is not None:
            key = m.key
        elif rid == "" or str(rid).startswith("~"):
            key = f"~{hid or vil}:{name}"
        else:  # an invalid ID no name confirms: kept as it is (reported by the adapter)
            key, m = rid, Match(rid, "id", 1.0)
        _note(stats, issues, "subsidies", "领取人 (recipient_name)", "recipient", name, m, f, r)
        out.append((key, m))
    stats.count_ids("subsidies", "领取人 (recipient_name)", sub.loc[~need, FILE])
    if len(rows):
        _apply(sub, "recipient", rows, out, "recipient_id")


def _resolve_approvers(
    source: str,
    df: pd.DataFrame,
    org_col: str,
    date_col: str,
    w: _World,
    d: Decisions,
    stats: MatchStats,
    issues: list[Issue],
) -> None:
    column = "审核人 (approver_name)" if source == "subsidies" else "审批人 (approver_name)"
    if "approver_name" not in df:
        df["approver_name"] = ""
    names = df["approver_name"].fillna("")
    ids = df["approver_id"].fillna("")
    issue = df["approver_id_issue"].fillna("") if "approver_id_issue" in df else ids.map(lambda _: "")
    bad = ids.eq("") | issue.ne("")
    need = (bad & names.ne("")).to_numpy(dtype=bool)
    has_id = (ids.ne("") & ~need).to_numpy(dtype=bool)
    stats.count_ids(source, column, df.loc[has_id, FILE])
    rows = np.flatnonzero(need)
    out = []
    memo: dict[tuple[str, str, Any], Match] = {}
    part = df.iloc[rows]
    for name, org, day, rid, f, r in zip(
        *(part[c].tolist() for c in ("approver_name", org_col, date_col, "approver_id", FILE, ROW))
    ):
        org = org or ""
        mk = (name, org, day)
        m = memo.get(mk)
        if m is None:
            m = memo[mk] = match_name(name, _approver_pools(w, org, day), "approver", d)
        if m.key is not None:
            key = m.key
        elif rid:
            key, m = rid, Match(rid, "id", 1.0)
        else:
            key = f"~{org or '县'}:{name}"
        _note(stats, issues, source, column, "approver", name, m, f, r)
        out.append((key, m))
    if len(rows):
        _apply(df, "approver", rows, out, MATCH_COLUMNS["approver"][0])


def _approver_pools(w: _World, org: str, day: Any) -> Iterator[Pool]:
    """The cadres in office on ``day``: in ``org``, its township, the county — each made only when reached."""
    yield w.cadre_pool("org", (org,), day)
    tw = _township(org)
    if tw != org:
        yield w.cadre_pool("township", (tw,), day)
    yield w.cadre_pool("county", None, day)


def _person_pools(w: _World, org: str, people: _People) -> Iterator[Pool]:
    """The register's people of the village ``org``, its township, the county, each made when reached."""
    yield w.pool("village", org, partial(people.village, org))
    tw = _township(org)
    yield w.pool("township", tw, partial(people.township, tw))
    yield w.pool("county", "", people.everyone, fold=False)


def _resolve_contractors(
    ct: pd.DataFrame, w: _World, d: Decisions, stats: MatchStats, issues: list[Issue]
) -> None:
    column = "承包方名称 (contractor_name)"
    ids = ct["contractor_id"].fillna("")
    names = ct["contractor_name"].fillna("")
    need = (ids.eq("") & names.ne("")).to_numpy(dtype=bool)
    stats.count_ids("contracts", column, ct.loc[~need, FILE])
    rows = np.flatnonzero(need)
    people = w.people()
    out = []
    part = ct.iloc[rows]
    for name, org, f, r in zip(*(part[c].tolist() for c in ("contractor_name", "org_code", FILE, ROW))):
        company = looks_like_company(name)
        if company:
            m = match_name(name, [w.companies()], "contractor", d)
        else:
            m = match_name(name, _person_pools(w, org, people), "contractor", d)
        key = m.key if m.key is not None else f"~{name}"
        _note(stats, issues, "contracts", column, "contractor", name, m, f, r, company=company)
        out.append((key, m))
    if len(rows):
        _apply(ct, "contractor", rows, out, MATCH_COLUMNS["contractor"][0])


def resolve(
    tables: dict[str, pd.DataFrame], issues: list[Issue], decisions: Decisions | None = None
) -> MatchStats:
    """Match every name-only recipient, approver and contractor in ``tables`` (in place); issues for every
    row not linked by ID; the counts per source and column."""
    d = decisions or Decisions()
    stats = MatchStats()
    w = _World(tables)
    sub = tables.get("subsidies")
    if sub is not None and len(sub):
        for role in ("recipient", "approver"):
            if MATCH_COLUMNS[role][1] not in sub:
                sub = by_id(sub, role, key="recipient_id" if role == "recipient" else None)
        sub = tables["subsidies"] = sub.copy()
        _resolve_recipients(sub, w, d, stats, issues)
        _resolve_approvers("subsidies", sub, "village_code", "pay_date", w, d, stats, issues)
    ct = tables.get("contracts")
    if ct is not None and len(ct):
        for role in ("contractor", "approver"):
            if MATCH_COLUMNS[role][1] not in ct:
                ct = by_id(ct, role)
        ct = tables["contracts"] = ct.copy()
        _resolve_contractors(ct, w, d, stats, issues)
        _resolve_approvers("contracts", ct, "org_code", "sign_date", w, d, stats, issues)
    return stats
