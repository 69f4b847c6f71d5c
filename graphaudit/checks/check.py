"""What a check is: a name, a Chinese title, a description, validated parameters, the catalogue queries it
runs, and a function from (store, parameters) to findings.  Also the helpers every check shares: running a
catalogue query with a validated variable-length bound, and a person's posts on a date."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphaudit.checks.catalog import load_query
from graphaudit.checks.evidence import Link
from graphaudit.errors import GraphAuditError
from graphaudit.findings import Finding, make_finding_id, ordered, post_rank, severity_factors
from graphaudit.store.base import GraphStore

__all__ = [
    "Check",
    "Param",
    "CheckParamError",
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
    """A named, documented, parameterised check.  ``run(store, params)`` validates the parameters (unknown
    names, types and ranges raise :class:`CheckParamError`) and returns findings, most severe first."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    queries: tuple[str, ...]
    find: Callable[[GraphStore, dict[str, Any]], list[Finding]] = field(repr=False)

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

    def run(self, store: GraphStore, params: Mapping[str, Any] | None = None) -> list[Finding]:
        """The check's findings on ``store``, most severe first."""
        return ordered(self.find(store, self.validate(params)))


_BOUND = re.compile(r"(\d+)\s*/\*(\w+)\*/")


def run_query(
    store: GraphStore,
    name: str,
    params: dict[str, Any] | None = None,
    bounds: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Run catalogue query ``name`` in the store's dialect.  A number marked ``/*name*/`` in the query text
    (a variable-length bound, which Cypher cannot parameterise) is replaced by ``bounds[name]``, which must
    be an int from 0 to 10 — it never comes from a user string unvalidated."""
    text = load_query(name, store.dialect)
    if bounds:
        for k, v in bounds.items():
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10:
                raise CheckParamError(f"{name}: bound {k} must be an int from 0 to 10, got {v!r}")

        def sub(m: re.Match[str]) -> str:
            return f"{bounds[m.group(2)]} /*{m.group(2)}*/" if m.group(2) in bounds else m.group(0)

        text = _BOUND.sub(sub, text)
    return store.run(text, params or {})


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
