"""The user documentation in docs/ covers every live registry, as datasette's tests/test_docs.py does.

Each test is parametrised over a registry of the code — the sources and their columns and aliases
(``graphaudit.ingest.sources.SOURCES``), the kinship words, the checks and their parameters
(``graphaudit.checks.CHECKS``), the export formats, the findings fields, the commands of the ``graphaudit``
app — so a source, column, alias, check, parameter, format or command added without documenting it fails
here, naming what is missing and where it belongs.  No list is kept by hand.

Where the docs put things (what the tests parse):
- docs/data-contract.md: one heading per source, "### `households` 户籍", holding a table whose rows start
  "| `column` | alias、alias | 是/是*/否 | kind |";
- docs/checks.md: one heading per check, "### `kin_contract` 干部亲属承揽本单位工程", holding
  "基础分 base **N**" and a parameter table "| `param` | 整数 int | default | min–max | meaning |";
- docs/findings.md: one heading per command, "### `graphaudit ingest`" ("#### `graphaudit tokens create`" for
  a subcommand), naming each option as `--option` (an argument as `DATASET_DIR`); a table of export formats
  whose rows start "| `graphml` | `.graphml` | media type (`download suffix`) |".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main

from graphaudit.checks import CHECKS
from graphaudit.checks.check import Param
from graphaudit.cli import app
from graphaudit.findings import EVIDENCE_COLS, FIELDS, FINDINGS_FORMATS, severity_factors
from graphaudit.ingest.households import STATUSES
from graphaudit.ingest.kinship import RELATIONS, ROLES
from graphaudit.ingest.report import ACTION_ZH, LoadReport
from graphaudit.ingest.sources import SOURCES

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$", re.MULTILINE)


# -------------------------------------------------------------------------------------------- reading docs


def doc(name: str) -> str:
    path = DOCS / name
    assert path.is_file(), f"docs/{name} is missing"
    return path.read_text(encoding="utf-8")


def section(text: str, key: str) -> str | None:
    """The text under the first heading that contains ``key``, up to the next heading of the same or a
    higher level (subsections included); None when no heading contains it."""
    for m in HEADING.finditer(text):
        if key in m.group(2):
            level = len(m.group(1))
            end = len(text)
            for n in HEADING.finditer(text, m.end()):
                if len(n.group(1)) <= level:
                    end = n.start()
                    break
            return text[m.start() : end]
    return None


def need_section(name: str, key: str, what: str) -> str:
    found = section(doc(name), key)
    assert found is not None, f"docs/{name} has no heading containing {key} ({what})"
    return found


def rows(text: str) -> list[list[str]]:
    """The cells of every markdown table row in ``text`` (separator rows left out)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and not re.fullmatch(r"\|[\s:|-]*\|?", line):
            out.append([c.strip() for c in line.strip("|").split("|")])
    return out


def row(text: str, first: str) -> list[str] | None:
    """The table row whose first cell is ``first``."""
    return next((r for r in rows(text) if r and r[0] == first), None)


def words(cell: str) -> set[str]:
    """The values listed in a cell: "户号、户编号" → {"户号", "户编号"}; "—" or "" → set()."""
    return {w.strip().strip("`") for w in cell.split("、") if w.strip() and w.strip() != "—"}


# ---------------------------------------------------------------------------------------------- registries


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str  # "" for a format that writes a folder
    media_type: str
    download_suffix: str


def export_formats() -> dict[str, ExportFormat]:
    """Every export format of the registry (``graphaudit.export.FORMATS``) with its file suffix, and the media
    type and download name the API serves it with."""
    from graphaudit import export

    return {
        name: ExportFormat(name, fmt.suffix, fmt.media_type, fmt.download)
        for name, fmt in export.FORMATS.items()
    }


def findings_suffixes() -> tuple[str, ...]:
    """The files ``graphaudit check --out`` writes (``graphaudit.findings.FINDINGS_FORMATS``)."""
    return tuple(FINDINGS_FORMATS)


