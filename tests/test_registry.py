"""The registries build themselves and are complete: every check, export format, findings format and source is
declared once, with everything users and code need, and an incomplete declaration fails at import naming it.

The tests loop over the live registries (no hand-kept list of names): adding a check, a format or a source
that lacks a piece fails here."""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import json
import re
import types
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
import pytest
from typer.testing import CliRunner

import graphaudit.checks as checks_pkg
from graphaudit.checks import CHECKS, Check, CheckDeclarationError, FundKind, LegalBasis, Param, collect
from graphaudit.checks import require_checks as require
from graphaudit.checks.legal import ART_104, ART_122, ART_124, zh_number
from graphaudit.errors import GraphAuditError
from graphaudit.export import FORMATS, FormatDeclarationError
from graphaudit.findings import FINDINGS_FORMATS, Finding, base_points, severity_factors, write_findings
from graphaudit.store.catalog import CYPHER_DIR

CJK = re.compile(r"[\u4e00-\u9fff]")
CHECK_DIR = Path(checks_pkg.__file__).parent


# -- checks ---------------------------------------------------------------------------------------------
def test_the_registry_is_every_module_that_declares_a_check_in_name_order() -> None:
    declaring = sorted(
        p.stem
        for p in CHECK_DIR.glob("*.py")
        if re.search(r"^CHECK\b[^=]*= *Check\(", p.read_text("utf-8"), re.M)
    )
    assert list(CHECKS) == declaring and len(CHECKS) >= 10
    for name, c in CHECKS.items():
        assert importlib.import_module(f"graphaudit.checks.{name}").CHECK is c


@pytest.mark.parametrize("name", list(CHECKS))
def test_every_check_is_declared_completely(name: str) -> None:
    c = CHECKS[name]
    module = importlib.import_module(f"graphaudit.checks.{name}")
    assert (module.__doc__ or "").startswith(f"{name}"), "the module docstring starts with the check's name"
    assert c.name == name and CJK.search(c.title) and c.description.strip()
    assert 0 < c.base <= 40 and severity_factors(name)["base"] == c.base == base_points(name)
    assert isinstance(c.legal_basis, LegalBasis) and c.legal_basis.citation.startswith(
        "《中国共产党纪律处分条例》"
    )
    assert isinstance(c.fund_kind, FundKind) and CJK.search(c.fund_kind.zh)
    assert c.queries[0] == name and (CYPHER_DIR / f"{name}.cypher").is_file()
    head = "\n".join(
        itertools.takewhile(
            lambda s: s.startswith("//"), (CYPHER_DIR / f"{name}.cypher").read_text("utf-8").splitlines()
        )
    )
    assert head, f"{name}.cypher has no header comment"
    for p in c.params:
        assert p.help.strip() and c.validate({p.name: p.default})[p.name] == p.default


@pytest.mark.parametrize("name", list(CHECKS))
def test_legal_basis_fits_the_money(name: str) -> None:
    """Relief money: favouritism (art. 124) or taking villagers' money (art. 122); contract money and rings:
    using office for relatives (art. 104) — DOMAIN.md "Legal grounding"."""
    c = CHECKS[name]
    allowed = {FundKind.RELIEF: {124, 122}, FundKind.OTHER: {104}, FundKind.MIXED: {104}}[c.fund_kind]
    assert c.legal_basis.article in allowed


def test_articles_are_cited_in_chinese_numerals() -> None:
    assert [zh_number(n) for n in (1, 10, 12, 20, 104, 110, 122, 124, 300)] == [
        "一",
        "十",
        "十二",
        "二十",
        "一百零四",
        "一百一十",
        "一百二十二",
        "一百二十四",
        "三百",
    ]
    assert ART_124.citation == "《中国共产党纪律处分条例》（2023年修订）第一百二十四条"
    assert {ART_104.article, ART_122.article, ART_124.article} == {104, 122, 124}


def test_collusive_cluster_base_is_the_clusters_base() -> None:
    from graphaudit.clusters.score import BASE_POINTS

    assert CHECKS["collusive_cluster"].base == BASE_POINTS


KAS = "kin_approved_subsidy"


