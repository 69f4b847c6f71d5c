"""``graphaudit neo4j start|stop|status|fetch``: manage a throwaway local Neo4j server.

Mounted by the main CLI as a sub-app; also runnable as ``python -m graphaudit.neo4j_local``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from graphaudit.neo4j_local.server import (
    LocalNeo4j,
    Neo4jServerError,
    default_home,
    ensure_jars,
    port_is_free,
    stop_pid,
)

app = typer.Typer(
    name="neo4j",
    help=(
        "本机临时 Neo4j 服务器 Run a throwaway local "
        "Neo4j Community server (jars from Maven Central, no Docker)."
    ),
    no_args_is_help=True,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="服务器目录 Server home directory (default: .cache/neo4j/run/default)"),
]


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print one red error line (plus any indented detail) and exit with ``code``."""
    first, _, rest = str(message).partition("\n")
    err.print(f"[bold red]错误 error:[/] {escape(first)}", highlight=False)
    if rest:
        err.print(rest, highlight=False, markup=False)
    raise typer.Exit(code)


def _home(home: Path | None) -> Path:
    return (home or default_home()).expanduser().resolve()


@app.command()
def fetch() -> None:
    """下载 Neo4j 服务器程序 Download the Neo4j server jars (Maven) into the cache if they are missing."""
    try:
        lib = ensure_jars(quiet=False)
    except Neo4jServerError as exc:
        _fail(str(exc))
    out.print(f"Neo4j 程序已就绪 jars ready in {lib}", highlight=False)


@app.command()
def start(
    home: HomeOpt = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Bolt 端口 Bolt port (default: a free port)")
    ] = None,
    heap: Annotated[str, typer.Option("--heap", help="JVM 最大堆内存 JVM max heap, e.g. 512m, 1g")] = "1g",
    timeout: Annotated[
        float, typer.Option("--timeout", help="等待 Bolt 就绪的秒数 Seconds to wait for Bolt")
    ] = 120.0,
) -> None:
    """启动本机 Neo4j 服务器 Start a server in the background and print how to connect to it."""
    home_path = _home(home)
    server = LocalNeo4j.from_state(home_path)
    if server is not None and server.is_running():
        out.print(f"Neo4j 已在运行 already running at [bold]{server.uri}[/] (pid {server.pid})")
        _print_usage(server)
        return
    password = None
    if server is not None:  # restart a stopped server: same data, same password, same port if free
        password, previous = server.password, server.requested_port
        port = port or (previous if previous and port_is_free(previous) else None)
    try:
        server = LocalNeo4j(
            home_path, port, heap=heap, password=password, startup_timeout=timeout, detach=True
        )
        server.start()
    except (Neo4jServerError, ValueError, OSError) as exc:
        _fail(str(exc))
    took = f", {server.started_in:.1f} s" if server.started_in else ""
    out.print(f"Neo4j 已启动 started at [bold]{server.uri}[/] (pid {server.pid}{took})")
    _print_usage(server)


def _print_usage(server: LocalNeo4j) -> None:
    out.print(
        f"  export NEO4J_USER={server.user} NEO4J_PASSWORD={server.password}\n"
        f"  graphaudit ingest DIR --neo4j {server.uri}\n"
        f"  stop with: graphaudit neo4j stop --home {server.home}",
        highlight=False,
        markup=False,
    )


@app.command()
def stop(
    home: HomeOpt = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="强制结束前等待的秒数 Seconds before SIGKILL")
    ] = 30.0,
) -> None:
    """停止 Neo4j 服务器 Stop the server of ``--home`` (SIGTERM, then SIGKILL after the timeout)."""
    home_path = _home(home)
    server = LocalNeo4j.from_state(home_path)
    if server is None:
        _fail(f"no Neo4j state in {home_path} (was it started with `graphaudit neo4j start`?)")
    if server.pid is None or not stop_pid(server.pid, server.home, timeout):
        server.write_state(running=False)
        out.print(f"Neo4j 未运行 in {home_path} is not running")
        return
    server.write_state(running=False)
    out.print(f"Neo4j 已停止 stopped (pid {server.pid})")


@app.command()
def status(
    home: HomeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 Machine-readable output")] = False,
) -> None:
    """Neo4j 服务器是否在运行 Report whether the server of ``--home`` is running; exit code 0 if running,
    3 if not."""
    home_path = _home(home)
    server = LocalNeo4j.from_state(home_path)
    info: dict[str, Any] = (
        server.status()
        if server is not None
        else {
            "running": False,
            "uri": None,
            "user": None,
            "password": None,
            "pid": None,
            "home": str(home_path),
            "rss_mb": None,
        }
    )
    if as_json:
        typer.echo(json.dumps(info))
    elif info["running"]:
        mem = f", RSS {info['rss_mb']:.0f} MiB" if info["rss_mb"] else ""
        out.print(f"运行中 running: {info['uri']} (pid {info['pid']}{mem}) home {home_path}", highlight=False)
    else:
        out.print(f"未运行 stopped: home {home_path}", highlight=False)
    raise typer.Exit(0 if info["running"] else 3)
