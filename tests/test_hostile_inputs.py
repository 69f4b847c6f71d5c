"""Issue 19, input side: each hostile or clumsy input named in the issue gives one located line (an
InputError) or a reported issue, never a traceback, a hang or a silent change of the data."""

from __future__ import annotations

import csv
import io
import math
import os
import time
import zipfile
from pathlib import Path

import pytest

from graphaudit.checks.check import CheckParamError, Param
from graphaudit.errors import GraphAuditError, InputError
from graphaudit.ingest.pipeline import ingest, prepare, read_dataset
from graphaudit.ingest.reader import read_table
from graphaudit.store.embedded import LadybugStore
from tests.hostile_files import (
    SHEET,
    households_rows,
    rezip,
    sheet_xml,
    streamed_sheet,
    tiny_copy,
    write_xlsx,
)

HEADER = households_rows()[0]


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(",".join(r) for r in rows).encode(encoding) + b"\n")
    return path


def _issues(report, action: str | None = None) -> list:
    return [i for i in report.issues if action is None or i.action == action]


# ------------------------------------------------------------------------------- files that are not files


@pytest.mark.parametrize("kind", ["directory", "fifo", "dev_zero", "dangling"])
def test_household_file_that_is_no_regular_file_is_refused_before_reading(tmp_path: Path, kind: str) -> None:
    d = tiny_copy(tmp_path / "data", only=["subsidies"])
    target = d / "households.csv"
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)  # opening it for reading would block for ever
    elif kind == "dev_zero":
        target.symlink_to("/dev/zero")  # reading it would never end
    else:
        target.symlink_to(tmp_path / "nowhere.csv")
    t0 = time.perf_counter()
    with pytest.raises(InputError) as e:
        read_dataset(d)
    assert time.perf_counter() - t0 < 5
    assert e.value.file and Path(e.value.file).name == "households.csv"
    assert ("not a regular file" in str(e.value)) or ("cannot read" in str(e.value))


@pytest.mark.parametrize("name", [None, "household.csv", "housholds.csv"])
def test_no_household_register_is_one_clear_error(tmp_path: Path, name: str | None) -> None:
    d = tiny_copy(tmp_path / "data", only=["subsidies", "cadres"])
    if name:
        (d / name).write_bytes((tiny_copy(tmp_path / "t") / "households.csv").read_bytes())
    with pytest.raises(InputError, match="no household register") as e:
        prepare({}, d)
    if name:
        assert name in str(e.value)  # the file that was not recognised is named


def test_households_and_subsidies_alone_load(tmp_path: Path) -> None:
    d = tiny_copy(tmp_path / "data", only=["households", "subsidies"])
    tables, graph, report = prepare({}, d)
    graph.validate()
    assert report.counts["Payment"] == 3 and report.counts["Contract"] == 0 and report.counts["Company"] == 0
    assert set(tables) == {"households", "subsidies"}  # the store keeps only what was loaded


@pytest.mark.parametrize("only", [["households"], ["households", "contracts"], ["households", "relations"]])
def test_any_subset_of_sources_loads_into_a_store(tmp_path: Path, only: list[str]) -> None:
    d = tiny_copy(tmp_path / "data", only=only)
    store = LadybugStore(tmp_path / "g.db", max_db_size=1 << 30)
    try:
        report = ingest(d, store)
        assert report.counts["Person"] >= 13
        assert store.stats()["Person"] == report.counts["Person"]
    finally:
        store.close()


# ------------------------------------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("户籍.csv", "households"),
        ("户籍信息2024.csv", "households"),
        ("家庭成员.csv", "relations"),
        ("亲属关系.csv", "relations"),
        ("村干部名单.csv", "cadres"),
        ("工商登记.csv", "companies"),
        ("股东.csv", "shareholders"),
        ("工程合同.csv", "contracts"),
        ("2024年低保资金发放.csv", "subsidies"),
        ("补贴_01.csv", "subsidies"),
    ],
)
def test_chinese_file_names_are_recognised(tmp_path: Path, name: str, source: str) -> None:
    from graphaudit.ingest.filenames import classify_files
    from graphaudit.ingest.sources import SOURCES

    (tmp_path / name).write_text("x")
    found = classify_files(tmp_path, list(SOURCES))
    assert {s: [p.name for p in ps] for s, ps in found.by_source.items()} == {source: [name]}


