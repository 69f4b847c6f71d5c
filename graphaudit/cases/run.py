"""Recording a check run: its findings, then the cases of every stored finding, in the state database.

Used by ``graphaudit check`` and by the API's check runs alike, so the pages show what the command line ran.
A run replaces the findings of the checks it ran (a run of some checks keeps the others' last findings), and
the cases are folded from all stored findings, so running one check never makes the other checks' cases
look gone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphaudit.api.findingstore import FindingStore, Who
from graphaudit.cases.fold import fold
from graphaudit.cases.store import CaseStore
from graphaudit.findings import Finding
from graphaudit.state import State
from graphaudit.store.base import GraphStore

__all__ = ["record_run", "RunRecord", "data_version", "org_names", "titles"]


@dataclass(frozen=True)
class RunRecord:
    run_id: int
    findings: int
    cases: int
    changes: dict[str, int]


def data_version(store: Any) -> str:
    """The store's data version (``GraphStore.data_version``), else a digest of its counts."""
    v = store.data_version()
    if v:
        return str(v)
    stats = store.stats()
    return "counts:" + hashlib.sha256(json.dumps(stats, sort_keys=True).encode()).hexdigest()[:12]


def org_names(store: GraphStore) -> dict[str, str]:
    """Organisation code → name as shown: township and village (graphaudit.places, catalogue query
    ``case_orgs``)."""
    from graphaudit.checks.check import run_query
    from graphaudit.places import Places

    rows = run_query(store, "case_orgs")
    places = Places.from_rows(rows)
    return {str(r["id"]): places.full(str(r["id"])) for r in rows}


def titles() -> dict[str, str]:
    from graphaudit.checks import CHECKS

    return {k: c.title for k, c in CHECKS.items()}


def record_run(
    state: State,
    results: Mapping[str, list[Finding]],
    params: Mapping[str, Any],
    *,
    who: Any,
    seconds: float,
    version: str | None,
    orgs: Mapping[str, str],
) -> RunRecord:
    """Save the run's findings and reconcile the cases (graphaudit.cases.store); ``who`` has ``name`` and
    ``token_id`` (an API principal, or :class:`~graphaudit.api.findingstore.Who`)."""
    findings = FindingStore(state)
    run_id = findings.save_run(dict(results), dict(params), who, seconds, data_version=version)
    cases = fold(findings.all(), orgs)
    changes = CaseStore(state).record(run_id, cases, titles())
    return RunRecord(run_id, sum(len(v) for v in results.values()), len(cases), changes)


def cli_who(name: str | None = None) -> Who:
    """The person running a command: ``name``, else the login name."""
    import getpass

    return Who(name or getpass.getuser())
