"""The load report groups issues by kind: fixed codes and texts, the row's particulars in their own columns,
biggest kinds first on the console and in the CSV; an incremental load reports only what it read."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from graphaudit.ingest.issue import OTHER, REASONS, Issue
from graphaudit.ingest.pipeline import ingest
from graphaudit.ingest.report import CSV_COLUMNS, LoadReport
from graphaudit.store.embedded import LadybugStore
from graphaudit.synth import generate

MONTH = "subsidies_2024-12.csv"


@dataclass
class Loads:
    first: LoadReport
    month: LoadReport
    folder: Path


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> Loads:
    """A messy township (its register has ambiguous households), then next month's payments on their own."""
    tmp = tmp_path_factory.mktemp("report")
    generate(tmp / "data", "township", seed=7, messy=True)
    (tmp / "month").mkdir()
    shutil.move(tmp / "data" / MONTH, tmp / "month" / MONTH)
    store = LadybugStore(tmp / "g.db")
    try:
        first = ingest(tmp / "data", store)
        month = ingest(tmp / "month", store)
    finally:
        store.close()
    return Loads(first, month, tmp)


def test_reasons_have_unique_codes_and_texts() -> None:
    assert len({r.code for r in REASONS}) == len(REASONS)
    assert len({r.text for r in REASONS}) == len(REASONS)
    assert OTHER.code not in {r.code for r in REASONS}


def test_the_kind_and_the_particulars_are_read_off_the_reason() -> None:
    i = Issue(
        "households",
        "h.xlsx",
        12,
        "relation",
        "warning",
        "户号1411241072010115: 2个儿媳对应3个儿子，未推导该亲属关系 ambiguous register, link left out",
    )
    assert (i.code, i.household, i.detail) == (
        "kin_daughters_in_law",
        "1411241072010115",
        "2个儿媳对应3个儿子",
    )
    assert "户号" not in i.text and "1411241072010115" not in i.text
    j = Issue(
        "subsidies",
        "s.csv",
        3,
        "recipient_id",
        "repaired",
        "领取人按姓名匹配到户籍人员 matched to the register by name (孙丽)",
    )
    assert (j.code, j.detail) == ("recipient_matched_by_name", "孙丽")
    k = Issue(
        "cadres",
        "c.csv",
        4,
        "start_date",
        "warning",
        "无法识别的日期 unrecognised date '2024-13-01'; 已置空 value dropped",
    )
    assert k.code == "bad_date" and "2024-13-01" in k.detail and "已置空" in k.detail
    assert Issue("x", "x.csv", 1, "c", "warning", "something new").code == "other"
    with pytest.raises(ValueError, match="no_such_code"):
        Issue("x", "x.csv", 1, "c", "warning", "text", code="no_such_code")


def test_every_issue_of_a_messy_load_has_a_kind(loads: Loads) -> None:
    codes = Counter(i.code for i in loads.first.issues)
    assert len(codes) >= 4 and "other" not in codes, codes
    kin = [i for i in loads.first.issues if i.code.startswith("kin_")]
    assert kin and all(i.household and i.household in i.reason for i in kin)


def test_the_csv_groups_by_kind_biggest_first(loads: Loads, tmp_path: Path) -> None:
    path = loads.first.write_csv(tmp_path / "r.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0].keys()) == CSV_COLUMNS and len(rows) == len(loads.first.issues)
    codes = [r["code"] for r in rows]
    blocks = [c for n, c in enumerate(codes) if n == 0 or codes[n - 1] != c]
    assert len(blocks) == len(set(codes))  # each kind in one block
    sizes = [codes.count(c) for c in blocks]
    assert sizes == sorted(sizes, reverse=True)
    # one text per kind: the household number and other particulars are in their own columns
    assert all(len({r["reason"] for r in rows if r["code"] == c}) == 1 for c in blocks)
    assert not any("户号" in r["reason"] or "(expected" in r["reason"] for r in rows)
    assert any(r["household"] for r in rows) and any(r["detail"] for r in rows)


def test_the_console_counts_per_kind_biggest_first_then_examples(loads: Loads) -> None:
    console = Console(record=True, width=250)
    loads.first.print(console)
    text = console.export_text()
    kinds = loads.first.kinds()
    assert f"{len(loads.first.issues):,} in {len(kinds)} kinds" in text
    at = [text.index(k.text) for k in kinds]
    assert at == sorted(at)  # biggest first
    for k in kinds:
        assert f"{k.count:,}" in text
    examples = text[text.index("示例 Examples") :]
    for k in kinds[:3]:
        assert k.code in examples and k.examples[0].file in examples


def test_an_incremental_load_reports_what_it_read(loads: Loads) -> None:
    assert [f.file for f in loads.month.files] == [MONTH]
    assert all(i.file == MONTH for i in loads.month.issues)
    # the household register's ambiguities were found again by the rebuild, and are counted, not listed
    assert loads.month.earlier_issues >= sum(1 for i in loads.first.issues if i.code.startswith("kin_")) > 0
    console = Console(record=True, width=250)
    loads.month.print(console)
    text = console.export_text()
    assert "households.xlsx" not in text and f"{loads.month.earlier_issues:,} more issues" in text
    assert loads.month.as_dict()["earlier_issues"] == loads.month.earlier_issues