def test_ambiguous_file_name_is_an_error(tmp_path: Path) -> None:
    d = tiny_copy(tmp_path / "data", only=["households"])
    (d / "企业股东.csv").write_text("x")
    with pytest.raises(InputError, match="ambiguous") as e:
        read_dataset(d)
    assert "companies" in str(e.value) and "shareholders" in str(e.value)


def test_file_that_fits_no_source_is_reported_and_shown(tmp_path: Path) -> None:
    d = tiny_copy(tmp_path / "data", only=["households"])
    (d / "subsides_2024-02.csv").write_text("x")
    (d / "说明.txt").write_text("x")
    _, report = read_dataset(d)
    unread = {i.file: i.reason for i in report.issues if i.source == ""}
    assert set(unread) == {"subsides_2024-02.csv", "说明.txt"}
    assert "did you mean subsidies" in unread["subsides_2024-02.csv"]
    assert [f.source for f in report.files] == ["households"]


# --------------------------------------------------------------------------------------------- CSV values


def _households_with(tmp_path: Path, column: str, value: str, row: int = 1) -> Path:
    rows = households_rows()
    rows[row][HEADER.index(column)] = value
    d = tmp_path / "data"
    d.mkdir(exist_ok=True)
    _csv(d / "households.csv", rows)
    return d


def test_scientific_notation_ids_are_rejected_not_merged(tmp_path: Path) -> None:
    rows = households_rows()
    for r in rows[1:6]:
        r[HEADER.index("公民身份号码")] = "1.40107E+17"
    d = tmp_path / "data"
    d.mkdir()
    _csv(d / "households.csv", rows)
    tables, graph, report = prepare({}, d)
    rejected = [i for i in report.issues if i.action == "rejected" and "科学计数法" in i.reason]
    assert [i.row for i in rejected] == [2, 3, 4, 5, 6]
    assert all(i.file == "households.csv" and "公民身份号码" in i.column for i in rejected)
    assert report.files[0].rows == len(rows) - 1 and report.files[0].loaded == len(rows) - 6
    assert not tables["households"]["person_id"].str.contains("E").any()


def _subsidies_with(tmp_path: Path, value: str) -> Path:
    """The tiny households and its subsidies file (GBK) with the first payment's amount replaced."""
    d = tiny_copy(tmp_path / "data", only=["households"])
    src = tiny_copy(tmp_path / "t", only=["subsidies"]) / "subsidies_2024-01.csv"
    rows = list(csv.reader(io.StringIO(src.read_bytes().decode("gbk"))))
    rows[1][rows[0].index("发放金额")] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    (d / "subsidies_2024-01.csv").write_bytes(out.getvalue().encode("gbk"))
    return d


@pytest.mark.parametrize("value", ["1E999", "inf", "-inf", "nan", "NaN", "1e13", "9" * 30000, "1E999999999"])
def test_non_finite_or_absurd_amount_is_rejected(tmp_path: Path, value: str) -> None:
    tables, graph, report = prepare({}, _subsidies_with(tmp_path, value))
    bad = [i for i in report.issues if i.row == 2 and "amount" in i.column]
    assert bad and bad[0].action == "rejected" and bad[0].file == "subsidies_2024-01.csv"
    amounts = [a for a in tables["subsidies"]["amount"].tolist() if a is not None]
    assert amounts and all(math.isfinite(a) and abs(a) <= 1e12 for a in amounts)


def test_ten_megabyte_amount_is_one_located_error(tmp_path: Path) -> None:
    d = _subsidies_with(tmp_path, "9" * 10_000_000)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="cell too long") as e:
        prepare({}, d)
    assert time.perf_counter() - t0 < 20
    assert e.value.row == 2 and e.value.column


@pytest.mark.parametrize(
    ("value", "action"),
    [("9999-12-31", "warning"), ("2224-01-01", "warning"), ("1965-03-2", "repaired"), ("1965-3-2", None)],
)
def test_far_future_and_partial_dates(tmp_path: Path, value: str, action: str | None) -> None:
    d = _households_with(tmp_path, "出生日期", value)
    tables, _, report = prepare({}, d)
    found = [i for i in report.issues if i.row == 2 and "birth_date" in i.column]
    if action is None:
        assert not found
    else:
        assert found and found[0].action == action
    born = tables["households"]["birth_date"].dropna().tolist()
    assert all(b.year < 2100 for b in born)


