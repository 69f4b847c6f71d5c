"""The ``graphaudit`` command line (the surface of DATA_CONTRACT.md §3)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, err, friendly
from graphaudit.errors import GraphAuditError
from graphaudit.model import MODEL

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="graphaudit: cross-check county registers for grassroots micro-corruption.",
)


@contextmanager
def _progress(title: str) -> Iterator[callable]:  # type: ignore[valid-type]
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as p:
        task = p.add_task(title)
        yield lambda msg: p.update(task, description=f"{title}: {msg}")


def _store(db: Path | None, neo4j: str | None, database: str | None, read_only: bool = False):  # type: ignore[no-untyped-def]
    from graphaudit.store import open_store

    return open_store(db, neo4j, database, read_only=read_only)


@app.command()
def ingest(
    dataset_dir: Annotated[Path, typer.Argument(help="Folder of source files (households*.csv, …).")],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    report: Annotated[Path | None, typer.Option(help="Where to write the load report CSV.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Load or update a store from a dataset folder. Atomic: on any error the store is unchanged."""
    from graphaudit.ingest.pipeline import ingest as run_ingest

    with friendly():
        store = _store(db, neo4j, database)
        try:
            with _progress("ingest") as progress:
                rep = run_ingest(dataset_dir, store, progress)
        finally:
            store.close()
        where = report or (Path(db or "graphaudit.db") / "reports" if not neo4j else Path("."))
        if report is None:
            where = where / f"load-report-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        rep.write_csv(where)
        if json_out:
            console.print_json(json.dumps(rep.as_dict(), ensure_ascii=False))
        else:
            rep.print(console)
            console.print(
                f"Loaded in {rep.seconds:.1f} s: "
                + ", ".join(f"{k} {v:,}" for k, v in rep.counts.items() if k in MODEL.nodes and v)
            )


@app.command()
def info(
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print counts as JSON.")] = False,
) -> None:
    """Counts per node label and relationship type."""
    with friendly():
        store = _store(db, neo4j, database, read_only=True)
        try:
            stats = store.stats()
        finally:
            store.close()
    if json_out:
        print(
            json.dumps(
                {
                    "nodes": {k: stats[k] for k in MODEL.nodes},
                    "relationships": {k: stats[k] for k in MODEL.rels},
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    t = Table(title="图谱统计 Graph", title_justify="left")
    t.add_column("kind")
    t.add_column("name")
    t.add_column("中文")
    t.add_column("count", justify="right")
    for k, n in MODEL.nodes.items():
        t.add_row("node", k, n.zh, f"{stats[k]:,}")
    for k, r in MODEL.rels.items():
        t.add_row("relationship", k, r.zh, f"{stats[k]:,}")
    console.print(t)


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the dataset into.")],
    size: Annotated[str, typer.Option(help="village, township, county or prefecture.")] = "township",
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 0,
    messy: Annotated[
        bool, typer.Option(help="Write the mess real registers have (GBK, XLSX, odd dates …).")
    ] = False,
) -> None:
    """Write a synthetic county dataset with planted cases and their truth (truth.json)."""
    from graphaudit.synth import SIZES, generate

    with friendly():
        if size not in SIZES:
            raise GraphAuditError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
        with _progress(f"synth {size}"):
            res = generate(out_dir, size=size, seed=seed, messy=messy)
    t = Table(title=f"合成数据 Synthetic {size} → {out_dir}", title_justify="left")
    t.add_column("file")
    t.add_column("rows", justify="right")
    for k, v in res.counts.items():
        t.add_row(k, f"{v:,}")
    console.print(t)
    console.print(f"{res.cases} planted cases in [bold]{res.truth_path}[/bold]")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's data, store and report.")] = Path(
        "graphaudit-demo"
    ),
    size: Annotated[str, typer.Option(help="Synthetic size.")] = "township",
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """A synthetic township, end to end on the embedded store: synth → ingest → info → check."""
    from graphaudit.cli.check import check

    data, db, findings = out / "data", out / "graphaudit.db", out / "findings.xlsx"
    console.rule("[bold]1/4 synth")
    synth(data, size=size, seed=seed, messy=True)
    console.rule("[bold]2/4 ingest")
    ingest(data, db=db, neo4j=None, database=None, report=out / "load-report.csv", json_out=False)
    console.rule("[bold]3/4 info")
    info(db=db, neo4j=None, database=None, json_out=False)
    console.rule("[bold]4/4 check")
    check(out=findings, db=db, neo4j=None, database=None, only=None, param=None, show_ids=False)
    console.print(
        f"Store: [bold]{db}[/bold]   data: [bold]{data}[/bold]   load report: "
        f"[bold]{out / 'load-report.csv'}[/bold]\nFindings (most severe first): [bold]{findings}[/bold]   "
        f"planted truth: [bold]{data / 'truth.json'}[/bold]"
    )


def _mount() -> None:
    """The commands that live in modules of their own: ``check`` (cli.check), ``export`` (cli.export),
    ``serve`` and ``tokens`` (cli.serve), ``neo4j`` (neo4j_local.cli)."""
    from graphaudit.cli.cases import app as cases_app
    from graphaudit.cli.check import check
    from graphaudit.cli.export import export
    from graphaudit.cli.serve import serve, tokens_app
    from graphaudit.neo4j_local.cli import app as neo4j_app

    app.command()(check)
    app.command()(export)
    app.command()(serve)
    app.add_typer(cases_app, name="cases", help="线索 Cases: list, show, review.")
    app.add_typer(tokens_app, name="tokens", help="API tokens: create, list, revoke.")
    app.add_typer(neo4j_app, name="neo4j", help="A throwaway local Neo4j server (start, stop, status).")


_mount()
