"""``graphaudit names review list | decide``: the names a load would not link by itself (several people of the
name, a sound-alike, a common name in a wide scope), side by side with their candidates, and the reviewers'
decisions 是同一人 / 不是 / 不确定 — kept in the state and applied by the next ``graphaudit ingest``
(graphaudit.ingest.review)."""

from __future__ import annotations

import csv
import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from graphaudit.cli.cases import JsonOpt, StateOpt
from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, friendly
from graphaudit.errors import GraphAuditError
from graphaudit.ingest.matching import SCOPE_ZH

__all__ = ["app", "review_app"]

app = typer.Typer(no_args_is_help=True, help="姓名匹配 Names without IDs: the review queue.")
review_app = typer.Typer(no_args_is_help=True, help="待核对的姓名 The review queue: list, decide.")

_REASON_ZH = {"several": "同名多人", "soundalike": "音同字不同", "common": "常见姓名"}
_ROLE_ZH = {"recipient": "领取人", "approver": "审核/审批人", "contractor": "承包方"}


def _reviews(db: Path | None, neo4j: str | None, state: Path | None) -> Any:
    from graphaudit.ingest.review import NameReviews
    from graphaudit.state import State, state_dir

    return NameReviews(State(state_dir(db, neo4j, state)))


@review_app.command("list")
def list_items(
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    all_items: Annotated[
        bool, typer.Option("--all", help="也列出已确认的 Also the items already decided.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """待确认的姓名匹配 The names waiting for review, each with its candidates and the rows that name it."""
    with friendly():
        items = _reviews(db, neo4j, state).items(open_only=not all_items)
    if json_out:
        console.print_json(json.dumps(items, ensure_ascii=False))
        return
    t = Table(title=f"待核对的姓名 Names to review: {len(items)}", title_justify="left", show_lines=True)
    for col in ("编号 item", "角色 role", "姓名 name", "原因 why", "候选人 candidates", "行 rows"):
        t.add_column(col, overflow="fold")
    for it in items:
        cands = "\n".join(
            f"{c['key']} {c['name']} {c.get('evidence', '')}"
            + (f" [{c['decision']}]" if c["decision"] else "")
            for c in it["candidates"]
        )
        rows = ", ".join(f"{f}:{r}" for _, f, r in it["rows"][:3]) + (
            f" … (+{len(it['rows']) - 3})" if len(it["rows"]) > 3 else ""
        )
        t.add_row(
            it["item_id"],
            _ROLE_ZH.get(it["role"], it["role"]),
            it["name"],
            f"{_REASON_ZH.get(it['reason'], it['reason'])}（{SCOPE_ZH.get(it['scope'], it['scope'])}）",
            cands,
            rows,
        )
    console.print(t)
    if items:
        console.print(
            "核对：graphaudit names review decide 编号 --verdict 是同一人|不是|不确定 [--candidate 证件号]；"
            "结论在下次导入时生效 decisions apply on the next ingest",
            highlight=False,
        )


@review_app.command("decide")
def decide(
    item_ids: Annotated[
        list[str] | None, typer.Argument(help="待确认项编号 Item ids (graphaudit names review list).")
    ] = None,
    verdict: Annotated[str | None, typer.Option("--verdict", help="是同一人, 不是 or 不确定.")] = None,
    candidate: Annotated[
        str | None,
        typer.Option(
            "--candidate", help="候选人编号 The candidate's key (needed for 是同一人 among several)."
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help=(
                "批量确认的 CSV 文件 CSV of decisions "
                "in bulk: columns item_id, verdict, candidate (optional)."
            ),
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="确认人 Who decides (default: the login name).")
    ] = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
) -> None:
    """记录匹配确认结果 Record decisions (one item, several, or a CSV file of them); each goes to the
    audit log and is applied by the next load."""
    with friendly():
        todo: list[tuple[str, str, str | None]] = []
        if from_file is not None:
            with from_file.open(encoding="utf-8-sig", newline="") as fh:
                for r in csv.DictReader(fh):
                    todo.append(
                        (
                            r["item_id"].strip(),
                            r["verdict"].strip(),
                            (r.get("candidate") or "").strip() or None,
                        )
                    )
        if item_ids:
            if verdict is None:
                raise GraphAuditError("请用 --verdict 给出结论 give --verdict 是同一人|不是|不确定")
            todo += [(i, verdict, candidate) for i in item_ids]
        if not todo:
            raise GraphAuditError("没有要记录的结论 nothing to decide: give item ids or --file")
        reviews = _reviews(db, neo4j, state)
        who = by or getpass.getuser()
        for d in reviews.decide_many(todo, who):  # all or none
            console.print(f"{d['item_id']}: {d['verdict']} → {', '.join(d['candidates'])}", highlight=False)
        left = len(reviews.items())
        console.print(
            f"已记录 {len(todo)} 项，剩余待核对 {left} 项 recorded {len(todo)}, {left} left", highlight=False
        )
