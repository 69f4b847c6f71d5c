"""``graphaudit report``: the monthly 通报 spreadsheet — the figures of the statistics cockpit
(graphaudit.cases.stats), by township, check, status and disposal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graphaudit.cli.cases import StateOpt, _cases
from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, friendly
from graphaudit.errors import GraphAuditError

__all__ = ["report"]


def report(
    out: Annotated[Path, typer.Option("--out", help="通报文件（.xlsx） The report file (.xlsx).")],
    month: Annotated[
        str | None,
        typer.Option("--month", help="月份 YYYY-MM（默认本月） The month YYYY-MM (default: this month)."),
    ] = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
) -> None:
    """月度通报 The monthly report: a summary sheet, then by township, by check, by status and disposal."""
    from graphaudit.cases.report import write_report
    from graphaudit.cases.run import titles
    from graphaudit.cases.stats import figures

    with friendly():
        store = _cases(db, neo4j, state)
        try:
            fig = figures(store.state, month, titles=titles())
        except ValueError as e:
            raise GraphAuditError(f"--month: {e}") from None
        write_report(fig, out)
    t = fig["totals"]
    console.print(
        f"{out}：{fig['month']} 线索 {t['cases']} 条，涉及 {t['amount']:,.2f} 元，"
        f"本月新增 {t['new_this_month']}，"
        f"本月销号 {t['closed_this_month']}，累计追缴 {t['recovered']:,.2f} 元，逾期 {t['overdue']}",
        highlight=False,
    )
