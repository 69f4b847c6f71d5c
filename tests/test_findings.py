"""Findings: kinship naming, masking, severity, stable ids, parameter validation and the exports."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from graphaudit.checks import CHECKS, CheckParamError, resolve_params
from graphaudit.checks.kinpath import KinStep, name_path
from graphaudit.errors import GraphAuditError
from graphaudit.findings import (
    Finding,
    closeness,
    make_finding_id,
    mask_id,
    mask_name,
    money_points,
    post_rank,
    repetition_points,
    severity,
    write_findings,
)

M, F = "男", "女"


def p(gender: str | None = None, born: str | None = None) -> dict:
    return {"gender": gender, "birth_date": date.fromisoformat(born) if born else None}


UP, DOWN = KinStep("PARENT_OF", False), KinStep("PARENT_OF", True)
SP, SIB = KinStep("SPOUSE_OF", True), KinStep("SIBLING_OF", True)


@pytest.mark.parametrize(
    "nodes, steps, arrow, term",
    [
        ([p(M)], [], "本人", "本人"),
        ([p(M), p(F)], [SP], "配偶", "妻子"),
        ([p(F), p(M)], [SP], "配偶", "丈夫"),
        ([p(None), p(M)], [SP], "配偶", "丈夫"),  # the spouse's gender tells
        ([p(None), p(None)], [SP], "配偶", "配偶"),
        ([p(M), p(None), p(M)], [DOWN, SP], "女→配偶", "女婿"),  # a child's gender from the child's spouse
        ([p(M, "1960-01-01"), p(None, "1955-01-01"), p(F)], [SIB, SP], "兄弟→配偶", "嫂子"),
        ([p(M, "1965-01-01"), p(M, "1960-01-01")], [SIB], "兄弟", "哥哥"),
        ([p(M, "1965-01-01"), p(F, "1970-01-01")], [SIB], "姐妹", "妹妹"),
        ([p(M), p(M)], [SIB], "兄弟", "兄弟"),
        ([p(M), p(F, "1967-08-09"), p(M, "1970-05-05")], [SP, SIB], "配偶→兄弟", "妻弟"),
        ([p(M), p(F, "1967-08-09"), p(M, "1960-05-05")], [SP, SIB], "配偶→兄弟", "妻兄"),
        ([p(M), p(F), p(M)], [SP, SIB], "配偶→兄弟", "妻之兄弟"),
        ([p(F), p(M, "1960-01-01"), p(M, "1962-01-01")], [SP, SIB], "配偶→兄弟", "夫弟"),
        ([p(M), p(F), p(F, "1950-01-01")], [SP, SIB], "配偶→姐妹", "妻之姐妹"),
        ([p(M), p(F), p(M)], [SP, UP], "配偶→父亲", "岳父"),
        ([p(F), p(M), p(M)], [SP, UP], "配偶→父亲", "公公"),
        ([p(F), p(M), p(F)], [SP, UP], "配偶→母亲", "婆婆"),
        ([p(M), p(M, "1940-01-01"), p(M, "1945-01-01")], [UP, SIB], "父亲→兄弟", "叔父"),
        ([p(M), p(M, "1940-01-01"), p(M, "1935-01-01")], [UP, SIB], "父亲→兄弟", "伯父"),
        ([p(M), p(M), p(M)], [UP, SIB], "父亲→兄弟", "叔伯"),
        ([p(M), p(F), p(M)], [UP, SIB], "母亲→兄弟", "舅舅"),
        ([p(M), p(F), p(F)], [UP, SIB], "母亲→姐妹", "姨母"),
        ([p(M), p(M), p(F)], [DOWN, SP], "子→配偶", "儿媳"),
        ([p(M), p(F), p(M)], [DOWN, SP], "女→配偶", "女婿"),
        ([p(M), p(M), p(M)], [SIB, DOWN], "兄弟→子", "侄子"),
        ([p(M), p(F), p(M)], [SIB, DOWN], "姐妹→子", "外甥"),
        ([p(M), p(M), p(F)], [DOWN, DOWN], "子→女", "孙女"),
        ([p(M, "1960-01-01"), p(M, "1955-01-01"), p(F)], [SIB, SP], "兄弟→配偶", "嫂子"),
        ([p(M), p(F), p(F), p(M)], [SP, SIB, SP], "配偶→姐妹→配偶", "连襟"),
        ([p(M), p(M), p(M), p(M)], [UP, SIB, DOWN], "父亲→兄弟→子", "堂兄弟"),
        ([p(M), p(F), p(M), p(F)], [SP, SIB, SP], "配偶→兄弟→配偶", "妻之兄弟之妻"),
        ([p(M), p(M), p(M), p(M)], [SIB, SP, SIB], "兄弟→配偶→兄弟", "兄弟的配偶的兄弟"),
        ([p(M), p(None), p(None)], [SIB, DOWN], "兄弟姐妹→子女", "兄弟姐妹的子女"),
    ],
)
def test_kin_terms(nodes: list[dict], steps: list[KinStep], arrow: str, term: str) -> None:
    name = name_path(nodes, steps)
    assert (name.arrow, name.term, name.hops) == (arrow, term, len(steps))


def test_kin_path_needs_one_more_node_than_steps() -> None:
    with pytest.raises(ValueError):
        name_path([p(M)], [SP])


def test_masking() -> None:
    assert mask_id("110101199001011234") == "110101********12**"
    assert mask_id("~H005:孙丽") == "~H005:孙丽"
    assert mask_id("6217000011112222", "BankAccount") == "6217********2222"
    assert mask_id("13800000001", "Phone") == "138****0001"
    assert mask_id("91140107MA0K2B3C42", "Company") == "91140107MA0K2B3C42"
    assert (mask_name("张伟"), mask_name("欧阳明华"), mask_name(""), mask_name("李")) == (
        "张某",
        "欧阳某",
        "某人",
        "李某",
    )


def test_severity_formula() -> None:
    assert [closeness(h) for h in (0, 1, 2, 3, 4, None)] == [20, 15, 10, 5, 0, 0]
    assert round(money_points(3600), 1) == 7.8 and money_points(10**9) == 20
    assert [round(repetition_points(n)) for n in (1, 2, 3, 4, 12)] == [0, 5, 8, 10, 10]
    assert [post_rank(t) for t in ("村党支部书记", "村委会主任", "村委委员", "村党支部副书记", "", None)] == [
        2,
        2,
        1,
        1,
        0,
        0,
    ]
    # 2 hops, 3600 yuan, one payment, a branch secretary: 40 + 10 + 7.8 + 0 + 10
    assert severity("kin_approved_subsidy", link=closeness(2), amount=3600, title="村党支部书记") == 68
    closer = severity("kin_approved_subsidy", link=closeness(1), amount=3600, title="村党支部书记")
    member = severity("kin_approved_subsidy", link=closeness(2), amount=3600, title="村委委员")
    assert closer > 68 > member
    assert severity("kin_contract", link=20, amount=10**8, records=50, title="书记") == 100


def test_finding_id_comes_from_the_subject_not_the_records() -> None:
    a = make_finding_id("x", ["p1", "p2"])
    assert a == make_finding_id("x", ("p1", "p2")) and len(a) == 16
    assert a != make_finding_id("y", ["p1", "p2"]) != make_finding_id("x", ["p2", "p1"])
    assert make_finding_id("x", ["p1"]) != a


def sample() -> list[Finding]:
    pid, acct = "140107196503020117", "6217000011112222"
    nodes = [
        {"label": "Person", "id": pid, "caption": "张伟"},
        {"label": "Person", "id": "140107196708090127", "caption": "李芳"},
        {"label": "BankAccount", "id": acct, "caption": acct},
    ]
    rels = [{"type": "SPOUSE_OF", "direction": "->"}, {"type": "HAS_ACCOUNT", "direction": "->"}]
    path = {"nodes": nodes, "relationships": rels}
    short = {"nodes": nodes[:2], "relationships": rels[:1]}
    return [
        Finding(
            "b" * 16,
            "kin_approved_subsidy",
            40,
            600.0,
            "140107001201",
            [pid],
            ["FF-2"],
            short,
            "句子二",
            {"hops": 1},
        ),
        Finding(
            "a" * 16,
            "shared_account",
            80,
            3600.5,
            "140107001201",
            [pid, "~H5:孙丽"],
            ["FF-1"],
            path,
            "句子一",
            {"account": acct, "first_date": date(2024, 1, 15)},
        ),
    ]


def test_to_dict_masks_ids_unless_asked() -> None:
    f = sample()[1]
    d = f.to_dict()
    assert d["person_ids"] == ["140107********01**", "~H5:孙丽"]
    assert d["path"]["nodes"][0] == {"label": "Person", "id": "140107********01**", "caption": "张伟"}
    assert d["path"]["nodes"][2]["id"] == d["path"]["nodes"][2]["caption"] == "6217********2222"
    assert d["details"] == {"account": "6217********2222", "first_date": "2024-01-15"}
    assert "1234" not in json.dumps(d) and "0000" not in json.dumps(d)
    assert f.to_dict(show_ids=True)["person_ids"][0] == "140107196503020117"
    assert (
        f.path_text()
        == "张伟(Person) -[SPOUSE_OF]-> 李芳(Person) -[HAS_ACCOUNT]-> 6217********2222(BankAccount)"
    )


def test_write_csv_json_xlsx(tmp_path: Path) -> None:
    fs = sample()
    with write_findings(fs, tmp_path / "f.csv").open(encoding="utf-8") as fh:
        assert fh.read(1) == "\ufeff"
    with (tmp_path / "f.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["finding_id"] for r in rows] == ["a" * 16, "b" * 16]  # most severe first
    assert rows[0]["person_ids"] == "140107********01**; ~H5:孙丽" and rows[0]["explanation"] == "句子一"
    data = json.loads(write_findings(fs, tmp_path / "f.json").read_text(encoding="utf-8"))
    assert [d["severity"] for d in data] == [80, 40]
    assert data[0]["path"]["relationships"][0] == {"type": "SPOUSE_OF", "direction": "->"}
    shown = json.loads(write_findings(fs, tmp_path / "g.json", show_ids=True).read_text(encoding="utf-8"))
    assert shown[0]["person_ids"][0] == "140107196503020117"
    wb = load_workbook(write_findings(fs, tmp_path / "f.xlsx"))
    assert wb.sheetnames == ["汇总", "线索", "证据"]
    findings = list(wb["线索"].values)
    head = findings[0]
    assert head[:3] == ("序号", "严重程度", "检查") and findings[1][head.index("发现编号")] == "a" * 16
    assert findings[1][head.index("检查")] == CHECKS["shared_account"].title
    evidence = list(wb["证据"].values)
    assert len(evidence) == 1 + 2 + 1  # header, two steps of the first path, one of the second
    assert evidence[1][2:7] == (1, "人员", "140107********01**", "张伟", "配偶")
    with pytest.raises(GraphAuditError, match="csv, .json or .xlsx"):
        write_findings(fs, tmp_path / "f.txt")


def test_parameters_are_validated() -> None:
    kin = CHECKS["kin_approved_subsidy"]
    assert kin.defaults == {"kin_hops": 3, "mask_names": True}
    assert kin.validate({"kin_hops": "2", "mask_names": "false"}) == {"kin_hops": 2, "mask_names": False}
    for bad, msg in (
        ({"kin_hops": 9}, "between 1 and 5"),
        ({"kin_hops": "two"}, "whole number"),
        ({"kin_hops": 2.5}, "whole number"),
        ({"kin_hops": True}, "whole number"),
        ({"hops": 2}, "unknown parameter 'hops'"),
        ({"mask_names": "maybe"}, "true or false"),
    ):
        with pytest.raises(CheckParamError, match=msg):
            kin.validate(bad)
    split = CHECKS["split_contracts"].validate({"threshold": "50,000"})
    assert split["threshold"] == 50000.0 and split["window_days"] == 90
    both = resolve_params(
        ["kin_approved_subsidy", "kin_contract"], {"kin_hops": "2", "kin_contract.company_levels": 1}
    )
    assert both["kin_approved_subsidy"]["kin_hops"] == both["kin_contract"]["kin_hops"] == 2
    assert both["kin_contract"]["company_levels"] == 1
    with pytest.raises(CheckParamError, match="not a parameter"):
        resolve_params(["deceased_recipient"], {"kin_hops": 2})
    with pytest.raises(CheckParamError, match="not among the checks"):
        resolve_params(["deceased_recipient"], {"kin_contract.kin_hops": 2})
    with pytest.raises(CheckParamError, match="unknown check"):
        resolve_params(["nope"], {})


def test_register_keys_with_an_id_inside_are_masked() -> None:
    """Job, vehicle, property and custody nodes are keyed by their holder's resident ID and a date
    (``J:<ID>|2020-01-01``): a masked output shows neither the ID in their node id, caption and sealed-label
    list nor inside a detail string — the demo's workbook once did (``asset_id``)."""
    from graphaudit.api.view import mask_props
    from graphaudit.findings import MASKED_LABELS, RESIDENT_ID

    pid = "14112419860114016X"
    job = f"J:{pid}|2020-01-01"
    f = Finding(
        "x",
        "ineligible_recipient",
        40,
        1.0,
        "140107001201",
        [pid],
        ["FF-1"],
        {
            "nodes": [
                {"label": "Person", "id": pid, "caption": "张伟"},
                {"label": "Job", "id": job, "caption": job},
                {"label": "Vehicle", "id": f"V:{pid}|晋A12345|2019-05-01", "caption": "晋A12345"},
            ],
            "relationships": [{"type": "EMPLOYED", "direction": "->"}, {"type": "OWNS", "direction": "->"}],
        },
        "张某……",
        {"reasons": [{"kind": "job", "asset_id": job, "text": f"在{pid}单位"}]},
    )
    masked = json.dumps(f.to_dict(), ensure_ascii=False) + f.path_text()
    assert not RESIDENT_ID.search(masked)
    assert "J:141124********01**|2020-01-01" in masked and "晋A12345" in masked
    assert pid in json.dumps(f.to_dict(show_ids=True), ensure_ascii=False)
    assert {"Job", "Vehicle", "RealEstate", "Custody"} <= set(MASKED_LABELS)  # sealed refs in the API
    assert not RESIDENT_ID.search(json.dumps(mask_props("Custody", {"id": f"C:{pid}|2023-01-01"})))