def _good(**changes: Any) -> Check:
    """A new declaration of kin_approved_subsidy, with ``changes``."""
    fields = {f.name: getattr(CHECKS[KAS], f.name) for f in dataclasses.fields(Check)}
    return Check(**{**fields, **changes})


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"title": ""}, "title must be Chinese"),
        ({"title": "Kin approvals"}, "title must be Chinese"),
        ({"description": " "}, "description is empty"),
        ({"base": 41}, "base 41 is out of range 0–40"),
        ({"base": -5}, "base -5 is out of range"),
        ({"base": True}, "base must be a number"),
        ({"queries": (KAS, "no_such_query")}, "no_such_query.cypher is missing"),
        ({"queries": ()}, "queries must start with the check's own query"),
        ({"params": (Param("hops", int, 2, "", 1, 3),)}, "parameter 'hops' has no help text"),
        ({"params": (Param("hops", int, 9, "hops", 1, 3),)}, "default 9 is not a valid int"),
        ({"params": (Param("hops", int, 2, "a", 1, 3), Param("hops", int, 2, "b", 1, 3))}, "declared twice"),
        ({"params": (Param("mask_names", bool, True, "mask"),)}, "parameter 'mask_names' is declared twice"),
        ({"legal_basis": "第124条"}, "legal_basis must be a LegalBasis"),
        ({"fund_kind": "relief"}, "fund_kind must be a FundKind"),
        ({"find": None}, "find is not callable"),
        ({"name": "Bad Check"}, "name must be lower_case"),
    ],
)
def test_an_incomplete_declaration_raises_naming_the_check(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(CheckDeclarationError, match=re.escape(problem)) as e:
        _good(**changes)
    assert f"check {changes.get('name', KAS)!r}" in str(e.value)


def test_a_complete_declaration_passes() -> None:
    c = _good()
    assert c == CHECKS[KAS] and c is not CHECKS[KAS] and replace(c, base=0).base == 0


def _module(name: str, check: object, doc: str | None = "doc") -> types.ModuleType:
    m = types.ModuleType(f"graphaudit.checks.{name}", doc)
    m.CHECK = check  # type: ignore[attr-defined]
    return m


def test_registration_rejects_duplicates_misplaced_and_undocumented_checks() -> None:
    good = _good()
    assert collect([_module(KAS, good), types.ModuleType("graphaudit.checks.rows")]) == {KAS: good}
    with pytest.raises(CheckDeclarationError, match=f"'{KAS}' is registered twice"):
        collect([_module(KAS, good), _module(KAS, good)])
    with pytest.raises(CheckDeclarationError, match=f"'{KAS}' is declared in module graphaudit.checks.other"):
        collect([_module("other", good)])
    with pytest.raises(
        CheckDeclarationError, match=f"'{KAS}': module graphaudit.checks.{KAS} has no docstring"
    ):
        collect([_module(KAS, good, doc=None)])
    with pytest.raises(CheckDeclarationError, match="graphaudit.checks.odd.CHECK is a dict"):
        collect([_module("odd", {"name": "odd"})])


def test_names_used_elsewhere_must_be_registered() -> None:
    require(list(CHECKS), "test")
    with pytest.raises(
        CheckDeclarationError, match="somewhere names checks that are not registered: kin_aproved"
    ):
        require(["kin_approved_subsidy", "kin_aproved"], "somewhere")


def test_the_synth_plants_only_registered_checks() -> None:
    from graphaudit.synth import cases

    named = {*cases.VARIANTS, *(c for c, _, _ in cases.NEAR_MISSES), *cases.ORDER}
    assert named <= set(CHECKS) and len(named) >= 10


def test_severity_of_an_unknown_check_names_it() -> None:
    with pytest.raises(GraphAuditError, match="unknown check 'nope'"):
        severity_factors("nope")


# -- the API's view of the checks ---------------------------------------------------------------------------
def test_api_schemas_follow_the_registries() -> None:
    from pydantic import ValidationError

    from graphaudit.api.schemas import CheckInfo, ExportRequest, RunRequest

    info = [CheckInfo.of(c) for c in CHECKS.values()]
    assert [i.name for i in info] == list(CHECKS)
    assert all(i.legal_basis.citation and i.fund_kind in {k.value for k in FundKind} for i in info)
    schema = RunRequest.model_json_schema()
    enum = json.dumps(schema)
    assert all(f'"{n}"' in enum for n in CHECKS)
    assert RunRequest.model_validate({"checks": list(CHECKS)}).checks == list(CHECKS)
    with pytest.raises(ValidationError, match="unknown check 'nope'"):
        RunRequest.model_validate({"checks": ["nope"]})
    for fmt in FORMATS:
        assert ExportRequest.model_validate({"refs": ["x"], "format": fmt}).format == fmt
    with pytest.raises(ValidationError):
        ExportRequest.model_validate({"refs": ["x"], "format": "pdf"})


# -- export formats ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(FORMATS))
def test_every_export_format_is_declared_completely(name: str) -> None:
    f = FORMATS[name]
    module = importlib.import_module(f.module)
    assert f.name == name and CJK.search(f.title) and f.label.strip() and "/" in f.media_type
    assert f.suffix == module.SUFFIX and f.write is module.write and (module.__doc__ or "").strip()
    if f.folder:
        assert f.download.endswith(".zip") and f.media_type == "application/zip"
    else:
        assert f.suffix.startswith(".") and f.download == f.suffix


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"title": "Evidence bundle"}, "title must be Chinese"),
        ({"media_type": "html"}, "is not type/subtype"),
        ({"module": "graphaudit.export.nope"}, "writer module graphaudit.export.nope does not exist"),
        ({"label": ""}, "label is empty"),
        ({"download_suffix": "zip"}, "download_suffix must start with '.'"),
    ],
)
def test_an_incomplete_format_raises_naming_it(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(FormatDeclarationError, match=r"export format 'html': .*" + re.escape(problem)):
        replace(FORMATS["html"], **changes)


def test_findings_formats_write_their_suffix(tmp_path: Path) -> None:
    f = Finding(
        "a" * 16, "deceased_recipient", 50, 1.0, "1", ["p"], ["r"], {"nodes": [], "relationships": []}, "句"
    )
    for suffix, fmt in FINDINGS_FORMATS.items():
        assert CJK.search(fmt.title)
        assert write_findings([f], tmp_path / f"x{suffix}").stat().st_size > 0


def test_finding_page_offers_every_export_format() -> None:
    from graphaudit.api.pages import WEB

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(WEB / "templates"), autoescape=True)
    me = {"name": "n", "role": "analyst", "role_zh": "分析员", "show_ids": False, "permissions": ["export"]}
    html = env.get_template("finding.html").render(
        me=me,
        finding_id="f1",
        export_formats=list(FORMATS.values()),
        model_json="{}",
        next_status="{}",
        page="x",
    )
    for f in FORMATS.values():
        assert f'id="export-{f.name}" href="/api/findings/f1/export?format={f.name}"' in html
        assert f">{f.label}</a>" in html and f'title="{f.title}"' in html


