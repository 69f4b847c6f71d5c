"""The ``graphaudit`` command line (the surface of DATA_CONTRACT.md §3)."""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from graphaudit.cli.common import DatabaseOpt, DbOpt, Neo4jOpt, console, err, examples, friendly, program
from graphaudit.errors import GraphAuditError
from graphaudit.model import MODEL

# rich_markup_mode=None: click's own help layout. Typer's rich panels (typer 0.29) print a type after every
# option, flags included (`--json <bool>`, `--help <bool>`), and read `[...]` in help texts as markup.
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="graphaudit：核查县级登记数据中的基层“微腐败”线索 cross-check county registers for grassroots "
    "micro-corruption.",
    epilog="例 Example: graphaudit demo   |   graphaudit COMMAND --help",
)


@contextmanager
def _progress(title: str) -> Iterator[callable]:  # type: ignore[valid-type]
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as p:
        task = p.add_task(title)
        yield lambda msg: p.update(task, description=f"{title}: {msg}")


def _store(db: Path | None, neo4j: str | None, database: str | None, read_only: bool = False):
    from graphaudit.store import open_store

    return open_store(db, neo4j, database, read_only=read_only)


@app.command()
def ingest(
    dataset_dir: Annotated[
        Path, typer.Argument(help="数据文件夹 Folder of source files (households*.csv, …).")
    ],
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    report: Annotated[
        Path | None, typer.Option(help="导入报告（CSV）写到哪里 Where to write the load report CSV.")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出摘要 Print the summary as JSON.")
    ] = False,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="状态文件夹：姓名确认结果 State folder: name review decisions (default: <db>/state).",
        ),
    ] = None,
) -> None:
    """导入或更新数据库（出错时数据库不变） Load or update a store from a dataset folder. Atomic: on any
    error the store is unchanged."""
    from graphaudit.ingest.pipeline import ingest as run_ingest
    from graphaudit.ingest.review import NameReviews
    from graphaudit.state import State, state_dir

    with friendly():
        reviews = NameReviews(State(state_dir(db, neo4j, state)))
        store = _store(db, neo4j, database)
        try:
            with _progress("导入 ingest") as progress:
                rep = run_ingest(dataset_dir, store, progress, reviews.decisions())
        finally:
            store.close()
        if rep.names is not None:
            reviews.save_queue(rep.names.pending)
        where = report or (Path(db or "graphaudit.db") / "reports" if not neo4j else Path("."))
        if report is None:
            where = where / f"load-report-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        rep.write_csv(where)
        if json_out:
            console.print_json(json.dumps(rep.as_dict(), ensure_ascii=False))
        else:
            rep.print(console)
            console.print(
                f"导入完成 loaded in {rep.seconds:.1f} s: "
                + ", ".join(f"{k} {v:,}" for k, v in rep.counts.items() if k in MODEL.nodes and v)
            )


