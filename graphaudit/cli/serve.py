"""``graphaudit serve`` (API + web pages) and ``graphaudit tokens create|list|revoke``.

Registered in graphaudit/cli.py as ``app.command()(serve)`` and ``app.add_typer(tokens_app, name="tokens")``.
Tokens, findings, reviews and the audit log live in the state folder (graphaudit/api/state.py):
``<db>/state/`` for the embedded store, ``./graphaudit-state/`` for Neo4j, or ``--state DIR``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, err, friendly
from graphaudit.errors import GraphAuditError

__all__ = ["serve", "tokens_app", "default_workers"]

tokens_app = typer.Typer(add_completion=False, no_args_is_help=True)

StateOpt = Annotated[
    Path | None,
    typer.Option(
        "--state",
        help="State folder: tokens, findings, reviews, audit log (default: <db>/state, or "
        "./graphaudit-state with --neo4j).",
    ),
]
ROLES = "investigator, auditor, analyst or admin"


def _state(db: Path | None, neo4j: str | None, state: Path | None):  # type: ignore[no-untyped-def]
    from graphaudit.api.state import State, state_dir

    return State(state_dir(db, neo4j, state))


def default_workers() -> int:
    """One worker process per CPU core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


def serve(
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=32,
            help="Worker processes (default: one per CPU core, at most 4). Each opens the "
            "store read-only and keeps its own search index.",
        ),
    ] = None,
) -> None:
    """Serve the API and the web pages over one store (tokens from `graphaudit tokens create`)."""
    import uvicorn

    from graphaudit.api.app import SERVE_ENV, create_app
    from graphaudit.api.state import state_dir
    from graphaudit.store import open_store

    n = workers or default_workers()
    with friendly():
        if not 0 < port < 65536:
            raise GraphAuditError(f"--port {port}: must be between 1 and 65535")
        folder = state_dir(db, neo4j, state)
        store = open_store(db, neo4j, database, read_only=True, query_threads=1)
        try:
            store.stats()  # fail now, with one line, if the store is empty or unreachable
            app = create_app(store, folder)
            if not app.state.services.tokens.list():
                err.print(
                    "[yellow]no tokens yet:[/yellow] create one with "
                    f"`graphaudit tokens create --role admin --name NAME{' --state ' + str(state) if state else ''}`"
                )
            if n == 1:
                with console.status("loading the search index…"):
                    app.state.services.warm()
        except BaseException:
            store.close()
            raise
        console.print(
            f"graphaudit serving on [bold]http://{host}:{port}/[/bold]  "
            f"({n} worker{'s' if n > 1 else ''}; state: {folder})"
        )
        if n == 1:
            try:
                uvicorn.run(app, host=host, port=port, log_level="warning")
            finally:
                store.close()
            return
        store.close()  # each worker opens its own
        os.environ[SERVE_ENV] = json.dumps(
            {"db": str(db) if db else None, "neo4j": neo4j, "database": database, "state": str(folder)}
        )
        uvicorn.run(
            "graphaudit.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=n,
            log_level="warning",
        )


@tokens_app.command("create")
def create(
    role: Annotated[str, typer.Option(help=ROLES)],
    name: Annotated[str, typer.Option(help="Who holds the token (shown in the audit log).")],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    state: StateOpt = None,
) -> None:
    """Create a token; it is printed once and stored only as its sha256."""
    with friendly():
        token_id, token = _tokens(db, neo4j, state).create(name, role)
    console.print(f"token {token_id} for {name} ({role}) — shown once, keep it safe:")
    print(token)


@tokens_app.command("list")
def list_(db: DbOpt = None, neo4j: Neo4jOpt = None, state: StateOpt = None) -> None:
    """List tokens (never their secrets)."""
    with friendly():
        rows = _tokens(db, neo4j, state).list()
    t = Table(title="访问令牌 Tokens", title_justify="left")
    for c in ("id", "name", "role", "created", "revoked"):
        t.add_column(c)
    for r in rows:
        t.add_row(
            str(r["id"]), str(r["name"]), str(r["role"]), str(r["created_at"]), str(r["revoked_at"] or "")
        )
    console.print(t)


@tokens_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (tokens list).")],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    state: StateOpt = None,
) -> None:
    """Revoke a token: it stops working at once."""
    with friendly():
        _tokens(db, neo4j, state).revoke(token_id)
    console.print(f"token {token_id} revoked")


def _tokens(db: Path | None, neo4j: str | None, state: Path | None):  # type: ignore[no-untyped-def]
    from graphaudit.api.tokens import TokenStore

    return TokenStore(_state(db, neo4j, state))
