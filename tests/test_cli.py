"""The command line as scripts use it (DATA_CONTRACT §3)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from graphaudit.checks import CHECKS
from graphaudit.cli import app

TINY = Path(__file__).parent / "fixtures" / "tiny"
runner = CliRunner()


def test_ingest_then_info_json(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    res = runner.invoke(app, ["ingest", str(TINY), "--db", str(db), "--report", str(tmp_path / "r.csv")])
    assert res.exit_code == 0, res.output
    assert "households.csv" in res.output and "gbk" in res.output
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").count("\n") > 1
    res = runner.invoke(app, ["info", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    counts = json.loads(res.output)
    assert counts["nodes"]["Household"] == 5 and counts["nodes"]["Contract"] == 2
    assert counts["relationships"]["SPOUSE_OF"] == 4 and counts["nodes"]["Payment"] == 3


def test_ingest_json_summary(tmp_path: Path) -> None:
    res = runner.invoke(app, ["ingest", str(TINY), "--db", str(tmp_path / "g.db"), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["rejected"] == 1 and summary["counts"]["Person"] >= 13


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    res = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "g.db")])
    assert res.exit_code == 1
    assert "error:" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["info", "--db", str(tmp_path / "empty.db")])
    assert res.exit_code == 1 and "empty store" in res.output


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "cadres.csv").write_text("姓名,职务\n张伟,书记\n", encoding="gbk")
    res = runner.invoke(app, ["ingest", str(d), "--db", str(tmp_path / "g.db")])
    assert res.exit_code == 1
    assert "cadres.csv" in res.output and "row 1" in res.output and "公民身份号码" in res.output


def test_neo4j_bad_uri_is_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["info", "--neo4j", "http://localhost:7474"])
    assert res.exit_code == 1 and "not a Neo4j URI" in res.output


def test_demo_runs_end_to_end_and_writes_findings(tmp_path: Path) -> None:
    """`graphaudit demo` (village size here): synth → ingest → info → check; the report holds planted
    cases; it ends with the next steps on its store."""
    from openpyxl import load_workbook

    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--out", str(out), "--size", "village", "--seed", "3"])
    assert res.exit_code == 0, res.output
    for step in ("1/4 合成数据 synth", "2/4 导入 ingest", "3/4 统计 info", "4/4 核查 check"):
        assert step in res.output
    wb = load_workbook(out / "findings.xlsx", read_only=True)
    rows = list(wb["线索"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    titles = {c.title: k for k, c in CHECKS.items()}
    checks = {titles[r[header.index("检查")]] for r in body}
    severities = [r[header.index("严重程度")] for r in body]
    assert severities == sorted(severities, reverse=True)  # most severe first
    truth = json.loads((out / "data" / "truth.json").read_text(encoding="utf-8"))
    planted = {c["check"] for c in truth["cases"]}
    assert planted and planted <= checks | {"collusive_cluster"}
    assert "findings.xlsx" in res.output
    assert f"tokens create --db {out / 'graphaudit.db'} --role auditor" in res.output
    assert f"serve --db {out / 'graphaudit.db'}" in res.output
    # IDs masked by default in the written report
    assert not re.search(r"\b\d{17}[\dXx]\b", " ".join(str(v) for r in body for v in r if v))


def _commands() -> list[list[str]]:
    """Every command and sub-command of the CLI, as argument lists (``["tokens", "create"]``)."""
    import typer.main

    out: list[list[str]] = [[]]

    def walk(cmd: Any, path: list[str]) -> None:
        if hasattr(cmd, "commands"):  # a group (typer's own copy of click's)
            for name, sub in cmd.commands.items():
                out.append([*path, name])
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def test_every_command_has_help_with_an_example_and_flags_take_no_value() -> None:
    commands = _commands()
    assert ["tokens", "create"] in commands and ["neo4j", "start"] in commands and ["demo"] in commands
    for path in commands:
        res = runner.invoke(app, [*path, "--help"], terminal_width=120)
        assert res.exit_code == 0, (path, res.output)
        text = res.output
        assert "<bool>" not in text and "BOOLEAN" not in text, (path, text)
        assert re.search(r"^\s*--help\s+Show this message", text, re.M), (path, text)
        assert "graphaudit" in text.split("Options:")[-1], f"no example in `{' '.join(path)} --help`"
    flags = {
        "info": "--json",
        "ingest": "--json",
        "check": "--show-ids",
        "synth": "--messy",
        "demo": "--serve",
    }
    for command, flag in flags.items():
        text = runner.invoke(app, [command, "--help"], terminal_width=120).output
        assert re.search(rf"^\s*{flag}(\s*/\s*--\S+)?\s{{2,}}\S", text, re.M), (command, flag, text)


def test_every_command_and_option_is_described_in_chinese_first() -> None:
    """Users read Chinese: each command's line in the command list and each option's help starts with
    Chinese (the English follows it)."""
    import typer.main

    cjk = re.compile(r"[\u4e00-\u9fff]")
    root = typer.main.get_command(app)
    for path in _commands():
        cmd = root
        for name in path:
            cmd = cmd.commands[name]  # type: ignore[attr-defined]
        if path:
            short = cmd.get_short_help_str(limit=45)
            assert cjk.search(short[:12]), f"`graphaudit {' '.join(path)}` is listed as: {short}"
        for p in cmd.params:
            text = getattr(p, "help", None)
            if text and p.name != "help":
                assert cjk.search(text[:24]), f"`graphaudit {' '.join(path)}` {p.name}: {text}"


def test_demo_ends_with_next_steps_that_name_its_store(tmp_path: Path) -> None:
    from graphaudit.cli.main import demo_next_steps

    text = demo_next_steps(tmp_path / "demo dir" / "graphaudit.db", 8123)
    store = shlex.quote(str(tmp_path / "demo dir" / "graphaudit.db"))
    assert f"graphaudit tokens create --db {store} --role auditor" in text
    assert f"graphaudit serve --db {store} --port 8123" in text
    assert "http://127.0.0.1:8123/" in text
