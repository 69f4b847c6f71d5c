"""``graphaudit check``: run the canned checks over a store and write the findings (DATA_CONTRACT.md §3).

Registered in graphaudit/cli/main.py as ``app.command()(check)``.  The help lists the checks of the registry
(:data:`graphaudit.checks.CHECKS`) and the findings formats (:data:`graphaudit.findings.FINDINGS_FORMATS`).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graphaudit.checks import CHECKS
from graphaudit.cli.cases import StateOpt
from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, err, friendly
from graphaudit.errors import GraphAuditError
from graphaudit.findings import FINDINGS_FORMATS, findings_suffixes

__all__ = ["check", "parse_params"]

TOP = 5  # findings printed under the summary table


def parse_params(items: list[str] | None) -> dict[str, str]:
    """``["kin_hops=2", "split_contracts.threshold=50000"]`` → a dict; a malformed item is an error."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise GraphAuditError(
                f"--param {item!r}: expected key=value (e.g. kin_hops=2 or split_contracts.threshold=50000)"
            )
        out[key.strip()] = value.strip()
    return out


def _names(only: list[str] | None) -> list[str]:
    names = [n.strip() for item in only or [] for n in item.split(",") if n.strip()]
    return list(dict.fromkeys(names)) or list(CHECKS)


OUT_HELP = "线索文件 Findings file: " + "; ".join(f"{f.suffix} {f.title}" for f in FINDINGS_FORMATS.values())
ONLY_HELP = (
    "只运行这项检查（可重复，或以逗号分隔） Run only this check (repeatable, or comma-separated): "
    + ", ".join(f"{c.name}（{c.title}）" for c in CHECKS.values())
)


def _lacking_notes(store: Any, names: list[str]) -> list[str]:
    """One line per check whose data the store lacks (a dataset of some sources only)."""
    from graphaudit.checks.needs import lacking_note

    stats = store.stats()
    return [note for n in names if (note := lacking_note(CHECKS[n], stats))]


def check(
    out: Annotated[Path, typer.Option("--out", help=OUT_HELP)],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help=ONLY_HELP),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help=(
                "修改规则参数 Override a parameter: key=value, or check.key=value for one check (repeatable)."
            ),
        ),
    ] = None,
    show_ids: Annotated[
        bool,
        typer.Option("--show-ids", help="写出完整身份证号和账号 Write ID numbers and accounts unmasked."),
    ] = False,
    state: StateOpt = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            help="县级政策文件 County policy (YAML): programmes, vehicle types, housing, standards; "
            "keys left out keep the shipped default (graphaudit/policy.yaml).",
        ),
    ] = None,
) -> None:
    """运行核查规则，输出线索（最严重的在前） Run the checks over a store and write the findings, most
    severe first; the run and its cases are recorded in the store's state (what `graphaudit cases` and the
    web pages show)."""
    from graphaudit.cases.run import cli_who, data_version, org_names, record_run
    from graphaudit.checks import CHECKS, resolve_params, run_checks
    from graphaudit.findings import write_findings
    from graphaudit.state import State, state_dir

    with friendly():
        if out.suffix.lower() not in FINDINGS_FORMATS:
            raise GraphAuditError(
                f"--out {out.name}：线索只能写成 findings are written as {findings_suffixes()}"
            )
        names = _names(only)
        given = parse_params(param)
        resolved = resolve_params(names, given)
        from graphaudit.policy import load_policy

        rules = load_policy(policy)
        from graphaudit.store import open_store

        store = open_store(db, neo4j, database, read_only=True)
        results: dict[str, Any] = {}
        seconds: dict[str, float] = {}
        try:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as progress:
                task = progress.add_task("核查 checks", total=len(names))
                running: list[str] = []
                lock = threading.Lock()

                def shown() -> str:
                    return "，".join(f"{n} {CHECKS[n].title}" for n in running)

                def started(n: str) -> None:
                    with lock:
                        running.append(n)
                        progress.update(task, description=shown())

                def ended(n: str, secs: float) -> None:
                    with lock:
                        running.remove(n)
                        seconds[n] = secs
                        progress.update(task, description=shown(), advance=1)

                t0 = time.perf_counter()
                results = run_checks(store, names, given, started, rules, on_done=ended)
                wall = time.perf_counter() - t0
            version, orgs = data_version(store), org_names(store)
            notes = _lacking_notes(store, names)
        finally:
            store.close()
        findings = [f for n in names for f in results[n]]
        path = write_findings(findings, out, show_ids=show_ids)
        folder = state_dir(db, neo4j, state)
        rec = record_run(
            State(folder),
            results,
            resolved,
            who=cli_who(),
            seconds=wall,
            version=version,
            orgs=orgs,
        )
    table = Table(title=f"线索发现 {len(findings)} findings → {path}")
    for col, justify in (
        ("规则 check", "left"),
        ("检查项", "left"),
        ("发现 findings", "right"),
        ("金额（元）", "right"),
        ("最高严重度", "right"),
        ("耗时（秒）", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for n in names:
        fs = results[n]
        table.add_row(
            n,
            CHECKS[n].title,
            str(len(fs)),
            f"{sum(f.amount for f in fs):,.2f}",
            str(max((f.severity for f in fs), default=0)),
            f"{seconds[n]:.2f}",
        )
    console.print(table)
    console.print(
        f"线索 {rec.cases} 条（{len(findings)} 项发现归并）："
        + "，".join(f"{k} {v}" for k, v in rec.changes.items())
        + f"  → {folder}",
        highlight=False,
    )
    for note in notes:
        console.print(f"[yellow]注意 note:[/yellow] {note}", soft_wrap=True, highlight=False)
    top = sorted(findings, key=lambda f: (-f.severity, f.check, f.finding_id))[:TOP]
    if top:
        console.print(f"[bold]最严重的{len(top)}条线索 Most severe[/bold]")
        for f in top:
            console.print(
                f"  [bold red]{f.severity:>3}[/bold red] {f.explanation}  [dim]{f.finding_id}[/dim]",
                highlight=False,
            )
