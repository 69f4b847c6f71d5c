"""Outputs an office can use as they are: names instead of codes (graphaudit.places), Chinese workbooks with
a summary sheet, autofilters and status/comment columns, no raw JSON in a cell; the model's Chinese labels."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from graphaudit.findings import Finding, write_findings
from graphaudit.model import MODEL
from graphaudit.places import Places
from graphaudit.workbook import details_text

HAN = re.compile(r"[\u4e00-\u9fff]")
CODE12 = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def chinese(text: Any) -> bool:
    """A header or label counts as Chinese when it holds a Han character and no ASCII word."""
    s = str(text or "")
    return bool(HAN.search(s)) and not re.search(r"[A-Za-z_]{2,}", s)


def test_places_names_villages_townships_and_counties() -> None:
    places = Places({"141124111218": "西坪村", "141124111219": "141124111219"})  # a name that is its code
    assert places.name("141124111218") == "西坪村"
    assert places.name("141124111") == "丛罗峪镇"  # shipped divisions
    assert places.name("141124") == "临县"
    assert places.name("141124111219") == ""  # a code is no name
    assert places.full("141124111218") == "丛罗峪镇 西坪村"
    assert places.full("141124111219") == "丛罗峪镇 141124111219"
    assert places.named("经查141124111218的3人、身份证141124196001010011、141124********00**") == (
        "经查西坪村的3人、身份证141124196001010011、141124********00**"
    )
    assert places.named("补助141124元，141124111元") == "补助141124元，丛罗峪镇元"  # six digits stay
    tree = places.tree(["141124111218", "141124111219", "141124112"])
    assert [t["name"] for t in tree] == ["丛罗峪镇", "曲峪镇"]
    assert [v["name"] for v in tree[0]["villages"]] == ["西坪村", "141124111219"]


def test_the_model_names_every_label_relationship_and_property_in_chinese() -> None:
    for n in MODEL.nodes.values():
        assert chinese(n.zh), n.name
        for p in n.properties:
            assert chinese(MODEL.prop_zh(p, n.name)), f"{n.name}.{p}"
    for r in MODEL.rels.values():
        assert chinese(r.zh), r.name
        for p in r.properties:
            assert chinese(MODEL.prop_zh(p, r.name)), f"{r.name}.{p}"
    assert MODEL.prop_zh("name", "Person") == "姓名" and MODEL.prop_zh("title", "HOLDS") == "职务"


def finding(org: str = "141124111218") -> Finding:
    pid = "141124196001010011"
    path = {
        "nodes": [
            {"label": "Person", "id": pid, "caption": "张书记"},
            {"label": "Person", "id": "141124198501010022", "caption": "张儿"},
            {"label": "Payment", "id": "P-1", "caption": "低保"},
            {"label": "Org", "id": org, "caption": "西坪村"},
        ],
        "relationships": [
            {"type": "PARENT_OF", "direction": "->"},
            {"type": "PAID_TO", "direction": "<-"},
            {"type": "IN_ORG", "direction": "->"},
        ],
    }
    return Finding(
        "f" * 16,
        "kin_approved_subsidy",
        70,
        3600.0,
        org,
        [pid, "141124198501010022"],
        ["P-1"],
        path,
        f"{org}的张书记审批了其子的低保",
        {"hops": 1, "severity_factors": {"base": 40, "link": 15.0}, "programs": ["低保", "临时救助"]},
    )


def test_the_findings_workbook_is_chinese_named_and_readable(tmp_path: Path) -> None:
    wb = load_workbook(write_findings([finding()], tmp_path / "f.xlsx"))
    assert wb.sheetnames == ["汇总", "线索", "证据"]
    for ws in wb.worksheets:
        head = [c.value for c in ws[1]]
        assert all(chinese(h) for h in head), f"{ws.title}: {head}"
        assert ws.freeze_panes == "A2"
    for title in ("线索", "证据"):
        assert wb[title].auto_filter.ref, f"{title} has no autofilter"
    rows = list(wb["线索"].values)
    head, row = rows[0], dict(zip(rows[0], rows[1]))
    assert "核查状态" in head and "核查意见" in head
    assert row["村（单位）"] == "西坪村" and row["乡镇"] == "丛罗峪镇"
    assert row["说明"] == "西坪村的张书记审批了其子的低保"  # the code in the sentence became the name
    cells = [str(v) for r in rows[1:] for k, v in zip(head, r) if k != "单位代码" and v is not None]
    assert not any(CODE12.search(c) for c in cells), cells
    assert not any(c.lstrip().startswith(("{", "[")) for c in cells)
    assert "亲属跳数：1" in row["详情"] and "检查基础分 40" in row["详情"]
    assert "父母" in row["证据路径"] and "PARENT_OF" not in row["证据路径"]
    summary = [r for r in wb["汇总"].values]
    assert summary[1][:2] == ("线索（检查发现）总数", 1)
    assert any(r[0] == "丛罗峪镇" and r[1] == 1 for r in summary)


def test_details_never_render_as_json() -> None:
    text = details_text({"record_money": {"KA-1": [20000.0, "危房改造"]}, "months": [202403, 202404]})
    assert text == "各笔金额：KA-1 20,000、危房改造\n月份：202403、202404"


def test_a_property_without_a_chinese_name_fails_at_load(tmp_path: Path) -> None:
    import pytest

    from graphaudit.model import ModelError, _load

    text = (Path(__file__).resolve().parents[1] / "graphaudit" / "model.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "model.yaml"
    broken.write_text(text.replace("  share: 持股比例\n", ""), encoding="utf-8")
    with pytest.raises(ModelError, match="property_zh has no Chinese name for share"):
        _load(broken)
