"""What a check is: a name, a Chinese title, a description, validated parameters, the catalogue queries it
runs, its base severity, legal basis and fund kind, and a function from (store, parameters) to findings.
A declaration is checked when it is made: an incomplete or inconsistent one raises
:class:`CheckDeclarationError` naming the check.  Also the helpers every check shares: running a
catalogue query with a validated variable-length bound, and a person's posts on a date."""

from __future__ import annotations

import math
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphaudit.checks.evidence import Link
from graphaudit.checks.legal import FundKind, LegalBasis
from graphaudit.errors import GraphAuditError
from graphaudit.findings import Finding, make_finding_id, ordered, post_rank, severity_factors
from graphaudit.policy import Policy, default_policy
from graphaudit.store import query_names
from graphaudit.store.base import GraphStore

__all__ = [
    "Check",
    "Param",
    "CheckParamError",
    "CheckDeclarationError",
    "MAX_BASE",
    "run_query",
    "Post",
    "posts_of",
    "post_on",
    "make_finding",
    "record_money",
    "node",
    "MASK_NAMES",
]


class CheckParamError(GraphAuditError):
    """A check parameter has the wrong name, type or range."""


class CheckDeclarationError(GraphAuditError):
    """A check's declaration is incomplete or inconsistent (raised at import, naming the check)."""


#: The highest base severity: the other factors add up to 60 (link 20, money 20, repetition 10, post 10).
MAX_BASE = 40
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Param:
    """One parameter of a check: its type (int, float or bool), default, inclusive range and meaning."""

    name: str
    type: type
    default: Any
    help: str
    min: float | None = None
    max: float | None = None

    def coerce(self, check: str, value: Any) -> Any:
        """The value as this parameter's type, or CheckParamError naming the check and parameter."""
        where = f"{check}: parameter {self.name}"
        v = value
        if isinstance(v, str):
            s = v.strip()
            try:
                if self.type is bool:
                    if s.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(s)
                    v = s.lower() in ("true", "1", "yes")
                elif self.type is int:
                    v = int(s.replace(",", "").replace("_", ""))
                else:
                    v = float(s.replace(",", "").replace("_", ""))
            except ValueError:
                raise CheckParamError(f"{where} must be {self._kind()}, got {value!r}") from None
        if self.type is bool:
            if not isinstance(v, bool):
                raise CheckParamError(f"{where} must be true or false, got {value!r}")
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise CheckParamError(f"{where} must be {self._kind()}, got {value!r}")
        if isinstance(v, float) and not math.isfinite(v):  # nan passes every comparison, inf no int()
            raise CheckParamError(f"{where} must be a finite number, got {value!r}")
        if self.type is int:
            if isinstance(v, float) and not v.is_integer():
                raise CheckParamError(f"{where} must be a whole number, got {value!r}")
            v = int(v)
        else:
            v = float(v)
        if (self.min is not None and v < self.min) or (self.max is not None and v > self.max):
            raise CheckParamError(
                f"{where} must be between {self._fmt(self.min)} and {self._fmt(self.max)}, got {value!r}"
            )
        return v

    def _kind(self) -> str:
        return {bool: "true or false", int: "a whole number", float: "a number"}[self.type]

    @staticmethod
    def _fmt(x: float | None) -> str:
        return "…" if x is None else f"{x:g}"


MASK_NAMES = Param("mask_names", bool, True, "mask names in explanations (张伟 → 张某)")


