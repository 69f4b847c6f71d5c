"""Real tests of the throwaway Neo4j server (graphaudit.neo4j_local.server, graphaudit.neo4j_local.cli). No
mocks."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import time
from pathlib import Path

import neo4j
import pytest
from neo4j.exceptions import AuthError
from typer.testing import CliRunner

from graphaudit.neo4j_local.cli import app
from graphaudit.neo4j_local.server import (
    LocalNeo4j,
    Neo4jServerError,
    admin_command,
    ensure_jars,
    pid_alive,
    port_is_free,
    runtime,
)
from tests.neo4j_fixture import Neo4jServerInfo, clear_database

pytestmark = pytest.mark.neo4j
runner = CliRunner()


def _decode_addr(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    ip6 = ipaddress.IPv6Address(words)
    return str(ip6.ipv4_mapped or ip6)


def listening_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state owned by ``pid`` (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                addr, port = cols[1].split(":")
                found.add((_decode_addr(addr), int(port, 16)))
    return found


def _local(info: Neo4jServerInfo) -> LocalNeo4j:
    if info.local is None:
        pytest.skip("external server (GRAPHAUDIT_NEO4J_URI): local-process checks do not apply")
    return info.local


def test_server_answers_cypher(neo4j_server: Neo4jServerInfo) -> None:
    with neo4j_server.driver() as drv:
        records, _, _ = drv.execute_query("RETURN 1 AS one")
    assert records[0]["one"] == 1


def test_password_is_not_default(neo4j_server: Neo4jServerInfo) -> None:
    assert neo4j_server.password not in ("", "neo4j")
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=("neo4j", "neo4j")) as drv:
        with pytest.raises(AuthError):
            drv.verify_connectivity()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_bolt_on_loopback_only_and_http_off(neo4j_server: Neo4jServerInfo) -> None:
    server = _local(neo4j_server)
    assert server.pid is not None
    assert listening_sockets(server.pid) == {("127.0.0.1", server.port)}  # no 7474/7473, no 0.0.0.0
    conf = (server.home / "conf" / "neo4j.conf").read_text().splitlines()
    assert "server.http.enabled=false" in conf and "server.https.enabled=false" in conf
    assert f"server.bolt.listen_address=127.0.0.1:{server.port}" in conf
    assert "dbms.usage_report.enabled=false" in conf


def test_clear_database_empties_default_db(neo4j_clean: Neo4jServerInfo) -> None:
    with neo4j_clean.driver() as drv:
        drv.execute_query("CREATE CONSTRAINT t_id IF NOT EXISTS FOR (n:T) REQUIRE n.id IS UNIQUE")
        drv.execute_query("CREATE INDEX t_name IF NOT EXISTS FOR (n:T) ON (n.name)")
        drv.execute_query("CREATE (:T {id: 1, name: 'a'})-[:R]->(:T {id: 2, name: 'b'})")
        clear_database(neo4j_clean)
        assert drv.execute_query("MATCH (n) RETURN count(n) AS c").records[0]["c"] == 0
        assert drv.execute_query("SHOW CONSTRAINTS").records == []
        kinds = {r["type"] for r in drv.execute_query("SHOW INDEXES YIELD type").records}
        assert kinds <= {"LOOKUP"}


def test_second_server_start_stop_leaves_nothing(neo4j_runtime: Path, tmp_path: Path) -> None:
    with LocalNeo4j(tmp_path / "second") as server:
        pid, port = server.pid, server.port
        assert pid is not None and pid_alive(pid)
        with neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as drv:
            assert drv.execute_query("RETURN 2 AS two").records[0]["two"] == 2
        state = json.loads(server.state_path.read_text())
        assert state["pid"] == pid and state["uri"] == server.uri
        assert state["password"] == server.password
        assert server.state_path.stat().st_mode & 0o077 == 0
    assert not pid_alive(pid)
    assert port_is_free(port)
    assert json.loads(server.state_path.read_text())["pid"] is None


def _status(home: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["status", "--home", str(home), "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_cli_start_status_stop(neo4j_runtime: Path, tmp_path: Path) -> None:
    home = tmp_path / "cli"
    code, info = _status(home)
    assert (code, info["running"]) == (3, False)
    started = runner.invoke(app, ["start", "--home", str(home), "--heap", "512m"])
    try:
        assert started.exit_code == 0, started.output
        assert "bolt://127.0.0.1:" in started.stdout and "NEO4J_PASSWORD=" in started.stdout
        code, info = _status(home)
        assert (code, info["running"]) == (0, True)
        pid = info["pid"]
        assert isinstance(pid, int) and pid_alive(pid)
        text = runner.invoke(app, ["status", "--home", str(home)])
        assert text.exit_code == 0 and text.stdout.startswith("运行中 running: bolt://127.0.0.1:")
        with neo4j.GraphDatabase.driver(str(info["uri"]), auth=("neo4j", str(info["password"]))) as drv:
            drv.verify_connectivity()
    finally:
        stopped = runner.invoke(app, ["stop", "--home", str(home)])
    assert stopped.exit_code == 0, stopped.output
    assert not pid_alive(pid)
    code, info = _status(home)
    assert (code, info["running"]) == (3, False)
    assert runner.invoke(app, ["status", "--home", str(home)]).stdout.startswith("未运行 stopped:")


def test_cli_expected_failures_are_one_line(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["stop", "--home", str(tmp_path / "nothing")])
    assert missing.exit_code == 1 and missing.stderr.startswith("错误 error: no Neo4j state")
    assert missing.exception is None or isinstance(missing.exception, SystemExit)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = runner.invoke(app, ["start", "--home", str(tmp_path / "busy"), "--port", str(port)])
    assert res.exit_code == 1
    assert res.stderr.strip() == f"错误 error: port {port} on 127.0.0.1 is already in use"
    bad = runner.invoke(app, ["start", "--home", str(tmp_path / "bad"), "--heap", "lots"])
    assert bad.exit_code == 1 and bad.stderr.startswith("错误 error: bad memory size")


def test_start_timeout_reports_log_and_kills(neo4j_runtime: Path, tmp_path: Path) -> None:
    server = LocalNeo4j(tmp_path / "slow", startup_timeout=0.3)
    with pytest.raises(Neo4jServerError, match=r"did not answer .* within") as exc:
        server.start()
    assert "console.log (tail)" in str(exc.value)
    assert server.pid is not None and not pid_alive(server.pid)


def test_admin_tool_runs(neo4j_runtime: Path, tmp_path: Path) -> None:
    version = admin_command(["--version"], tmp_path / "admin")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == runtime()[1]
    imp = admin_command(["database", "import", "full", "--help"], tmp_path / "admin")
    assert imp.returncode == 0, imp.stderr
    assert "--nodes" in imp.stdout and "--relationships" in imp.stdout


def test_ensure_jars_is_fast_when_present(neo4j_runtime: Path) -> None:
    t0 = time.monotonic()
    lib = ensure_jars(quiet=True)
    assert time.monotonic() - t0 < 0.5
    version = runtime()[1]
    assert lib.name == version and (lib / f"neo4j-{version}.jar").is_file()


def test_extra_settings_go_into_the_conf() -> None:
    from graphaudit.neo4j_local.server import render_conf

    conf = render_conf(7687, settings={"db.transaction.timeout": "600s"}).splitlines()
    assert "db.transaction.timeout=600s" in conf
    assert not any(line.startswith("db.transaction.timeout") for line in render_conf(7687).splitlines())
