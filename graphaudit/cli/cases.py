"""``graphaudit cases list | show | review | dispose | handoff | feedback | feedback-review | close |
overdue``: the cases (线索) that ``graphaudit check`` recorded in the store's state, their change since the
previous run, their review and their disposal (DATA_CONTRACT.md §2 "Cases", §3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, friendly
from graphaudit.errors import GraphAuditError

__all__ = ["app", "StateOpt", "case_json"]

StateOpt = Annotated[
    Path | None,
    typer.Option(
        "--state",
        help=(
            "状态文件夹 State folder: runs, cases, reviews "
            "(default: <db>/state, or ./graphaudit-state with --neo4j)."
        ),
    ),
]
ShowIds = Annotated[bool, typer.Option("--show-ids", help="显示完整身份证号 Show ID numbers unmasked.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 Print JSON.")]

app = typer.Typer(
    no_args_is_help=True, help="线索 Cases: list, show, review; dispose, handoff, feedback, close."
)


def _cases(db: Path | None, neo4j: str | None, state: Path | None) -> Any:
    from graphaudit.cases.store import CaseStore
    from graphaudit.state import DB_FILE, State, state_dir

    folder = state_dir(db, neo4j, state)
    if not (folder / DB_FILE).is_file():
        raise GraphAuditError(
            f"{folder}: 还没有运行过检查 no check run recorded yet (run `graphaudit check` first)"
        )
    return CaseStore(State(folder))


def case_json(case: dict[str, Any], show_ids: bool) -> dict[str, Any]:
    """A case as the command line and scripts see it: person ids masked unless ``show_ids``."""
    from graphaudit.findings import mask_id

    out = dict(case)
    if not show_ids:
        out["person_ids"] = [mask_id(p) for p in case.get("person_ids") or []]
    return out


@app.command("list")
def list_cases(
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="新线索, 核查中, 属实 or 不属实.")] = None,
    change: Annotated[
        str | None,
        typer.Option(
            "--change",
            help=(
                "与上次相比：new 新增、changed 有变化、unchanged 未变化、gone "
                "已消失 new, changed, unchanged or gone (since the previous run)."
            ),
        ),
    ] = None,
    check: Annotated[
        str | None,
        typer.Option("--check", help="只列出涉及此规则的线索 Only cases one of whose checks is this."),
    ] = None,
    json_out: JsonOpt = False,
    show_ids: ShowIds = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="同时写出列表 Also write the list: .csv (UTF-8 with BOM), .json or .xlsx."
        ),
    ] = None,
) -> None:
    """线索列表（最严重的在前，已消失的在最后） The cases, most severe first (gone cases last)."""
    from graphaudit.cases.review import Status
    from graphaudit.cases.store import CHANGES

    with friendly():
        if status is not None and status not in {s.value for s in Status}:
            raise GraphAuditError(f"--status {status!r}：应为 one of {', '.join(s.value for s in Status)}")
        if change is not None and change not in CHANGES:
            raise GraphAuditError(f"--change {change!r}：应为 one of {', '.join(CHANGES)}")
        store = _cases(db, neo4j, state)
        total, rows = store.query(
            status=status, change=CHANGES[change] if change else None, check=check, limit=None
        )
        if out is not None:
            write_cases([case_json(r, show_ids) for r in rows], out)
    if json_out:
        print(json.dumps([case_json(r, show_ids) for r in rows], ensure_ascii=False, indent=1))
        return
    t = Table(title=f"线索 {total} 条 Cases", title_justify="left")
    for col, justify in (
        ("case_id", "left"),
        ("状态", "left"),
        ("变化", "left"),
        ("严重", "right"),
        ("金额（元）", "right"),
        ("单位", "left"),
        ("检查", "left"),
        ("金额档次", "left"),
        ("说明", "left"),
    ):
        t.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        t.add_row(
            r["case_id"],
            r["status"],
            r["change"],
            str(r["severity"]),
            f"{r['amount']:,.2f}",
            r["org_name"] or r["org_code"],
            ", ".join(r["checks"]),
            r["money_band"],
            r["explanation"][:80] + ("…" if len(r["explanation"]) > 80 else ""),
        )
    console.print(t)


#: Export columns: (field, Chinese header).
COLUMNS = (
    ("case_id", "线索编号"),
    ("status", "核查状态"),
    ("change", "较上次运行"),
    ("severity", "严重程度"),
    ("amount", "涉及金额（元）"),
    ("money_band", "金额档次"),
    ("band_note", "金额说明"),
    ("legal_basis", "纪律处分条例依据"),
    ("org_code", "单位代码"),
    ("org_name", "单位名称"),
    ("checks", "检查"),
    ("explanation", "说明"),
    ("finding_ids", "检查发现"),
    ("record_ids", "记录"),
    ("person_ids", "人员"),
    ("linked_cases", "关联线索"),
    ("first_seen", "首次发现"),
    ("last_changed", "最近变化"),
    ("reviews", "最近核查意见"),
)


def _cell(key: str, value: Any) -> Any:
    if key == "reviews":
        last = value[-1] if value else None
        return f"{last['to']}：{last['comment']}（{last['by']} {last['at']}）" if last else ""
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return value


def write_cases(cases: list[dict[str, Any]], path: Path) -> Path:
    """The case list as .json (the JSON fields), .csv or .xlsx (Chinese headers, one row per case)."""
    import csv

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".xlsx"):
        raise GraphAuditError(
            f"--out {path.name}：线索列表只能写成 .csv、.json 或 .xlsx "
            "cases are written as .csv, .json or .xlsx"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    from graphaudit.export.atomic import atomic_path, atomic_write  # crash-safe; cells stay data
    from graphaudit.export.cells import csv_row, neutralise_workbook

    if suffix == ".json":
        with atomic_write(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(cases, ensure_ascii=False, indent=1))
        return path
    header = [zh for _, zh in COLUMNS]
    rows = [[_cell(k, c.get(k)) for k, _ in COLUMNS] for c in cases]
    if suffix == ".csv":
        with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(csv_row(r) for r in rows)
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "线索"
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A2"
    neutralise_workbook(wb)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _get(store: Any, case_id: str) -> tuple[dict[str, Any], str | None]:
    live = store.resolve(case_id)
    if live is None:
        raise GraphAuditError(f"没有这条线索 no case {case_id!r}")
    case = store.get(live)
    return case, (case_id if live != case_id else None)


@app.command()
def show(
    case_id: Annotated[
        str, typer.Argument(help="线索编号 The case id (an absorbed id shows the case that absorbed it).")
    ],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
    show_ids: ShowIds = False,
) -> None:
    """查看一条线索 One case: its findings, records, legal basis, money band, reviews and history."""
    from graphaudit.cases.disposal import DisposalStore

    with friendly():
        store = _cases(db, neo4j, state)
        case, alias = _get(store, case_id)
        disposal = DisposalStore(store.state)
        case["disposal"] = disposal.current(case["case_id"])
        case["disposal_steps"] = disposal.steps(case["case_id"])
    out = case_json(case, show_ids)
    if json_out:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    if alias:
        console.print(f"[yellow]线索{alias}已并入{case['case_id']}[/yellow]")
    console.print(
        f"[bold]{case['case_id']}[/bold]  {case['status']} · {case['change']} · 严重程度 {case['severity']}"
    )
    rows = [
        ("单位", f"{case['org_name']}（{case['org_code']}）"),
        ("说明", case["explanation"]),
        ("金额", f"{case['amount']:,.2f} 元 — {case['money_band']}（{case['band_note']}）"),
        ("依据", "；".join(case["legal_basis"])),
        ("检查", "、".join(case["checks"])),
        ("发现", "、".join(case["finding_ids"])),
        ("记录", "、".join(case["record_ids"])),
        ("人员", "、".join(out["person_ids"])),
        ("关联线索", "、".join(case["linked_cases"])),
        ("首次发现", case["first_seen"]),
        ("最近变化", case["last_changed"]),
    ]
    for k, v in rows:
        if v:
            console.print(f"  [bold]{k}[/bold] {v}", highlight=False)
    d = case["disposal"]
    if d["method"]:
        console.print(
            f"  [bold]处置[/bold] {d['method']} · {d['stage']}"
            + (" · [red]逾期[/red]" if d["overdue"] else "")
        )
    for st in case["disposal_steps"]:
        console.print(f"  处置 {st['at']} {st['by']}: {st['kind']}", highlight=False)
    for r in case["reviews"]:
        console.print(f"  核查 {r['at']} {r['by']}: {r['from']} → {r['to']}  {r['comment']}", highlight=False)
    for h in case["history"]:
        console.print(f"  [dim]{h['at']} {h['kind']}: {h['text']}[/dim]", highlight=False)


@app.command()
def review(
    case_id: Annotated[str, typer.Argument(help="线索编号 The case id.")],
    status: Annotated[str, typer.Option("--status", help="新线索, 核查中, 属实 or 不属实.")],
    comment: Annotated[
        str, typer.Option("--comment", help="核查意见 (needed for 属实 / 不属实 and reopening).")
    ] = "",
    by: Annotated[
        str | None, typer.Option("--by", help="核查人 Who reviews (default: the login name).")
    ] = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """核查状态与意见 Set a case's review status with a comment (新线索 → 核查中 → 属实 / 不属实;
    concluded → 核查中)."""
    from graphaudit.cases.review import Status
    from graphaudit.cases.run import cli_who

    with friendly():
        try:
            to = Status(status)
        except ValueError:
            raise GraphAuditError(
                f"--status {status!r}：应为 one of {', '.join(s.value for s in Status)}"
            ) from None
        store = _cases(db, neo4j, state)
        case, _ = _get(store, case_id)
        result = store.review(case["case_id"], to, comment, cli_who(by).name)
    if json_out:
        print(json.dumps({"case_id": case["case_id"], **result}, ensure_ascii=False))
    else:
        console.print(
            f"{case['case_id']}: {result['status']}（{result['by']} {result['at']}）", highlight=False
        )


# -- disposal (graphaudit.cases.disposal) ------------------------------------------------------------------
ByOpt = Annotated[str | None, typer.Option("--by", help="经办人 Who acts (default: the login name).")]


def _dispose_step(
    db: Path | None,
    neo4j: str | None,
    state: Path | None,
    case_id: str,
    action: str,
    params: dict[str, Any],
    step: Any,
    by: str | None,
    json_out: bool,
) -> None:
    """Run one disposal step on the live case, log it in the audit log, print the disposal."""
    from graphaudit.api.auditlog import AuditLog
    from graphaudit.cases.disposal import DisposalStore
    from graphaudit.cases.run import cli_who

    with friendly():
        store = _cases(db, neo4j, state)
        case, _ = _get(store, case_id)
        who = cli_who(by).name
        result = step(DisposalStore(store.state), case["case_id"], who)
        AuditLog(store.state).record_cli(
            who,
            action,
            f"graphaudit cases {action.removeprefix('case_')}",
            {"case_id": case["case_id"], **params},
        )
    if json_out:
        print(json.dumps({"case_id": case["case_id"], **result}, ensure_ascii=False))
    else:
        console.print(f"{case['case_id']}: {result['stage']}（{who}）", highlight=False)


@app.command()
def dispose(
    case_id: Annotated[str, typer.Argument(help="线索编号 The case id.")],
    method: Annotated[
        str, typer.Option("--method", help="处置方式: 谈话函询, 初步核实, 暂存待查 or 予以了结.")
    ],
    comment: Annotated[str, typer.Option("--comment", help="处置意见.")] = "",
    by: ByOpt = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """处置方式 Decide a case's 处置方式 (before it is handed off)."""
    from graphaudit.cases.disposal import Method

    try:
        m = Method(method)
    except ValueError:
        with friendly():
            raise GraphAuditError(
                f"--method {method!r}: one of {', '.join(x.value for x in Method)}"
            ) from None
    _dispose_step(
        db,
        neo4j,
        state,
        case_id,
        "case_dispose",
        {"method": m.value, "comment": comment},
        lambda d, cid, who: d.dispose(cid, m, comment, who),
        by,
        json_out,
    )