def test_unbalanced_quote_swallowing_rows_is_rejected(tmp_path: Path) -> None:
    rows = households_rows()
    rows[2][2] = '"' + rows[2][2]  # opens a quote that the next rows' commas and line breaks fall into
    rows[5][2] = rows[5][2] + '"'
    d = tmp_path / "data"
    d.mkdir()
    _csv(d / "households.csv", rows)
    tables, _, report = prepare({}, d)
    rejected = [i for i in report.issues if i.action == "rejected" and "unclosed quote" in i.reason]
    assert [i.row for i in rejected] == [3]
    assert report.files[0].rows == len(rows) - 1 - 3  # three physical rows went into one record


def test_big5_is_refused_not_garbled(tmp_path: Path) -> None:
    text = (
        "戶號,公民身份號碼,姓名,與戶主關係,村代碼\nH1,,張偉,戶主,140107001201\nH1,,王秀英,配偶,140107001201\n"
    )
    p = tmp_path / "households.csv"
    p.write_bytes(text.encode("big5"))
    with pytest.raises(InputError, match="Big5"):
        read_table(p, "households")
    q = tmp_path / "ok.csv"
    q.write_bytes(households_rows()[0][0].encode("gbk") + "\n张伟\n".encode("gbk"))
    assert read_table(q, "households").encoding == "gbk"


# ---------------------------------------------------------------------------------------------------- XLSX


def _xlsx_dataset(tmp_path: Path) -> tuple[Path, Path]:
    d = tmp_path / "data"
    d.mkdir()
    base = write_xlsx(tmp_path / "base.xlsx", households_rows())
    return d, base


def test_damaged_xlsx_parts_are_located_errors(tmp_path: Path) -> None:
    d, base = _xlsx_dataset(tmp_path)
    with zipfile.ZipFile(base) as z:
        good = z.read(SHEET)
    cases = {
        "parse": good[: len(good) // 2],
        "entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        + good[good.index(b"<worksheet") :],
        "badcell": good.replace(b'<c r="A2"', b'<c r="!!"', 1),
    }
    for name, part in cases.items():
        p = rezip(base, d / f"households_{name}.xlsx", {SHEET: part})
        with pytest.raises(InputError) as e:
            read_table(p, "households")
        assert e.value.file == str(p), name
    raw = base.read_bytes()
    at = raw.index(b"xl/worksheets/sheet1.xml") + 40
    (d / "households_zlib.xlsx").write_bytes(
        raw[:at] + bytes(b ^ 0x5A for b in raw[at : at + 200]) + raw[at + 200 :]
    )
    with pytest.raises(InputError, match="workbook"):
        read_table(d / "households_zlib.xlsx", "households")


def test_shared_string_index_out_of_range(tmp_path: Path) -> None:
    d, base = _xlsx_dataset(tmp_path)
    ct = (
        zipfile.ZipFile(base)
        .read("[Content_Types].xml")
        .replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/></Types>',
        )
    )
    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
        b"<si><t>x</t></si></sst>"
    )
    sheet = sheet_xml(b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>99</v></c></row>')
    p = rezip(
        base, d / "households.xlsx", {SHEET: sheet, "[Content_Types].xml": ct, "xl/sharedStrings.xml": sst}
    )
    with pytest.raises(InputError, match="damaged workbook"):
        read_table(p, "households")


def test_cell_in_column_xfd_fails_fast(tmp_path: Path) -> None:
    d, base = _xlsx_dataset(tmp_path)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 20_000))
    rows += b'<row r="20000"><c r="XFD20000"><v>1</v></c></row>'
    p = rezip(base, d / "households.xlsx", {SHEET: sheet_xml(rows, "A1:XFD20000")})
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="too many columns") as e:
        read_table(p, "households")
    assert time.perf_counter() - t0 < 5
    assert "XFD" in str(e.value)


def test_two_million_rows_fail_fast(tmp_path: Path) -> None:
    d, base = _xlsx_dataset(tmp_path)
    p = rezip(base, d / "households.xlsx", {SHEET: streamed_sheet(2_000_000)}, level=1)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="too many rows"):
        read_table(p, "households")
    assert time.perf_counter() - t0 < 30


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    d, base = _xlsx_dataset(tmp_path)

    def bomb(z: zipfile.ZipFile) -> None:
        with z.open(SHEET, "w", force_zip64=True) as fh:
            for _ in range(64):
                fh.write(b" " * (1 << 22))

    p = rezip(base, d / "households.xlsx", {SHEET: bomb}, level=9)
    with pytest.raises(InputError, match="expands"):
        read_table(p, "households")


