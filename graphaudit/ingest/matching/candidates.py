"""Candidates and their scoring: who a name may stand for in one scope, and how a name is matched against
the scopes from narrow to wide (graphaudit.ingest.matching).

A scope's :class:`Pool` finds a name as written (``name``), after folding (``variant``) or by sound
(sound-alike); :func:`match_name` lets the first scope that holds the name decide, links a unique match whose
score reaches :data:`LINK`, and leaves every other outcome to review, applying the reviewers'
:class:`Decisions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from graphaudit.ingest.names import commonness, company_folded, folded, plain, sound

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