def commands() -> Iterator[tuple[str, Any]]:
    """Every command and subcommand of the ``graphaudit`` app, as ("tokens create", command).  The commands
    are click's (typer vendors click, so they are recognised by shape: a group has ``commands``)."""

    def walk(group: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        for name, cmd in sorted(group.commands.items()):
            path = f"{prefix} {name}".strip()
            yield path, cmd
            if hasattr(cmd, "commands"):
                yield from walk(cmd, path)

    yield from walk(typer.main.get_command(app), "")


def options(cmd: Any) -> list[str]:
    """How the docs name each option (``--db``, ``--no-messy``) and argument (``DATASET_DIR``)."""
    out = []
    for p in cmd.params:
        if p.param_type_name == "argument":
            out.append((p.name or "").upper())
        elif "--help" not in p.opts:
            out += [o for o in (*p.opts, *p.secondary_opts) if o.startswith("--")]
    return out


def fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}"


def fmt_range(p: Param) -> str:
    if p.type is bool:
        return "true / false"
    if p.min is not None and p.max is not None:
        return f"{p.min:g}–{p.max:g}"
    if p.min is not None:
        return f"≥ {p.min:g}"
    if p.max is not None:
        return f"≤ {p.max:g}"
    return "—"


COLUMNS = [(s, c) for s in SOURCES.values() for c in s.columns]
ALIASES = [(s, c, a) for s, c in COLUMNS for a in c.aliases]
PARAMS = [(c, p) for c in CHECKS.values() for p in c.all_params]
COMMANDS = list(commands())
OPTIONS = [(path, o) for path, cmd in COMMANDS for o in options(cmd)]


# --------------------------------------------------------------------------------------- the data contract


@pytest.mark.parametrize("name", list(SOURCES))
def test_source_documented(name: str) -> None:
    spec = SOURCES[name]
    text = need_section("data-contract.md", f"`{name}`", f"source {name} {spec.zh}")
    heading = text.splitlines()[0]
    assert spec.zh in heading, f"docs/data-contract.md: the heading of {name} should name it {spec.zh}"


@pytest.mark.parametrize("spec,col", COLUMNS, ids=[f"{s.name}.{c.name}" for s, c in COLUMNS])
def test_column_documented(spec: Any, col: Any) -> None:
    text = need_section("data-contract.md", f"`{spec.name}`", f"source {spec.name}")
    r = row(text, f"`{col.name}`")
    assert r is not None, f"docs/data-contract.md: no row for column {spec.name}.{col.name}"
    assert len(r) >= 4, f"docs/data-contract.md: {spec.name}.{col.name}: need aliases, required, kind"
    assert words(r[1]) == set(col.aliases), (
        f"docs/data-contract.md: {spec.name}.{col.name} aliases are {'、'.join(col.aliases) or '—'}, "
        f"the docs say {r[1]}"
    )
    required = ("是*" if col.lenient_id else "是") if col.required else "否"
    assert r[2] == required, (
        f"docs/data-contract.md: {spec.name}.{col.name} required is {required}, not {r[2]}"
    )
    assert r[3] == col.kind, f"docs/data-contract.md: {spec.name}.{col.name} kind is {col.kind}, not {r[3]}"


@pytest.mark.parametrize("spec,col,alias", ALIASES, ids=[f"{s.name}.{c.name}.{a}" for s, c, a in ALIASES])
def test_alias_documented(spec: Any, col: Any, alias: str) -> None:
    text = need_section("data-contract.md", f"`{spec.name}`", f"source {spec.name}")
    r = row(text, f"`{col.name}`")
    assert r is not None and alias in words(r[1]), (
        f"docs/data-contract.md: alias {alias} of {spec.name}.{col.name} is not documented"
    )