@app.command()
def info(
    db: DbOpt = None,
    neo4j: Neo4jOpt = None,
    database: DatabaseOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="以 JSON 输出 Print counts as JSON.")] = False,
) -> None:
    """图谱统计：各类节点与关系的数量 Counts per node label and relationship type."""
    with friendly():
        store = _store(db, neo4j, database, read_only=True)
        try:
            stats = store.stats()
        finally:
            store.close()
    if json_out:
        print(
            json.dumps(
                {
                    "nodes": {k: stats[k] for k in MODEL.nodes},
                    "relationships": {k: stats[k] for k in MODEL.rels},
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    t = Table(title="图谱统计 Graph", title_justify="left")
    t.add_column("类别 kind")
    t.add_column("名称 name")
    t.add_column("中文")
    t.add_column("数量 count", justify="right")
    for k, n in MODEL.nodes.items():
        t.add_row("节点 node", k, n.zh, f"{stats[k]:,}")
    for k, r in MODEL.rels.items():
        t.add_row("关系 relationship", k, r.zh, f"{stats[k]:,}")
    console.print(t)


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Argument(help="写入的文件夹 Folder to write the dataset into.")],
    size: Annotated[
        str, typer.Option(help="规模 village, township, county, prefecture or prefecture-small.")
    ] = "township",
    seed: Annotated[
        int, typer.Option(help="随机种子：同一种子，同样的文件 Random seed: same seed, same files.")
    ] = 0,
    messy: Annotated[
        bool,
        typer.Option(
            help="写入真实台账常见的杂乱格式 Write the mess real registers have (GBK, XLSX, odd dates …)."
        ),
    ] = False,
) -> None:
    """生成合成测试数据（含预置案例） Write a synthetic county dataset with planted cases and their truth
    (truth.json)."""
    from graphaudit.synth import SIZES, generate

    with friendly():
        if size not in SIZES:
            raise GraphAuditError(f"没有这种规模 unknown size {size!r}; choose one of {', '.join(SIZES)}")
        with _progress(f"生成合成数据 synth {size}"):
            res = generate(out_dir, size=size, seed=seed, messy=messy)
    t = Table(title=f"合成数据 Synthetic {size} → {out_dir}", title_justify="left")
    t.add_column("文件 file")
    t.add_column("行数 rows", justify="right")
    for k, v in res.counts.items():
        t.add_row(k, f"{v:,}")
    console.print(t)
    console.print(f"预置案例 {res.cases} planted cases: [bold]{res.truth_path}[/bold]")


@app.command()
def demo(
    out: Annotated[
        Path,
        typer.Option(help="演示的数据、数据库和报告的文件夹 Folder for the demo's data, store and report."),
    ] = Path("graphaudit-demo"),
    size: Annotated[
        str, typer.Option(help="合成数据规模 Synthetic size: village, township, county or prefecture.")
    ] = "township",
    seed: Annotated[int, typer.Option(help="合成数据的随机种子 Random seed of the synthetic data.")] = 7,
    serve_after: Annotated[
        bool,
        typer.Option(
            "--serve",
            help=(
                "随后创建审核员令牌并启动网页 Then create an auditor "
                "token, print it once and serve the web pages on the demo's store."
            ),
        ),
    ] = False,
    port: Annotated[
        int, typer.Option(help="网页端口 Port of the web pages (with --serve, and in the next steps).")
    ] = 8000,
) -> None:
    """演示：合成数据 → 导入 → 统计 → 核查 Demo: a synthetic township, end to end on the embedded store:
    synth → ingest → info → check; then the next steps to the web pages (or, with --serve, the web pages
    themselves)."""
    from graphaudit.cli.check import check

    data, db, findings = out / "data", out / "graphaudit.db", out / "findings.xlsx"
    console.rule("[bold]1/4 合成数据 synth")
    synth(data, size=size, seed=seed, messy=True)
    console.rule("[bold]2/4 导入 ingest")
    ingest(data, db=db, neo4j=None, database=None, report=out / "load-report.csv", json_out=False)
    console.rule("[bold]3/4 统计 info")
    info(db=db, neo4j=None, database=None, json_out=False)
    console.rule("[bold]4/4 核查 check")
    check(out=findings, db=db, neo4j=None, database=None, only=None, param=None, show_ids=False)
    console.print(
        f"库 Store: [bold]{db}[/bold]   数据 data: [bold]{data}[/bold]   导入报告 load report: "
        f"[bold]{out / 'load-report.csv'}[/bold]\n"
        f"线索 Findings (most severe first): [bold]{findings}[/bold]   "
        f"预置案例 planted truth: [bold]{data / 'truth.json'}[/bold]",
        highlight=False,
    )
    if serve_after:
        _demo_serve(db, port)
    else:
        console.print(demo_next_steps(db, port), highlight=False, soft_wrap=True)


DEMO_TOKEN_NAME = "演示审核员"


def demo_next_steps(db: Path, port: int) -> str:
    """What to run after the demo, as commands that work when pasted into the same shell."""
    ga = program()
    store = shlex.quote(str(db))
    port_opt = "" if port == 8000 else f" --port {port}"
    return (
        "\n[bold]下一步 Next: 打开网页 the web pages[/bold]\n"
        "1. 创建登录令牌（只显示一次）create a login token (shown once):\n"
        f"   {ga} tokens create --db {store} --role auditor --name {DEMO_TOKEN_NAME}\n"
        "2. 启动网页服务（就绪后显示网址）serve the pages (the URL is printed once they answer):\n"
        f"   {ga} serve --db {store}{port_opt}\n"
        f"3. 在浏览器打开 open http://127.0.0.1:{port}/ 并粘贴令牌 and paste the token\n"
        f"或一步完成 or all in one: {ga} demo --out {shlex.quote(str(db.parent))} --serve{port_opt}"
    )


def _demo_serve(db: Path, port: int) -> None:
    from graphaudit.cli.serve import create_token, serve

    console.rule("[bold]网页 web pages")
    with friendly():
        token_id, token = create_token(db, None, None, DEMO_TOKEN_NAME, "auditor")
    console.print(f"登录令牌 login token {token_id} ({DEMO_TOKEN_NAME}, auditor) — 只显示一次 shown once:")
    print(token, flush=True)
    serve(db=db, neo4j=None, database=None, state=None, host="127.0.0.1", port=port, workers=None)


#: One example (or a few) per command, shown at the end of its --help; a command without one fails at import.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "report": ("graphaudit report --month 2024-06 --out 2024-06-通报.xlsx",),
    "ingest": (
        "graphaudit ingest data/ --db graphaudit.db",
        "graphaudit ingest 2024-07/ --db graphaudit.db --report load-report.csv   # next month's files",
    ),
    "info": ("graphaudit info --db graphaudit.db", "graphaudit info --neo4j bolt://127.0.0.1:7687 --json"),
    "synth": ("graphaudit synth data/ --size township --messy",),
    "demo": (
        "graphaudit demo",
        "graphaudit demo --size village --out /tmp/demo --serve --port 8080",
    ),
    "check": (
        "graphaudit check --db graphaudit.db --out findings.xlsx",
        "graphaudit check --only kin_contract,split_contracts --param kin_hops=2 --out f.csv",
    ),
    "export": (
        "graphaudit export --flagged --min-severity 60 --format gexf --out flagged.gexf",
        "graphaudit export --finding 5537a6630ffa1944 --format html --out evidence.html",
    ),
    "serve": (
        "graphaudit serve --db graphaudit.db",
        "graphaudit serve --db graphaudit.db --host 0.0.0.0 --port 8080 --workers 2",
    ),
    "tokens": (
        "graphaudit tokens create --db graphaudit.db --role auditor --name 张三",
        "graphaudit tokens list --db graphaudit.db",
    ),
    "tokens create": ("graphaudit tokens create --db graphaudit.db --role auditor --name 张三",),
    "tokens list": ("graphaudit tokens list --db graphaudit.db",),
    "tokens revoke": ("graphaudit tokens revoke 3 --db graphaudit.db",),
    "cases": (
        "graphaudit cases list --db graphaudit.db --change new",
        "graphaudit cases review 3f2a9c1e07b4d562 --status 核查中 --comment 已交乡镇核实 --by 张三",
        "graphaudit cases handoff C3f2a9c1e07b4d562 --to 西坪镇纪委 --due 2024-07-15",
    ),
    "cases list": (
        "graphaudit cases list --db graphaudit.db --status 新线索",
        "graphaudit cases list --db graphaudit.db --change changed --json",
    ),
    "cases show": ("graphaudit cases show 3f2a9c1e07b4d562 --db graphaudit.db",),
    "cases review": (
        "graphaudit cases review 3f2a9c1e07b4d562 --db graphaudit.db --status 核查中 --comment 已交乡镇核实",
    ),
    "names": ("graphaudit names review list --db graphaudit.db",),
    "names review": (
        "graphaudit names review list --db graphaudit.db",
        "graphaudit names review decide 3f2a9c1e07 --verdict 是同一人 --candidate 140107196503020117",
    ),
    "names review list": (
        "graphaudit names review list --db graphaudit.db",
        "graphaudit names review list --json",
    ),
    "names review decide": (
        "graphaudit names review decide 3f2a9c1e07 --verdict 是同一人 --candidate 140107196503020117",
        "graphaudit names review decide 3f2a9c1e07 5b1d0e22aa --verdict 不是",
        "graphaudit names review decide --file decisions.csv",
    ),
    "cases dispose": ("graphaudit cases dispose C3f2a9c1e07b4d562 --method 初步核实 --comment 涉及低保审批",),
    "cases handoff": (
        "graphaudit cases handoff C3f2a9c1e07b4d562 --to 西坪镇纪委 --due 2024-07-15 --note 核实审批材料",
    ),
    "cases feedback": (
        "graphaudit cases feedback C3f2a9c1e07b4d562 --facts 审批人与领取人系父子 --removed 1 "
        "--recovered 3600 --measures 取消低保资格 --file 核查报告.pdf",
    ),
    "cases feedback-review": (
        "graphaudit cases feedback-review C3f2a9c1e07b4d562 --accept",
        "graphaudit cases feedback-review C3f2a9c1e07b4d562 --return --comment 未附银行流水",
    ),
    "cases close": ("graphaudit cases close C3f2a9c1e07b4d562 --form 第一种形态 --comment 已诫勉谈话",),
    "cases overdue": ("graphaudit cases overdue --db graphaudit.db",),
    "neo4j": ("graphaudit neo4j start", "graphaudit neo4j status", "graphaudit neo4j stop"),
    "neo4j fetch": ("graphaudit neo4j fetch",),
    "neo4j start": ("graphaudit neo4j start", "graphaudit ingest data/ --neo4j bolt://127.0.0.1:7687"),
    "neo4j stop": ("graphaudit neo4j stop",),
    "neo4j status": ("graphaudit neo4j status",),
}


