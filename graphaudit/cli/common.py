"""What every command of the ``graphaudit`` command line shares: the store options, the consoles, and the rule
that an expected failure is one red line and exit code 1, never a traceback."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from graphaudit.errors import GraphAuditError

__all__ = ["DbOpt", "Neo4jOpt", "DatabaseOpt", "console", "err", "friendly", "program", "examples"]

DbOpt = Annotated[
    Path | None, typer.Option("--db", help="数据库文件夹 Embedded store folder (default: ./graphaudit.db).")
]
Neo4jOpt = Annotated[
    str | None,
    typer.Option(
        "--neo4j",
        help=(
            "Neo4j 服务器或集群地址 bolt:// or neo4j:// "
            "URI of a Neo4j server or cluster; NEO4J_USER / NEO4J_PASSWORD."
        ),
    ),
]
DatabaseOpt = Annotated[
    str | None, typer.Option("--database", help="Neo4j 数据库名 Neo4j database name (default: home db).")
]

#: Piped or captured output gets a wide table rather than rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


@contextmanager
def friendly() -> Iterator[None]:
    """Expected failures (GraphAuditError) as one red line and exit code 1, never a traceback."""
    try:
        yield
    except GraphAuditError as e:
        err.print(f"[bold red]错误 error:[/bold red] {e}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None


def program() -> str:
    """This command as the user can type it again in the same shell: ``graphaudit`` when that is what the
    shell finds, else the path it was started by (``.venv/bin/graphaudit`` after ``make demo``)."""
    started = sys.argv[0] if sys.argv else ""
    if Path(started).name != "graphaudit":
        return "graphaudit"
    found = shutil.which("graphaudit")
    if found and os.path.realpath(found) == os.path.realpath(started):
        return "graphaudit"
    return shlex.quote(started if os.sep in started else os.path.realpath(started))


def examples(*lines: str) -> str:
    """A command's help epilog: example command lines, kept as written (click's \\b: no re-wrapping)."""
    return "\b\n例 Examples:\n" + "\n".join(f"  {line}" for line in lines)