def test_column_kinds_documented() -> None:
    text = need_section("data-contract.md", "4. 数值的规范化", "how values are normalised")
    for kind in sorted({c.kind for _, c in COLUMNS}):
        assert row(text, f"`{kind}`") is not None, (
            f"docs/data-contract.md §4: column kind {kind} not described"
        )


@pytest.mark.parametrize("word", sorted(ROLES))
def test_register_relation_documented(word: str) -> None:
    text = need_section("data-contract.md", "`households`", "source households")
    r = next((r for r in rows(text) if f"`{ROLES[word]}`" in r[0]), None)
    assert r is not None, f"docs/data-contract.md: households: no row for relation role {ROLES[word]}"
    assert word in words(r[1]), f"docs/data-contract.md: 与户主关系 {word} ({ROLES[word]}) is not documented"


RELATION_ROWS = {
    ("parent", "a->b"): "A 是 B 的父母",
    ("parent", "b->a"): "A 是 B 的子女",
    ("spouse", "a-b"): "配偶",
    ("sibling", "a-b"): "兄弟姐妹",
}


@pytest.mark.parametrize("word", sorted(RELATIONS))
def test_relations_file_value_documented(word: str) -> None:
    meaning = RELATIONS[word]
    assert meaning in RELATION_ROWS, f"relation meaning {meaning} has no row of docs/data-contract.md"
    text = need_section("data-contract.md", "`relations`", "source relations")
    r = next((r for r in rows(text) if r[0].startswith(RELATION_ROWS[meaning])), None)
    assert r is not None and word in words(r[1]), (
        f"docs/data-contract.md: relations value {word} ({RELATION_ROWS[meaning]}) is not documented"
    )


@pytest.mark.parametrize("word", sorted(k for k in STATUSES if k))
def test_status_value_documented(word: str) -> None:
    text = need_section("data-contract.md", "`households`", "source households")
    r = next((r for r in rows(text) if r[0].startswith(STATUSES[word] + " ")), None)
    assert r is not None and word in words(r[1]), f"docs/data-contract.md: 户籍状态 {word} is not documented"


