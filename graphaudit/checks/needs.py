"""What data a check reads, from its own Cypher: the node labels and relationship types its queries match.

A store loaded from a subset of the sources (issue 19: every source but the household register is
optional) holds no payments, or no contracts; a check that reads them then finds nothing, and "0 findings"
must not read as "nothing wrong".  :func:`lacking` names, per check, the labels or types it matches of which
the store holds none, so that the command line and the API can say so beside the check's result.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphaudit.checks.check import Check
from graphaudit.model import MODEL
from graphaudit.store import query_reads

__all__ = ["needs", "lacking", "lacking_note"]


def needs(check: Check) -> tuple[tuple[str, ...], ...]:
    """The labels and relationship types the check's own query matches; a tuple of several is an
    alternative (``[:LEGAL_REP_OF|SHAREHOLDER_OF]``): any one of them will do."""
    return query_reads(check.queries[0])


def lacking(check: Check, stats: Mapping[str, int]) -> list[str]:
    """The labels or types (alternatives joined by "/") the check needs and the store holds none of, as
    ``stats`` (``GraphStore.stats()``) counts them; empty when the store has data for every part."""
    return ["/".join(g) for g in needs(check) if all(stats.get(n, 0) == 0 for n in g)]


def lacking_note(check: Check, stats: Mapping[str, int]) -> str | None:
    """One line for a check whose data the store lacks, else None."""
    missing = lacking(check, stats)
    if not missing:
        return None
    zh = [
        "/".join((MODEL.nodes[n].zh if n in MODEL.nodes else MODEL.rels[n].zh) for n in m.split("/"))
        for m in missing
    ]
    return (
        f"{check.name} {check.title}: 缺少数据（{'、'.join(zh)}），结果可能不完整 no data for "
        f"{', '.join(missing)}: findings that need it cannot appear; load the source that holds it"
    )
