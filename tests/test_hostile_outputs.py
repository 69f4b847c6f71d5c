"""Issue 19, outputs: the monthly report (``graphaudit report``) is written like every other output — to a
temporary file renamed into place, so that a kill or a full disk leaves the previous report whole — and the
register text in it (village names) stays text, never a formula."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from graphaudit.cases.report import MEASURES, SUMMARY, write_report

FORMULA = '=HYPERLINK("http://evil.example/x","点我")'


def figures(village: str, cases: int = 1) -> dict[str, Any]:
    row = {k: 0 for k, _ in MEASURES} | {"cases": cases}
    return {
        "month": "2024-06",
        "totals": {k: 0 for k, _ in SUMMARY} | row,
        "by_township": [
            {
                "name": "林家坪镇",
                "code": "141124107",
                **row,
                "villages": [{"name": village, "code": "1", **row}],
            }
        ],
        "by_check": [{"title": "检查", "check": "c", **row}],
        "by_status": [{"status": "待核查", **row}],
        "by_disposal": [{"stage": "未处置", **row}],
    }


def test_register_text_in_the_report_is_never_a_formula(tmp_path: Path) -> None:
    out = write_report(figures(FORMULA), tmp_path / "通报.xlsx")
    cells = [c for row in load_workbook(out)["按乡镇"].iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    with zipfile.ZipFile(out) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_a_failed_report_write_leaves_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = write_report(figures("西坪村", cases=1), tmp_path / "通报.xlsx")
    before = out.read_bytes()

    def fail(*a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)  # as a kill before the rename would leave things
    with pytest.raises(OSError):
        write_report(figures("西坪村", cases=2), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["通报.xlsx"]
    monkeypatch.undo()
    write_report(figures("西坪村", cases=2), out)
    assert load_workbook(out)["汇总"]["B3"].value == 2