@dataclass(frozen=True)
class Check:
    """A named, documented, parameterised check, declared once as ``CHECK`` at the bottom of
    ``graphaudit/checks/<name>.py``.  ``run(store, params)`` validates the parameters (unknown names, types
    and ranges raise :class:`CheckParamError`) and returns findings, most severe first.

    - ``name``: the module's name and the Cypher file's (``graphaudit/cypher/<name>.cypher``)
    - ``title``: Chinese, as pages, tables and exports show the check
    - ``description``: what it flags, one or two sentences
    - ``params``: its parameters (``mask_names`` is added to every check), each with a help text
    - ``queries``: the catalogue queries it runs, its own first
    - ``base``: base severity, 0–:data:`MAX_BASE` (the severity formula in :mod:`graphaudit.findings`)
    - ``legal_basis``: the article its findings may breach (:mod:`graphaudit.checks.legal`)
    - ``fund_kind``: whether its money is relief money, other money (contracts) or both
    - ``find``: (store, validated parameters) → findings
    - ``runs_long``: its time goes mostly to Python, not to the store's queries (started first in a run)
    """

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    queries: tuple[str, ...]
    base: float
    legal_basis: LegalBasis
    fund_kind: FundKind
    find: Callable[[GraphStore, dict[str, Any]], list[Finding]] = field(repr=False)
    #: True for a check whose time goes mostly to Python (Leiden): a run of several checks starts it first,
    #: beside the others (graphaudit.checks.run_checks)
    runs_long: bool = False

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise CheckDeclarationError(
                f"check {self.name!r} is declared incompletely: " + "; ".join(problems)
            )

    def _problems(self) -> list[str]:
        """What is missing or inconsistent in this declaration (empty when it is complete)."""
        out = []
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            out.append("name must be lower_case_with_underscores")
        if not isinstance(self.title, str) or not _CJK.search(self.title):
            out.append("title must be Chinese (pages and tables show it)")
        if not isinstance(self.description, str) or not self.description.strip():
            out.append("description is empty")
        if isinstance(self.base, bool) or not isinstance(self.base, (int, float)):
            out.append(f"base must be a number, got {self.base!r}")
        elif not 0 <= self.base <= MAX_BASE:
            out.append(f"base {self.base} is out of range 0–{MAX_BASE}")
        if not isinstance(self.legal_basis, LegalBasis):
            out.append("legal_basis must be a LegalBasis (graphaudit.checks.legal)")
        if not isinstance(self.fund_kind, FundKind):
            out.append("fund_kind must be a FundKind (graphaudit.checks.legal)")
        if not callable(self.find):
            out.append("find is not callable")
        out += self._param_problems()
        if not self.queries or self.queries[0] != self.name:
            out.append(f"queries must start with the check's own query {self.name!r}")
        known = query_names()
        for q in self.queries:
            if q not in known:
                out.append(f"query file graphaudit/cypher/{q}.cypher is missing")
        return out

    def _param_problems(self) -> list[str]:
        out = []
        seen: set[str] = set()
        for p in self.params:
            if not isinstance(p, Param):
                out.append(f"parameter {p!r} is not a Param")
                continue
            if not _NAME.fullmatch(p.name):
                out.append(f"parameter {p.name!r} must be lower_case_with_underscores")
            if p.name in seen or p.name == MASK_NAMES.name:
                out.append(f"parameter {p.name!r} is declared twice")
            seen.add(p.name)
            if not p.help.strip():
                out.append(f"parameter {p.name!r} has no help text")
            if p.type not in (int, float, bool):
                out.append(f"parameter {p.name!r}: type must be int, float or bool")
                continue
            try:
                ok = p.coerce(self.name, p.default) == p.default
            except CheckParamError:
                ok = False
            if not ok:
                out.append(
                    f"parameter {p.name!r}: default {p.default!r} is not a valid {p.type.__name__} in range"
                )
        return out

    @property
    def all_params(self) -> tuple[Param, ...]:
        return (*self.params, MASK_NAMES)

    @property
    def defaults(self) -> dict[str, Any]:
        """Every parameter with its default value."""
        return {p.name: p.default for p in self.all_params}

    def validate(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overridden by ``params``, each checked and converted."""
        spec = {p.name: p for p in self.all_params}
        unknown = sorted(set(params or {}) - set(spec))
        if unknown:
            known = ", ".join(spec) or "none"
            raise CheckParamError(f"{self.name}: unknown parameter {unknown[0]!r} (known: {known})")
        out = self.defaults
        for k, v in (params or {}).items():
            out[k] = spec[k].coerce(self.name, v)
        return out

    def run(
        self, store: GraphStore, params: Mapping[str, Any] | None = None, policy: Policy | None = None
    ) -> list[Finding]:
        """The check's findings on ``store``, most severe first.  ``find`` gets the validated parameters and,
        under ``"policy"``, the county policy (:mod:`graphaudit.policy`; the shipped default if None)."""
        return ordered(self.find(store, {**self.validate(params), "policy": policy or default_policy()}))


#: Queries that more than one check runs with the same bounds (cadre_family_beneficiary's rows are also
#: undeclared_kin_benefit's): the last result of each is kept per store and data version, so a run of every
#: check reads it once.  Callers get their own list of their own row dicts; nested values are shared and are
#: not to be changed.
SHARED = frozenset({"cadre_family_beneficiary"})
_shared: weakref.WeakKeyDictionary[Any, dict[str, tuple[Any, list[dict[str, Any]]]]] = (
    weakref.WeakKeyDictionary()
)
_shared_lock = threading.Lock()


def run_query(
    store: GraphStore,
    name: str,
    params: dict[str, Any] | None = None,
    bounds: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Catalogue query ``name`` on ``store``: :meth:`GraphStore.run_named` (the store picks its dialect and
    fills the ``/*name*/`` bounds, ints from 0 to 10).  A query of :data:`SHARED` is read once per store,
    data version, parameters and bounds."""
    if name not in SHARED:
        return store.run_named(name, params or {}, bounds=bounds)
    version = store.data_version()
    key = (version, repr(sorted((params or {}).items())), repr(sorted((bounds or {}).items())))
    with _shared_lock:
        try:
            kept = _shared.setdefault(store, {}).get(name)
        except TypeError:  # a store that cannot be weakly referenced: not kept
            kept = None
    if version is None or kept is None or kept[0] != key:
        rows = store.run_named(name, params or {}, bounds=bounds)
        if version is not None:
            with _shared_lock:
                try:
                    _shared.setdefault(store, {})[name] = (key, rows)
                except TypeError:
                    pass
    else:
        rows = kept[1]
    return [dict(r) for r in rows]


@dataclass(frozen=True)
class Post:
    """A post held (HOLDS): title, organisation, dates (end None = still in office)."""

    person_id: str
    title: str
    org_id: str
    org_name: str
    start: date | None
    end: date | None

    def on(self, day: date) -> bool:
        """In office on ``day``."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


def posts_of(store: GraphStore, person_ids: Iterable[str]) -> dict[str, list[Post]]:
    """Every post of the given people, by person id.  Query ``cadre_posts`` returns every post (a few
    thousand in a county); picking the people here avoids an `id IN $list` filter, which the embedded engine
    answers by scanning every person once per list element."""
    ids = set(person_ids)
    out: dict[str, list[Post]] = {}
    if not ids:
        return out
    for r in run_query(store, "cadre_posts"):
        if r["person_id"] in ids:
            out.setdefault(r["person_id"], []).append(
                Post(
                    r["person_id"],
                    r["title"] or "",
                    r["org_id"],
                    r["org_name"] or r["org_id"],
                    r["start_date"],
                    r["end_date"],
                )
            )
    for v in out.values():
        v.sort(key=lambda p: (-post_rank(p.title), p.org_id, p.title))
    return out


def post_on(
    posts: dict[str, list[Post]], person_id: str, day: date, orgs: Iterable[str] | None = None
) -> Post | None:
    """The highest post ``person_id`` held on ``day`` (in one of ``orgs`` if given), or None."""
    allowed = set(orgs) if orgs is not None else None
    for p in posts.get(person_id, []):
        if p.on(day) and (allowed is None or p.org_id in allowed):
            return p
    return None


def make_finding(
    check: str,
    *,
    subject: Iterable[str],
    person_ids: Iterable[str],
    record_ids: Iterable[str],
    amount: float,
    org_code: str,
    evidence: Link,
    explanation: str,
    link_points: float = 0.0,
    title: str | None = None,
    details: Mapping[str, Any] | None = None,
    repetitions: int | None = None,
    records: Iterable[Mapping[str, Any]] | None = None,
) -> Finding:
    """A Finding with its stable id (from ``subject``: :func:`graphaudit.findings.make_finding_id`), severity
    (and its factors in details) and evidence path.  ``records`` (dicts with ``id``, ``amount`` and, for a
    payment, ``program``) give ``details["record_money"]``: ``{record_id: [yuan at risk, fund]}``, which lets
    cases count each record's money once (graphaudit.cases.fold)."""
    persons = list(dict.fromkeys(p for p in person_ids if p))
    rids = sorted(set(record_ids))
    factors = severity_factors(
        check,
        link=link_points,
        amount=amount,
        records=repetitions if repetitions is not None else len(rids),
        title=title,
    )
    extra: dict[str, Any] = {}
    if records is not None:
        extra["record_money"] = record_money(records)
    return Finding(
        finding_id=make_finding_id(check, subject),
        check=check,
        severity=int(min(100, round(sum(factors.values())))),
        amount=round(float(amount), 2),
        org_code=org_code or "",
        person_ids=persons,
        record_ids=rids,
        path=evidence.as_path(),
        explanation=explanation,
        details={**(details or {}), **extra, "severity_factors": factors},
    )


def record_money(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """``{record_id: [amount, fund]}``: fund is a payment's programme, "合同" for a contract."""
    out: dict[str, list[Any]] = {}
    for r in records:
        if "program" in r:
            fund = r["program"]
        else:
            fund = r.get("what") if r.get("kind") == "Payment" else "合同"
        out[str(r["id"])] = [round(float(r.get("amount") or 0), 2), str(fund or "")]
    return out


def node(label: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """A node dict in the stores' shape, for evidence built from returned properties."""
    return {"_LABEL": label, **props}