def test_limits_are_overridable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tiny_copy(tmp_path / "data", only=["households"])
    monkeypatch.setenv("GRAPHAUDIT_MAX_ROWS", "5")
    with pytest.raises(InputError, match="too many lines") as e:
        read_table(d / "households.csv", "households")
    assert "GRAPHAUDIT_MAX_ROWS" in str(e.value)
    monkeypatch.setenv("GRAPHAUDIT_MAX_COLUMNS", "3")
    monkeypatch.delenv("GRAPHAUDIT_MAX_ROWS")
    with pytest.raises(InputError, match="too many columns"):
        read_table(d / "households.csv", "households")


def test_extra_sheet_and_formula_without_value_are_reported(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    rows = households_rows()
    rows[1][HEADER.index("姓名")] = '=CONCAT("张","伟")'
    write_xlsx(d / "households.xlsx", rows, 说明=[["只是说明"]], Sheet2=rows[6:])
    tables, _, report = prepare({}, d)
    reasons = [(i.row, i.column, i.reason) for i in report.issues if i.file == "households.xlsx"]
    assert any(r == 2 and c == "C" and "formula" in why for r, c, why in reasons)
    sheets = [why for r, _, why in reasons if r is None and "未读取" in why]  # not the unknown-column note
    assert len(sheets) == 2 and any("Sheet2" in w and f"({len(rows) - 6} rows)" in w for w in sheets)


# ----------------------------------------------------------------------------------------- check parameters


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "nan", "inf", "-inf", "NaN"])
def test_check_parameters_must_be_finite(value: object) -> None:
    p = Param("threshold", float, 1.0, "a threshold", min=0.0)
    with pytest.raises(CheckParamError, match="finite"):
        p.coerce("split_contracts", value)
    with pytest.raises(CheckParamError):
        Param("n", int, 1, "a count").coerce("c", value)
    assert p.coerce("split_contracts", "2.5") == 2.5


def test_input_error_is_one_line() -> None:
    e = InputError("bad header 'a\nb'\x1b[31m", file="x/户籍.csv", row=2, column="B")
    assert "\n" not in str(e) and "\x1b" not in str(e) and str(e).startswith("户籍.csv, row 2, column B")
    assert isinstance(e, GraphAuditError)


def test_every_limit_is_documented() -> None:
    from dataclasses import fields

    from graphaudit.ingest.limits import Limits

    text = (Path(__file__).resolve().parents[1] / "docs" / "data-contract.md").read_text(encoding="utf-8")
    limits_section = text[text.index("## 7. 限制 Limits") :]
    for f in fields(Limits):
        assert f"`{Limits.env_name(f.name)}`" in limits_section, f.name


