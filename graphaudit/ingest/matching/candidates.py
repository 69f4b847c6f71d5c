"""Candidates and their scoring: who a name may stand for in one scope, and how a name is matched against
the scopes from narrow to wide (graphaudit.ingest.matching).

A scope's :class:`Pool` finds a name as written (``name``), after folding (``variant``) or by sound
(sound-alike); :func:`match_name` lets the first scope that holds the name decide, links a unique match whose
score reaches :data:`LINK`, and leaves every other outcome to review, applying the reviewers'
:class:`Decisions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from graphaudit.ingest.names import commonness, company_folded, folded, plain, sound
from graphaudit.model import MODEL

__all__ = [
    "HOW",
    "LINKED",
    "LINK",
    "SAME",
    "DIFFERENT",
    "UNSURE",
    "VERDICTS",
    "Candidate",
    "Match",
    "Pool",
    "Decisions",
    "match_name",
]

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
#: Decimals a match score is kept to, as model.yaml declares it (``match_score: double(3)``).
_SCORE_DECIMALS = MODEL.rels["PAID_TO"].decimals["match_score"]

SAME, DIFFERENT, UNSURE = "是同一人", "不是", "不确定"
VERDICTS = (SAME, DIFFERENT, UNSURE)


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
    """The candidates of one scope, indexed by plain name, folded name and (lazily) sound.  One candidate per
    key (the last given, in the order keys first come).  :meth:`lazy` makes a pool of many candidates of which
    few are ever found (a village, the county) without making a :class:`Candidate` for each."""

    def __init__(self, scope: str, cands: Iterable[Candidate], fold: bool = True, company: bool = False):
        unique = list({c.key: c for c in cands}.values())
        self._setup(scope, fold, company, [c.name for c in unique], [plain(c.name) for c in unique])
        self._make: Callable[[int], Candidate] = unique.__getitem__

    @classmethod
    def lazy(
        cls,
        scope: str,
        names: Sequence[str],
        plains: Sequence[str],
        make: Callable[[int], Candidate],
        fold: bool = True,
    ) -> Pool:
        """A pool of ``len(names)`` candidates, one per key: the i-th named ``names[i]`` (``plains[i]`` its
        :func:`plain` form), made by ``make(i)`` only when a lookup finds it."""
        pool = cls.__new__(cls)
        pool._setup(scope, fold, False, names, plains)
        pool._make = make
        return pool

    def _setup(
        self, scope: str, fold: bool, company: bool, names: Sequence[str], plains: Sequence[str]
    ) -> None:
        self.scope = scope
        self.fold = fold
        self.company = company
        self._names = names
        self._made: dict[int, Candidate] = {}
        self._plain: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(plains):
            self._plain[p].append(i)
        self._folded: dict[str, list[int]] | None = None
        self._sound: dict[str, list[int]] | None = None

    def _get(self, pos: Iterable[int]) -> list[Candidate]:
        out = []
        for i in pos:
            c = self._made.get(i)
            if c is None:
                c = self._made[i] = self._make(i)
            out.append(c)
        return out

    @property
    def cands(self) -> list[Candidate]:
        """Every candidate of the pool."""
        return self._get(range(len(self._names)))

    def _index(self, fn: Callable[[str], str]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(self._names):
            k = fn(n)
            if k:
                out[k].append(i)
        return out

    def exact(self, name: str) -> list[Candidate]:
        return self._get(self._plain.get(plain(name), ()))

    def variant(self, name: str) -> list[Candidate]:
        if not self.fold:  # too big to fold every name: the folded query against the names as written
            return self._get(self._plain.get(folded(name), ()))
        if self._folded is None:
            self._folded = self._index(company_folded if self.company else folded)
        return self._get(self._folded.get(company_folded(name) if self.company else folded(name), ()))

    def alike(self, name: str) -> list[Candidate]:
        if not self.fold or self.company:
            return []
        if self._sound is None:
            self._sound = self._index(sound)
        return self._get(self._sound.get(sound(name), ()))


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
    return round(_METHOD_WEIGHT[how] * _SCOPE_WEIGHT.get(scope, 0.7) * (1 - penalty * c), _SCORE_DECIMALS)


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
