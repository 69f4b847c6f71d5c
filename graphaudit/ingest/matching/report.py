"""What a load says about the names it matched: counts per source, column and file by how each row's person
or company was found, the pairs left for review, the placeholders made — and one issue per row not linked by
ID, with the candidates (graphaudit.ingest.matching)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from graphaudit.ingest.issue import Issue
from graphaudit.ingest.matching.candidates import HOW, Match

__all__ = ["MatchStats", "ISSUE_CODE", "SCOPE_ZH", "describe", "note"]


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


def describe(m: Match) -> str:
    cands = "、".join(
        f"{c.name}[{c.key}]" + (f" {c.evidence}" if c.evidence else "") for c in m.candidates[:5]
    )
    where = SCOPE_ZH.get(m.scope, m.scope)
    return "; ".join(x for x in (where, cands, f"score {m.score:g}" if m.score else "") if x)


def note(
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
    said = describe(m)
    issues.append(
        Issue(
            source,
            str(f),
            int(r),
            column,
            "repaired" if m.key is not None else "warning",
            f"{_REASON[kind]} ({said or name})",
            name,
            code=ISSUE_CODE[kind],
            detail=said,
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