def test_every_chinese_file_name_is_documented() -> None:
    from graphaudit.ingest.filenames import FILE_NAMES
    from graphaudit.ingest.sources import SOURCES

    text = (Path(__file__).resolve().parents[1] / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert set(FILE_NAMES) == set(SOURCES)
    for source, names in FILE_NAMES.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {source} |"))
        assert row.split("|")[2].strip() == "、".join(names), source


# ------------------------------------------------------------------------------- checks on a subset of data


def test_every_check_knows_the_data_it_reads() -> None:
    from graphaudit.checks import CHECKS
    from graphaudit.checks.needs import needs
    from graphaudit.model import MODEL

    for name, check in CHECKS.items():
        groups = needs(check)
        assert groups, name
        assert all(n in MODEL.nodes or n in MODEL.rels for g in groups for n in g), name


def test_a_check_lacking_its_data_says_so(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphaudit.checks import CHECKS
    from graphaudit.checks.needs import lacking, lacking_note, needs
    from graphaudit.cli.main import app

    full = {n: 1 for g in needs(CHECKS["duplicate_payment"]) for n in g}
    assert lacking(CHECKS["duplicate_payment"], full) == []
    assert lacking_note(CHECKS["duplicate_payment"], {**full, "Payment": 0}) is not None
    d = tiny_copy(tmp_path / "data", only=["households"])
    db = tmp_path / "g.db"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(d), "--db", str(db)]).exit_code == 0
    res = runner.invoke(app, ["check", "--db", str(db), "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "duplicate_payment 同月重复领取补贴: 缺少数据" in out and "no data for Payment" in out
    assert "Traceback" not in res.output


def test_prefixed_tags_the_scan_cannot_see_are_bounded_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d, base = _xlsx_dataset(tmp_path)
    rows = b"".join(b'<x:row r="%d"><x:c r="A%d"><x:v>1</x:v></x:c></x:row>' % (i, i) for i in range(1, 5000))
    far = b'<x:row r="5000"><x:c r="XFD5000"><x:v>1</x:v></x:c></x:row>'
    ns = b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = (
        b'<?xml version="1.0"?><x:worksheet '
        + ns
        + b"><x:sheetData>"
        + rows
        + far
        + b"</x:sheetData></x:worksheet>"
    )
    p = rezip(base, d / "households.xlsx", {SHEET: xml})
    with pytest.raises(InputError, match="too many columns") as e:
        read_table(p, "households")
    assert e.value.row == 5000
    q = rezip(base, d / "households_2.xlsx", {SHEET: xml.replace(far, b"")})
    monkeypatch.setenv("GRAPHAUDIT_MAX_XLSX_CELLS", "1000")
    with pytest.raises(InputError, match="sheet too large"):
        read_table(q, "households")


@pytest.mark.parametrize(
    "name,sources",
    [
        ("村干部近亲属享受低保备案.xlsx", ["declarations"]),  # not cadres (干部) nor subsidies (低保)
        ("2024年低保资金发放.xlsx", ["subsidies"]),
        ("火化记录.xlsx", ["deaths"]),
        ("村干部名单.xlsx", ["cadres"]),
        ("企业股东.xlsx", ["companies", "shareholders"]),  # two sources, neither inside the other: an error
    ],
)
def test_the_more_specific_chinese_file_name_wins(name: str, sources: list[str]) -> None:
    from graphaudit.ingest.filenames import source_of
    from graphaudit.ingest.sources import SOURCES

    assert source_of(name, list(SOURCES)) == sources


def test_every_chinese_file_name_is_recognised() -> None:
    """Every Chinese name of every source (the new registers' too), alone, with a year and as XLSX, is
    detected as that source — looped over the registry, so a name added later is tried too."""
    from graphaudit.ingest.filenames import FILE_NAMES, source_of
    from graphaudit.ingest.sources import SOURCES

    for source, names in FILE_NAMES.items():
        assert names, source
        for zh in names:
            for name in (f"{zh}.csv", f"2024年{zh}.xlsx", f"{zh}_01.txt"):
                assert source_of(name, list(SOURCES)) == [source], name


def test_a_temporary_folder_that_cannot_take_the_utf8_copy_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GBK file is copied to UTF-8 in the temporary folder while it is scanned; a folder that is missing
    (or full) is an InputError naming the file and TMPDIR, not an OSError."""
    import tempfile

    d = tiny_copy(tmp_path / "data", only=["subsidies"])
    gbk = next(p for p in d.iterdir() if p.name.startswith("subsidies"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    with pytest.raises(InputError, match="TMPDIR") as e:
        read_table(gbk, "subsidies")
    assert e.value.file and "\n" not in str(e.value)


_TINY_SOURCES = ["relations", "cadres", "companies", "shareholders", "contracts", "subsidies"]


@pytest.mark.parametrize("left_out", _TINY_SOURCES)
def test_every_source_but_households_may_be_missing(tmp_path: Path, left_out: str) -> None:
    """Each source the tiny dataset has, left out (the others present), and kept alone beside the household
    register: both load into a valid graph, and the report says what was loaded."""
    others = [s for s in _TINY_SOURCES if s != left_out]
    for name, only in (("without", ["households", *others]), ("alone", ["households", left_out])):
        d = tiny_copy(tmp_path / name, only=only)
        tables, graph, report = prepare({}, d)
        graph.validate()
        assert "households" in tables and report.counts["Person"] >= 13, name
        assert (left_out in tables) == (name == "alone"), (name, sorted(tables))


@pytest.mark.parametrize("limit", ["GRAPHAUDIT_MAX_ROWS", "GRAPHAUDIT_MAX_CELL_CHARS"])
def test_a_refused_gbk_file_leaves_no_temporary_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str
) -> None:
    import tempfile

    d = tiny_copy(tmp_path / "data", only=["subsidies"])
    gbk = next(p for p in d.iterdir() if p.name.startswith("subsidies"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setenv(limit, "2")
    with pytest.raises(InputError, match="too many lines|cell too long"):
        read_table(gbk, "subsidies")
    assert not list((tmp_path / "tmp").iterdir())
    monkeypatch.delenv(limit)
    assert len(read_table(gbk, "subsidies").frame) and not list((tmp_path / "tmp").iterdir())