# -- the command line ---------------------------------------------------------------------------------------
def test_cli_help_lists_the_registries() -> None:
    from graphaudit.cli.main import app

    runner = CliRunner(env={"COLUMNS": "1000"})
    check_help = runner.invoke(app, ["check", "--help"]).output
    export_help = runner.invoke(app, ["export", "--help"]).output
    flat = re.sub(r"[\s│]+", " ", check_help)
    for c in CHECKS.values():
        assert f"{c.name}（{c.title}）" in flat
    for suffix in FINDINGS_FORMATS:
        assert suffix in flat
    flat = re.sub(r"[\s│]+", " ", export_help)
    for f in FORMATS.values():
        assert f"{f.name}: {f.title}" in flat


# -- sources ------------------------------------------------------------------------------------------------
def _sources() -> dict[str, Any]:
    from graphaudit.ingest.sources import SOURCES

    return SOURCES


@pytest.mark.parametrize("name", list(_sources()))
def test_every_source_is_declared_consistently(name: str) -> None:
    """Its Chinese name, a key, unique columns whose headers and aliases do not collide."""
    from graphaudit.ingest.normalize import normalize_header

    spec = _sources()[name]
    assert spec.name == name and CJK.search(spec.zh)
    cols = [c.name for c in spec.columns]
    assert len(cols) == len(set(cols)) and spec.key
    headers = [(normalize_header(h), c.name) for c in spec.columns for h in (c.name, *c.aliases)]
    clashes = {h for h, _ in headers if len({c for x, c in headers if x == h}) > 1}
    assert not clashes, f"{name}: headers naming two columns: {sorted(clashes)}"