def test_load_report_documented(tmp_path: Path) -> None:
    text = need_section("data-contract.md", "5. 有问题的行", "the load report")
    header = LoadReport().write_csv(tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    for col in header.split(","):
        assert row(text, f"`{col}`") is not None, (
            f"docs/data-contract.md §5: report column {col} not described"
        )
    for action, zh in ACTION_ZH.items():
        r = row(text, f"`{action}`")
        assert r is not None and zh in r, f"docs/data-contract.md §5: action {action} ({zh}) not described"


# ------------------------------------------------------------------------------------------------- checks


@pytest.mark.parametrize("name", list(CHECKS))
def test_check_documented(name: str) -> None:
    check = CHECKS[name]
    text = need_section("checks.md", f"`{name}`", f"check {name} {check.title}")
    assert check.title in text.splitlines()[0], (
        f"docs/checks.md: the heading of {name} should say {check.title}"
    )
    m = re.search(r"基础分 base \*\*(\d+)\*\*", text)
    assert m, f"docs/checks.md: {name} does not give its base severity as 基础分 base **N**"
    assert float(m.group(1)) == CHECKS[name].base, (
        f"docs/checks.md: {name} base severity is {CHECKS[name].base:g}"
    )
    assert "**法律依据**" in text, f"docs/checks.md: {name} has no 法律依据 (legal grounding)"
    example = re.search(r"\*\*示例 Example\.\*\* `([^`]+)`", text)
    assert example and re.search(r"[\u4e00-\u9fff]", example.group(1)), (
        f"docs/checks.md: {name} has no example sentence (**示例 Example.** `…`)"
    )


@pytest.mark.parametrize("check,param", PARAMS, ids=[f"{c.name}.{p.name}" for c, p in PARAMS])
def test_check_parameter_documented(check: Any, param: Param) -> None:
    text = need_section("checks.md", f"`{check.name}`", f"check {check.name}")
    r = row(text, f"`{param.name}`")
    assert r is not None, f"docs/checks.md: parameter {param.name} of {check.name} is not documented"
    assert len(r) >= 5, f"docs/checks.md: {check.name}.{param.name}: need type, default, range, meaning"
    assert param.type.__name__ in r[1].split(), (
        f"docs/checks.md: {check.name}.{param.name} is {param.type.__name__}"
    )
    assert r[2] == fmt_value(param.default), (
        f"docs/checks.md: {check.name}.{param.name} default is {fmt_value(param.default)}, not {r[2]}"
    )
    assert r[3] == fmt_range(param), (
        f"docs/checks.md: {check.name}.{param.name} range is {fmt_range(param)}, not {r[3]}"
    )


def test_severity_factors_documented() -> None:
    text = need_section("checks.md", "严重程度 Severity", "the severity formula")
    for factor in severity_factors(next(iter(CHECKS))):
        assert any(r[0].startswith(f"`{factor}`") for r in rows(text)), (
            f"docs/checks.md: severity factor {factor} is not described"
        )


# ---------------------------------------------------------------------------------- findings and exports


@pytest.mark.parametrize("field", [*FIELDS, "details"])
def test_finding_field_documented(field: str) -> None:
    text = need_section("findings.md", "1. 线索 Findings", "the findings format")
    assert row(text, f"`{field}`") is not None, f"docs/findings.md §1: finding field {field} is not described"


@pytest.mark.parametrize("column", EVIDENCE_COLS)
def test_evidence_column_documented(column: str) -> None:
    text = need_section("findings.md", "3. 线索文件", "findings files")
    assert row(text, f"`{column}`") is not None, (
        f"docs/findings.md §3: evidence column {column} not described"
    )


@pytest.mark.parametrize("suffix", findings_suffixes())
def test_findings_file_documented(suffix: str) -> None:
    text = need_section("findings.md", "3. 线索文件", "findings files")
    assert row(text, f"`{suffix}`") is not None, (
        f"docs/findings.md §3: findings file {suffix} is not described"
    )


def _names_routes() -> list[tuple[str, str]]:
    from fastapi.routing import APIRoute

    from graphaudit.api import names

    return [(m, r.path) for r in names.router.routes if isinstance(r, APIRoute) for m in sorted(r.methods)]


@pytest.mark.parametrize("method,path", _names_routes(), ids=[f"{m} {p}" for m, p in _names_routes()])
def test_names_review_route_documented(method: str, path: str) -> None:
    """Every route of the 名称核对 page and API is in its section, with its method."""
    text = need_section("findings.md", "名称核对", "the name review page and API")
    assert row(text, f"`{method} {path}`") is not None, (
        f"docs/findings.md 名称核对: {method} {path} is not described"
    )


@pytest.mark.parametrize("fmt", list(export_formats().values()), ids=list(export_formats()))
def test_export_format_documented(fmt: ExportFormat) -> None:
    text = need_section("findings.md", "4. 导出格式", "export formats")
    r = row(text, f"`{fmt.name}`")
    assert r is not None, f"docs/findings.md §4: export format {fmt.name} is not documented"
    where = f"`{fmt.suffix}`" if fmt.suffix else "文件夹 folder"
    assert where in r[1], f"docs/findings.md §4: {fmt.name} writes {fmt.suffix or 'a folder'}"
    assert f"`{fmt.media_type}`" in r[2] and f"`{fmt.download_suffix}`" in r[2], (
        f"docs/findings.md §4: {fmt.name} is served as {fmt.media_type} ({fmt.download_suffix})"
    )


# ------------------------------------------------------------------------------------------ command line


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_command_documented(path: str) -> None:
    need_section("findings.md", f"`graphaudit {path}`", f"command graphaudit {path}")


@pytest.mark.parametrize("path,option", OPTIONS, ids=[f"{p} {o}" for p, o in OPTIONS])
def test_command_option_documented(path: str, option: str) -> None:
    text = need_section("findings.md", f"`graphaudit {path}`", f"command graphaudit {path}")
    assert f"`{option}`" in text, f"docs/findings.md: option {option} of graphaudit {path} is not documented"


def test_walk_finds_subcommands() -> None:
    """The walk reaches into the sub-apps (tokens, neo4j), not only the top-level commands."""
    paths = [p for p, _ in COMMANDS]
    assert "tokens create" in paths and "neo4j status" in paths, paths


# ------------------------------------------------------------------------------------------------- links


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for m in HEADING.finditer(text):
        s = _slug(m.group(2))
        out.add(s if s not in seen else f"{s}-{seen[s]}")
        seen[s] = seen.get(s, 0) + 1
    return out


def _markdown_files() -> list[tuple[Path, str]]:
    files = [(p, p.read_text(encoding="utf-8")) for p in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        files.append((nb, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")))
    return files


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize(
    "path,text", _markdown_files(), ids=[str(p.relative_to(ROOT)) for p, _ in _markdown_files()]
)
def test_links_stay_in_repository(path: Path, text: str) -> None:
    """Every relative link resolves to a file of the repository (and its #anchor to a heading there)."""
    assert "../shared" not in text, f"{path.relative_to(ROOT)} points outside the repository (../shared)"
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.is_relative_to(ROOT), f"{path.relative_to(ROOT)}: link {target} leaves the repository"
        assert dest.exists(), f"{path.relative_to(ROOT)}: link {target}: no such file"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest.read_text(encoding="utf-8")), (
                f"{path.relative_to(ROOT)}: link {target}: no such heading in {dest.relative_to(ROOT)}"
            )


# ------------------------------------------------------------------------------------------ stale entries


def _names(text: str, level: int) -> list[str]:
    """The `code` names of the headings of ``level`` in ``text``."""
    return [
        m.group(1)
        for h in HEADING.finditer(text)
        if len(h.group(1)) == level
        for m in [re.match(r"`([^`]+)`", h.group(2))]
        if m
    ]


def _code_rows(text: str) -> list[str]:
    """The names in the first cell of rows that start with a name alone: "| `kin_hops` | …"."""
    return [m.group(1) for r in rows(text) for m in [re.fullmatch(r"`([^`]+)`", r[0])] if m]


def test_no_stale_sources_or_columns() -> None:
    """What the data contract documents exists: a renamed or removed source or column fails here."""
    text = need_section("data-contract.md", "3. 各来源的列", "the sources")
    for name in _names(text, 3):
        assert name in SOURCES, f"docs/data-contract.md documents source {name}, which the code does not have"
        cols = SOURCES[name].column_names
        for col in _code_rows(need_section("data-contract.md", f"`{name}`", name)):
            assert col in cols, (
                f"docs/data-contract.md documents column {name}.{col}, which the code does not have"
            )


def test_no_stale_checks_or_parameters() -> None:
    text = need_section("checks.md", "检查项 The checks", "the checks")
    for name in _names(text, 3):
        assert name in CHECKS, f"docs/checks.md documents check {name}, which the code does not have"
        params = {p.name for p in CHECKS[name].all_params}
        for p in _code_rows(need_section("checks.md", f"`{name}`", name)):
            assert p in params, f"docs/checks.md documents parameter {name}.{p}, which the code does not have"


def test_no_stale_formats_or_commands() -> None:
    formats = export_formats()
    for name in _code_rows(need_section("findings.md", "4. 导出格式", "export formats")):
        assert name in formats, (
            f"docs/findings.md documents export format {name}, which the code does not have"
        )
    paths = {p for p, _ in COMMANDS}
    cli = need_section("findings.md", "5. 命令行", "the command line")
    for level in (3, 4):
        for heading in _names(cli, level):
            assert heading.startswith("graphaudit ") and heading.removeprefix("graphaudit ") in paths, (
                f"docs/findings.md documents command {heading}, which the code does not have"
            )
