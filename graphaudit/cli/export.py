"""``graphaudit export``: a selection of the graph and its findings in an analyst's format (DATA_CONTRACT §3).

Registered in graphaudit/cli/main.py as ``app.command()(export)``; the work is
:func:`graphaudit.export.export_selection`.  The ``--format`` help lists :data:`graphaudit.export.FORMATS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, err, friendly
from graphaudit.export import FORMATS, format_help

__all__ = ["export", "selection_from_options"]


def selection_from_options(
    flagged: bool,
    finding: list[str] | None,
    around: str | None,
    hops: int | None,
    only: list[str] | None,
    min_severity: int,
    limit: int,
    param: list[str] | None,
):
    """The :class:`~graphaudit.export.Selection` the options name; exactly one of ``--flagged``,
    ``--finding`` and ``--around`` must be given."""
    from graphaudit.cli.check import parse_params
    from graphaudit.export import Selection, SelectionError

    ids = [i.strip() for item in finding or [] for i in item.split(",") if i.strip()]
    chosen = [
        name
        for name, on in (("--flagged", flagged), ("--finding", bool(finding)), ("--around", around))
        if on
    ]
    if len(chosen) != 1:
        raise SelectionError(
            "choose what to export with exactly one of --flagged, --finding ID or "
            f"--around NODE_ID (got {' and '.join(chosen) or 'none'})"
        )
    names = tuple(dict.fromkeys(n.strip() for item in only or [] for n in item.split(",") if n.strip()))
    if around and (names or min_severity):
        raise SelectionError("--only and --min-severity select findings; they do not apply to --around")
    mode = "flagged" if flagged else "findings" if finding else "around"
    return Selection(
        mode=mode,
        only=names,
        min_severity=min_severity,
        finding_ids=tuple(ids),
        node_id=around,
        hops=hops,
        limit=limit,
        params=parse_params(param),
    )


def export(
    fmt: Annotated[
        str,
        typer.Option("--format", help="导出格式 Format: " + format_help()),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="输出文件，文件夹格式写入文件夹 File to write (a folder for a folder format).",
        ),
    ],
    flagged: Annotated[
        bool,
        typer.Option(
            "--flagged", help="运行核查并导出线索证据 Run the checks; export the evidence of their findings."
        ),
    ] = False,
    finding: Annotated[
        list[str] | None,
        typer.Option(
            "--finding",
            help=(
                "导出此条发现的证据 Export the evidence of this finding id (repeatable, or comma-separated)."
            ),
        ),
    ] = None,
    around: Annotated[
        str | None,
        typer.Option(
            "--around", help="导出此节点周边 Export the neighbourhood of this node id (or Label:id)."
        ),
    ] = None,
    hops: Annotated[
        int | None,
        typer.Option(
            "--hops",
            help=(
                "向外扩展的步数 Also take nodes this "
                "many hops out (default: 0 for findings, 1 with --around)."
            ),
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="只运行此规则 Run only this check (repeatable, or comma-separated)."),
    ] = None,
    min_severity: Annotated[
        int, typer.Option("--min-severity", help="最低严重程度 Only findings at least this severe (0–100).")
    ] = 0,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="规则参数 Check parameter key=value or check.key=value (repeatable), as for `check`.",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="扩展时最多节点数 Stop walking --hops at this many nodes.")
    ] = 5000,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    show_ids: Annotated[
        bool,
        typer.Option(
            "--show-ids", help="写出完整身份证号、账号和电话 Write ID numbers, accounts and phones unmasked."
        ),
    ] = False,
) -> None:
    """导出证据子图（Gephi、Neo4j、Excel、Aleph 等） Export flagged subgraphs, chosen findings or a
    node's neighbourhood for Gephi, Neo4j, Excel, Aleph or a self-contained HTML evidence bundle.  ID
    numbers, accounts and phones are masked unless --show-ids."""
    from graphaudit.export import export_selection, target

    with friendly():
        sel = selection_from_options(flagged, finding, around, hops, only, min_severity, limit, param)
        sel.check()
        target(fmt, out)
        from graphaudit.store import open_store

        store = open_store(db, neo4j, database, read_only=True)
        try:
            with err.status(f"export {fmt}"):
                res = export_selection(store, sel, fmt, out, show_ids=show_ids)
        finally:
            store.close()
    where = res.files[0].parent if FORMATS[fmt].folder else res.files[0]
    console.print(
        f"节点 {res.nodes} nodes，关系 {res.relationships} relationships，发现 {res.findings} findings → "
        f"[bold]{where}[/bold]（{fmt}，"
        + ("身份证号已遮蔽 IDs masked" if not show_ids else "身份证号未遮蔽 IDs NOT masked")
        + "）",
        highlight=False,
    )