@app.command()
def handoff(
    case_id: Annotated[str, typer.Argument(help="线索编号 The case id.")],
    to: Annotated[str, typer.Option("--to", help="承办单位: the department or township it goes to.")],
    due: Annotated[str, typer.Option("--due", help="反馈期限 YYYY-MM-DD.")],
    note: Annotated[str, typer.Option("--note", help="交办要求.")] = "",
    by: ByOpt = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """交办: hand a case (谈话函询 / 初步核实) to a department or township, with a due date."""
    from datetime import date

    try:
        when = date.fromisoformat(due)
    except ValueError:
        with friendly():
            raise GraphAuditError(f"--due {due!r}: 日期应为 YYYY-MM-DD") from None
    _dispose_step(
        db,
        neo4j,
        state,
        case_id,
        "case_handoff",
        {"to": to, "due": due, "note": note},
        lambda d, cid, who: d.handoff(cid, to, when, note, who),
        by,
        json_out,
    )


@app.command()
def feedback(
    case_id: Annotated[str, typer.Argument(help="线索编号 The case id.")],
    facts: Annotated[str, typer.Option("--facts", help="核实情况 (required).")],
    removed: Annotated[int, typer.Option("--removed", min=0, help="清退人数.")] = 0,
    recovered: Annotated[float, typer.Option("--recovered", min=0, help="追缴金额（元）.")] = 0.0,
    measures: Annotated[str, typer.Option("--measures", help="整改措施.")] = "",
    file: Annotated[
        list[Path] | None,
        typer.Option(
            "--file", help="附件（可多个，每个不超过 10 MB） An attached file (repeatable; ≤ 10 MB each)."
        ),
    ] = None,
    by: ByOpt = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """反馈: the handed-off case's feedback, with attached files kept in the state folder."""
    from graphaudit.cases.disposal import MAX_FILE_BYTES, Attachment

    files = []
    with friendly():
        for f in file or []:
            if not f.is_file():
                raise GraphAuditError(f"--file {f}: 文件不存在")
            if f.stat().st_size > MAX_FILE_BYTES:
                raise GraphAuditError(f"--file {f}: 超过{MAX_FILE_BYTES // (1024 * 1024)}MB")
            files.append(Attachment(f.name, f.read_bytes()))
    _dispose_step(
        db,
        neo4j,
        state,
        case_id,
        "case_feedback",
        {
            "facts": facts,
            "removed": removed,
            "recovered": recovered,
            "measures": measures,
            "files": [f.name for f in files],
        },
        lambda d, cid, who: d.feedback(
            cid, facts=facts, removed=removed, recovered=recovered, measures=measures, files=files, by=who
        ),
        by,
        json_out,
    )


@app.command("feedback-review")
def feedback_review(
    case_id: Annotated[str, typer.Argument(help="线索编号 The case id.")],
    accept: Annotated[
        bool,
        typer.Option(
            "--accept/--return", help="通过或退回反馈 Accept the feedback, or return it to be redone."
        ),
    ],
    comment: Annotated[str, typer.Option("--comment", help="审核意见 (needed to return).")] = "",
    by: ByOpt = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """审核反馈: the office accepts the feedback or returns it."""
    _dispose_step(
        db,
        neo4j,
        state,
        case_id,
        "case_feedback_review",
        {"accept": accept, "comment": comment},
        lambda d, cid, who: d.review_feedback(cid, accept, comment, who),
        by,
        json_out,
    )


@app.command()
def close(
    case_id: Annotated[str, typer.Argument(help="线索编号 The case id.")],
    form: Annotated[
        str,
        typer.Option("--form", help="处理结果: 第一种形态 … 第四种形态, or 不予处理 (not substantiated)."),
    ],
    recovered: Annotated[
        float | None, typer.Option("--recovered", min=0, help="追缴金额（元） (default: the feedback's).")
    ] = None,
    comment: Annotated[str, typer.Option("--comment", help="销号意见.")] = "",
    by: ByOpt = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """销号: close a concluded case with its outcome in 四种形态 terms and the money recovered."""
    _dispose_step(
        db,
        neo4j,
        state,
        case_id,
        "case_close",
        {"form": form, "recovered": recovered, "comment": comment},
        lambda d, cid, who: d.close(cid, form, recovered, comment, who),
        by,
        json_out,
    )


@app.command()
def overdue(
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    state: StateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """逾期未反馈的交办 The hand-offs past their due date without feedback, most overdue first."""
    from graphaudit.cases.disposal import DisposalStore

    with friendly():
        rows = DisposalStore(_cases(db, neo4j, state).state).overdue()
    if json_out:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    t = Table(title=f"逾期未反馈的交办 {len(rows)} 条", title_justify="left")
    for col in ("线索编号", "承办单位", "反馈期限", "交办人", "交办时间"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["case_id"], r["to"], r["due"], r["by"], r["at"][:16].replace("T", " "))
    console.print(t)
