"""``graphaudit serve`` (API + web pages) and ``graphaudit tokens create|list|revoke``.

Registered in graphaudit/cli.py as ``app.command()(serve)`` and ``app.add_typer(tokens_app, name="tokens")``.
Tokens, findings, reviews and the audit log live in the state folder (graphaudit/api/state.py):
``<db>/state/`` for the embedded store, ``./graphaudit-state/`` for Neo4j, or ``--state DIR``.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from graphaudit.api.roles import ROLE_ZH
from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, err, friendly, program
from graphaudit.errors import GraphAuditError

__all__ = ["serve", "tokens_app", "default_workers", "create_token", "worker_app"]

tokens_app = typer.Typer(add_completion=False, no_args_is_help=True)

StateOpt = Annotated[
    Path | None,
    typer.Option(
        "--state",
        help="状态文件夹 State folder: tokens, findings, reviews, audit log (default: <db>/state, or "
        "./graphaudit-state with --neo4j).",
    ),
]
#: The --role help: each role with its Chinese name (graphaudit.api.roles).
ROLES = "角色 role: " + "、".join(f"{r.value} {zh}" for r, zh in ROLE_ZH.items())


def _state(db: Path | None, neo4j: str | None, state: Path | None):
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
    host: Annotated[
        str, typer.Option(help="监听地址（默认仅本机） Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=32,
            help="工作进程数 Worker processes (default: one per CPU core, at most 4). Each opens the "
            "store read-only and keeps its own search index.",
        ),
    ] = None,
) -> None:
    """启动网页服务与接口 Serve the API and the web pages over one store (tokens from `graphaudit tokens
    create`). The URL is printed once the pages answer: each worker first builds its search index."""
    import uvicorn

    from graphaudit.api.app import SERVE_ENV, create_app
    from graphaudit.api.state import state_dir
    from graphaudit.store import open_store

    n = workers or default_workers()
    t0 = time.monotonic()
    with friendly():
        if not 0 < port < 65536:
            raise GraphAuditError(f"--port {port}：应在 1 到 65535 之间 must be between 1 and 65535")
        folder = state_dir(db, neo4j, state)
        store = open_store(db, neo4j, database, read_only=True, query_threads=1)
        try:
            store.stats()  # fail now, with one line, if the store is empty or unreachable
            app = create_app(store, folder)
            if not app.state.services.tokens.list():
                err.print(
                    "[yellow]还没有令牌 no tokens yet:[/yellow] create one with "
                    f"`{_tokens_create_command(db, neo4j, state)}`",
                    soft_wrap=True,
                    highlight=False,
                )
        except BaseException:
            store.close()
            raise
    err.print(
        f"正在建立搜索索引 building the search index{'es' if n > 1 else ''} "
        f"({n} worker{'s' if n > 1 else ''}); the URL follows when the pages answer…",
        highlight=False,
        soft_wrap=True,
    )
    ready = Ready(host, port, n, t0, folder)
    if n == 1:
        try:
            with friendly():
                app.state.services.warm()
            server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
            ready.watch(lambda: bool(server.started))
            server.run()
        finally:
            ready.stopped.set()
            store.close()
        return
    store.close()  # each worker opens its own
    with tempfile.TemporaryDirectory(prefix="graphaudit-ready-") as marks:
        os.environ[SERVE_ENV] = json.dumps(
            {"db": str(db) if db else None, "neo4j": neo4j, "database": database, "state": str(folder)}
        )
        os.environ[READY_ENV] = marks
        ready.watch(lambda: len(os.listdir(marks)) >= n, lambda: f"{len(os.listdir(marks))}/{n}")
        try:
            uvicorn.run(
                "graphaudit.cli.serve:worker_app",
                factory=True,
                host=host,
                port=port,
                workers=n,
                log_level="warning",
                # uvicorn pings each worker and replaces one that has not answered within this many seconds; a
                # worker building its search index on a busy machine can take longer than the default 5 s
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            )
        finally:
            ready.stopped.set()


#: Seconds a worker may take to answer uvicorn's health check before it is replaced.
WORKER_HEALTHCHECK_S = 60

#: Where each worker of ``serve --workers N`` marks itself ready (a folder; one file per worker process).
READY_ENV = "GRAPHAUDIT_SERVE_READY"


def worker_app() -> Any:
    """A worker's app (graphaudit.api.app.app_from_env: search index built before it returns) that marks
    itself ready in ``$GRAPHAUDIT_SERVE_READY`` when uvicorn starts it, just before it takes requests."""
    from graphaudit.api.app import app_from_env

    app = app_from_env()
    marks = os.environ.get(READY_ENV)
    if marks:
        mark = Path(marks) / str(os.getpid())
        app.router.on_startup.append(lambda: mark.touch())
    return app


@dataclass
class Ready:
    """Announces the URL once the server takes requests: when ``is_ready()`` holds and the port answers."""

    host: str
    port: int
    workers: int
    t0: float
    state: Path

    stopped: threading.Event = field(default_factory=threading.Event)

    def watch(self, is_ready: Callable[[], bool], progress: Callable[[], str] | None = None) -> None:
        """Wait in a thread of its own (until ``stopped`` is set, when the server ends first)."""
        threading.Thread(target=self._wait, args=(is_ready, progress), daemon=True).start()

    def _wait(self, is_ready: Callable[[], bool], progress: Callable[[], str] | None) -> None:
        shown = ""
        try:
            while not (is_ready() and self._answers()):
                if progress is not None and progress() != shown and err.is_terminal:
                    shown = progress()
                    err.print(f"  {shown} 个工作进程就绪 workers ready", highlight=False)
                if self.stopped.wait(0.1):
                    return
        except OSError:  # the readiness folder is gone: the server stopped
            return
        url_host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        url_host = f"[{url_host}]" if ":" in url_host else url_host
        console.print(
            f"graphaudit 网页服务已就绪 serving on [bold]http://{url_host}:{self.port}/[/bold]  "
            f"({self.workers} worker{'s' if self.workers > 1 else ''}, ready in "
            f"{time.monotonic() - self.t0:.1f} s; state: {self.state}; Ctrl-C 停止 stops)",
            soft_wrap=True,
            highlight=False,
        )

    def _answers(self) -> bool:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else "::1" if self.host == "::" else self.host
        try:
            with socket.create_connection((host, self.port), timeout=1):
                return True
        except OSError:
            return False


def _tokens_create_command(db: Path | None, neo4j: str | None, state: Path | None) -> str:
    where = (
        f" --state {shlex.quote(str(state))}"
        if state
        else f" --neo4j {shlex.quote(neo4j)}"
        if neo4j
        else f" --db {shlex.quote(str(db))}"
        if db
        else ""
    )
    return f"{program()} tokens create{where} --role admin --name NAME"


def create_token(
    db: Path | None, neo4j: str | None, state: Path | None, name: str, role: str
) -> tuple[int, str]:
    """A new token (its id and the secret, which is not kept) in the state folder of this store."""
    return _tokens(db, neo4j, state).create(name, role)


@tokens_app.command("create")
def create(
    role: Annotated[str, typer.Option(help=ROLES)],
    name: Annotated[
        str, typer.Option(help="令牌持有人（记入审计日志） Who holds the token (shown in the audit log).")
    ],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    state: StateOpt = None,
) -> None:
    """创建登录令牌（只显示一次） Create a token; it is printed once and stored only as its sha256."""
    with friendly():
        token_id, token = create_token(db, neo4j, state, name, role)
    console.print(
        f"令牌 token {token_id}（{name}，{role}）只显示这一次，请妥善保存 shown once, keep it safe:"
    )
    print(token)


@tokens_app.command("list")
def list_(db: DbOpt = None, neo4j: Neo4jOpt = None, state: StateOpt = None) -> None:
    """列出令牌（不显示密钥） List tokens (never their secrets)."""
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
    token_id: Annotated[int, typer.Argument(help="令牌编号 The token's id (tokens list).")],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    state: StateOpt = None,
) -> None:
    """吊销令牌，立即失效 Revoke a token: it stops working at once."""
    with friendly():
        _tokens(db, neo4j, state).revoke(token_id)
    console.print(f"令牌 token {token_id} 已吊销 revoked")


def _tokens(db: Path | None, neo4j: str | None, state: Path | None):
    from graphaudit.api.tokens import TokenStore

    return TokenStore(_state(db, neo4j, state))
