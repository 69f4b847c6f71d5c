"""The checks: named, documented, parameterised queries whose rows become findings.

``CHECKS`` maps each check's name to its :class:`~graphaudit.checks.check.Check`: name, Chinese title,
description, parameters with defaults, queries, base severity, legal basis, fund kind and
``run(store, params) -> list[Finding]``.  A check is one module, ``graphaudit/checks/<name>.py``, whose
docstring says what it flags and which declares ``CHECK`` at its bottom; its Cypher is
``graphaudit/cypher/<name>.cypher`` (plus ``<name>.ladybug.cypher`` where the embedded engine needs other
syntax).  Adding a check is adding those files: the registry is built from the modules of this package that
define ``CHECK``, in alphabetical order of their names, and each is validated as it registers (an incomplete
declaration raises :class:`~graphaudit.checks.check.CheckDeclarationError` naming it).  Severity bases,
the API, the CLI help and the tests read the registry.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from types import ModuleType
from typing import Any

from graphaudit.checks.check import Check, CheckDeclarationError, CheckParamError, Param
from graphaudit.checks.legal import FundKind, LegalBasis
from graphaudit.findings import Finding
from graphaudit.policy import Policy
from graphaudit.store.base import GraphStore

__all__ = [
    "CHECKS",
    "Check",
    "CheckDeclarationError",
    "CheckParamError",
    "FundKind",
    "LegalBasis",
    "Param",
    "check_threads",
    "collect",
    "require_checks",
    "resolve_params",
    "run_checks",
]


def _modules() -> list[ModuleType]:
    """Every module of this package, in alphabetical order of name."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.ispkg)
    return [importlib.import_module(f"{__name__}.{n}") for n in names]


def collect(modules: Iterable[ModuleType]) -> dict[str, Check]:
    """The checks the ``modules`` declare (``CHECK``), by name, in the modules' order.  A module that declares
    something other than a Check, a check named otherwise than its module, a check module without a docstring
    and a name registered twice raise :class:`CheckDeclarationError` naming the check."""
    out: dict[str, Check] = {}
    for m in modules:
        check = getattr(m, "CHECK", None)
        if check is None:
            continue
        short = m.__name__.rpartition(".")[2]
        if not isinstance(check, Check):
            raise CheckDeclarationError(f"{m.__name__}.CHECK is a {type(check).__name__}, not a Check")
        if check.name != short:
            raise CheckDeclarationError(
                f"check {check.name!r} is declared in module {m.__name__}: a check lives in <its name>.py"
            )
        if not (m.__doc__ or "").strip():
            raise CheckDeclarationError(
                f"check {check.name!r}: module {m.__name__} has no docstring (what it flags, its semantics)"
            )
        if check.name in out:
            raise CheckDeclarationError(f"check {check.name!r} is registered twice")
        out[check.name] = check
    return out


CHECKS: dict[str, Check] = collect(_modules())


def require_checks(names: Iterable[str], where: str) -> None:
    """Raise :class:`CheckDeclarationError` if ``where`` (e.g. a module that plants or lists some checks)
    names a check that is not registered."""
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        raise CheckDeclarationError(
            f"{where} names checks that are not registered: {', '.join(unknown)} "
            f"(checks: {', '.join(CHECKS)})"
        )


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


def check_threads() -> int:
    """How many checks :func:`run_checks` runs at once: ``GRAPHAUDIT_CHECK_THREADS``, else 1.

    One by default: on a 2-core machine two at a time saved ~10 s of a prefecture's ~115 s (the store's
    queries already use both cores) and raised the peak from ~7 to 9–11 GB (the clusters' projection beside
    another check's rows, and the database's buffer pool grown for two queries at once)."""
    raw = os.environ.get("GRAPHAUDIT_CHECK_THREADS", "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise CheckParamError(f"GRAPHAUDIT_CHECK_THREADS={raw!r}: 应为 1–64 的整数 (a whole number 1–64)")
    return int(raw)


def run_checks(
    store: GraphStore,
    only: list[str] | None = None,
    params: Mapping[str, Any] | None = None,
    on_check: Callable[[str], None] | None = None,
    policy: Policy | None = None,
    *,
    on_done: Callable[[str, float], None] | None = None,
    threads: int | None = None,
) -> dict[str, list[Finding]]:
    """Run the named checks (all by default); parameters as in :func:`resolve_params`, all validated before
    any check runs; ``policy`` the county policy (the shipped default if None).  ``on_check(name)`` is
    called as each check starts, ``on_done(name, seconds)`` as it ends; the result is in the order of the
    names whatever order they ended in.

    Checks run ``threads`` at a time (:func:`check_threads`: 1 unless set).  With more than one, a check that
    :attr:`~Check.runs_long` in Python (the Leiden clusters) starts first and the others follow on the other
    threads while it runs (the store's queries leave the Python interpreter).  A check that fails stops the
    run: the checks not yet started are not started, and its error is raised."""
    names = list(dict.fromkeys(only or CHECKS))
    resolved = resolve_params(names, params)
    n_threads = check_threads() if threads is None else threads

    def one(n: str) -> list[Finding]:
        if on_check:
            on_check(n)
        t0 = time.perf_counter()
        found = CHECKS[n].run(store, resolved[n], policy)
        if on_done:
            on_done(n, time.perf_counter() - t0)
        return found

    if n_threads <= 1 or len(names) <= 1:
        return {n: one(n) for n in names}
    order = sorted(names, key=lambda n: not CHECKS[n].runs_long)  # stable: the rest in their order
    with ThreadPoolExecutor(min(n_threads, len(names)), thread_name_prefix="graphaudit-check") as pool:
        futures = {n: pool.submit(one, n) for n in order}
        done, _ = wait(futures.values(), return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures.values() if f in done and f.exception() is not None), None)
        if failed is not None:
            for f in futures.values():
                f.cancel()
            failed.result()  # raises its error (once the checks already running have ended)
    return {n: futures[n].result() for n in names}