def _with_examples(prefix: str, group: typer.Typer) -> None:
    for info in group.registered_commands:
        assert info.callback is not None
        name = f"{prefix}{info.name or info.callback.__name__.replace('_', '-')}"
        if name not in EXAMPLES:
            raise RuntimeError(f"graphaudit {name}: no example in graphaudit.cli.main.EXAMPLES")
        info.epilog = examples(*EXAMPLES[name])


def _mount() -> None:
    """The commands that live in modules of their own: ``check`` (cli.check), ``export`` (cli.export),
    ``serve`` and ``tokens`` (cli.serve), ``neo4j`` (neo4j_local.cli)."""
    from graphaudit.cli.cases import app as cases_app
    from graphaudit.cli.check import check
    from graphaudit.cli.export import export
    from graphaudit.cli.names import app as names_app
    from graphaudit.cli.names import review_app
    from graphaudit.cli.report import report
    from graphaudit.cli.serve import serve, tokens_app
    from graphaudit.neo4j_local.cli import app as neo4j_app

    app.command()(check)
    app.command()(export)
    app.command()(serve)
    app.command()(report)
    app.add_typer(
        cases_app,
        name="cases",
        help="线索 Cases: list, show, review; dispose, handoff, feedback, close.",
        epilog=examples(*EXAMPLES["cases"]),
    )
    app.add_typer(
        tokens_app,
        name="tokens",
        help="访问令牌 API tokens: create, list, revoke.",
        epilog=examples(*EXAMPLES["tokens"]),
    )
    names_app.add_typer(
        review_app,
        name="review",
        help="待核对的姓名 The review queue: list, decide.",
        epilog=examples(*EXAMPLES["names review"]),
    )
    app.add_typer(
        names_app,
        name="names",
        help="姓名匹配 Names without IDs: the review queue.",
        epilog=examples(*EXAMPLES["names"]),
    )
    app.add_typer(
        neo4j_app,
        name="neo4j",
        help="本机临时 Neo4j 服务器 A throwaway local Neo4j server (start, stop, status).",
        epilog=examples(*EXAMPLES["neo4j"]),
    )
    _with_examples("", app)
    _with_examples("tokens ", tokens_app)
    _with_examples("neo4j ", neo4j_app)
    _with_examples("cases ", cases_app)
    _with_examples("names review ", review_app)


_mount()
