"""The checks: named, documented, parameterised queries whose rows become findings.

``CHECKS`` maps each check's name to its :class:`~graphaudit.checks.check.Check` (name, Chinese title,
description, parameters with defaults, ``run(store, params) -> list[Finding]``).  Each check lives in
``graphaudit/checks/<name>.py`` and its Cypher in ``graphaudit/cypher/<name>.cypher`` (plus ``<name>.ladybug.cypher``
where the embedded engine needs other syntax).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphaudit.checks import (
    cadre_family_beneficiary,
    collusive_cluster,
    deceased_recipient,
    duplicate_payment,
    hidden_link,
    kin_approved_subsidy,
    kin_contract,
    reciprocal_approval,
    shared_account,
    split_contracts,
)
from graphaudit.checks.check import Check, CheckParamError, Param
from graphaudit.findings import Finding
from graphaudit.store.base import GraphStore

__all__ = ["CHECKS", "Check", "CheckParamError", "Param", "resolve_params", "run_checks"]

CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        kin_approved_subsidy.CHECK,
        cadre_family_beneficiary.CHECK,
        kin_contract.CHECK,
        hidden_link.CHECK,
        shared_account.CHECK,
        deceased_recipient.CHECK,
        duplicate_payment.CHECK,
        split_contracts.CHECK,
        reciprocal_approval.CHECK,
        collusive_cluster.CHECK,
    )
}


def resolve_params(names: list[str], params: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Each selected check's validated parameters.  A key ``name`` applies to every selected check that has
    that parameter, ``check.name`` to that check only; a key that fits no selected check is an error."""
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise CheckParamError(f"unknown check {unknown[0]!r} (checks: {', '.join(CHECKS)})")
    given: dict[str, dict[str, Any]] = {n: {} for n in names}
    for key, value in (params or {}).items():
        if "." in key:
            check, _, pname = key.partition(".")
            if check not in given:
                raise CheckParamError(
                    f"parameter {key!r}: {check!r} is not among the checks run ({', '.join(names)})"
                )
            given[check][pname] = value
            continue
        takers = [n for n in names if key in {p.name for p in CHECKS[n].all_params}]
        if not takers:
            raise CheckParamError(f"parameter {key!r} is not a parameter of {', '.join(names)}")
        for n in takers:
            given[n][key] = value
    return {n: CHECKS[n].validate(given[n]) for n in names}


def run_checks(
    store: GraphStore,
    only: list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    on_check: Callable[[str], None] | None = None,
) -> dict[str, list[Finding]]:
    """Run the named checks (all by default); parameters as in :func:`resolve_params`, all validated before
    any check runs.  ``on_check(name)`` is called as each check starts."""
    names = list(dict.fromkeys(only or CHECKS))
    resolved = resolve_params(names, params)
    out = {}
    for n in names:
        if on_check:
            on_check(n)
        out[n] = CHECKS[n].run(store, resolved[n])
    return out
