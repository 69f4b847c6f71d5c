"""Names without IDs (graphaudit.ingest.matching): matched in scopes, linked only when unique, said how, and
reported row by row; ambiguous, sound-alike and common names never linked silently."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from graphaudit.ingest.ids import make_resident_id, make_uscc
from graphaudit.ingest.matching import SAME, Candidate, Decisions, Pool, match_name
from graphaudit.ingest.pipeline import prepare

V1, V2, TW = "140107001201", "140107001202", "140107001"


def pid(n: int, year: int = 1970) -> str:
    return make_resident_id("140107", date(year, 1, 1 + n % 28), n)


A, B, C, D, E, F, G, H = (pid(i) for i in range(1, 9))
CO1 = make_uscc("9", "1", "140107", "MA0K2B3C4")
CO2 = make_uscc("9", "1", "140107", "MA0K2B3C5")


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
        w.writeheader()
        w.writerows(rows)


def hh(h: str, p: str, name: str, rel: str, vil: str = V1) -> dict[str, str]:
    return {"户号": h, "公民身份号码": p, "姓名": name, "与户主关系": rel, "村代码": vil}


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("names")
    write(
        d / "households.csv",
        [
            hh("H1", A, "张伟", "户主"),
            hh("H1", B, "李芳", "配偶"),
            hh("H2", C, "刘伟", "户主"),
            hh("H3", D, "刘玮", "户主"),
            hh("H4", E, "张伟", "户主", V2),
            hh("H5", F, "王建国", "户主", V2),
            hh("H6", H, "欧阳明", "户主", V2),
        ],
    )
    write(
        d / "cadres.csv",
        [
            {
                "身份证号": A,
                "姓名": "张伟",
                "单位代码": V1,
                "职务": "村党支部书记",
                "任职开始日期": "2018-01-01",
            },
            {
                "身份证号": G,
                "姓名": "赵德胜",
                "单位代码": TW,
                "职务": "民政助理员",
                "任职开始日期": "2019-01-01",
            },
            {
                "身份证号": F,
                "姓名": "王建国",
                "单位代码": V2,
                "职务": "村委会主任",
                "任职开始日期": "2015-01-01",
                "任职结束日期": "2020-12-31",
            },
        ],
    )
    write(d / "companies.csv", [{"统一社会信用代码": CO1, "企业名称": "太原市强盛建筑有限公司"}])
    sub = [
        # payment, recipient id, recipient name, household, village, approver id, approver name
        (
            "P1",
            "",
            "劉偉",
            "H2",
            V1,
            "",
            "張偉",
        ),  # traditional recipient in the household; approver by variant
        (
            "P2",
            "",
            "刘伟",
            "",
            V1,
            "",
            "赵德胜",
        ),  # recipient unique in the village; approver: township worker
        ("P3", "", "张伟", "", "", "", "王建国"),  # no household, no village: unmatched; approver left office
        ("P4", C, "刘伟", "H2", V1, "", "趙德勝"),  # approver by traditional name in the township
        ("P5", "", "李芳", "H1", V1, A, ""),  # approver by ID
        ("P6", "", "刘威", "H2", V1, "", "张卫"),  # sound-alike? no: other tone; approver unmatched
        ("P7", "", "刘玮", "H2", V1, "", ""),  # sound-alike of 刘伟 in H2 (刘玮 lives in H3): never linked
    ]
    write(
        d / "subsidies_2024-01.csv",
        [
            {
                "发放编号": p,
                "补贴项目": "低保",
                "领取人身份证号": rid,
                "领取人姓名": rn,
                "户号": h,
                "村代码": v,
                "发放金额": "600",
                "发放日期": "2024-01-15",
                "审核人身份证号": aid,
                "审核人": an,
            }
            for p, rid, rn, h, v, aid, an in sub
        ],
    )
    ct = [
        ("K1", V1, CO1, "", ""),
        ("K2", V1, "", "强盛建筑有限公司（太原）", "张伟"),  # company by variant, approver by name
        ("K3", V1, "", "强盛建筑有限责任公司", ""),  # another legal form: not the registered company
        ("K4", V2, "", "王建国", ""),  # a person in the issuing village
        ("K5", V1, "", "张伟", ""),  # a person: two 张伟 in the county, one in V1 → linked in the village
        ("K6", V1, "", "", ""),  # neither ID nor name: rejected
        ("K7", V2, "", "歐陽明", ""),  # a person, traditional compound surname
    ]
    write(
        d / "contracts.csv",
        [
            {
                "合同编号": k,
                "发包单位代码": org,
                "承包方证件号码": cid,
                "承包方名称": cn,
                "合同金额": "100000",
                "签订日期": "2024-03-01",
                "审批人": an,
            }
            for k, org, cid, cn, an in ct
        ],
    )
    return d


@pytest.fixture(scope="module")
def loaded(county: Path) -> tuple[dict[str, pd.DataFrame], object, object]:
    return prepare({}, county)


def rel(graph: object, key: tuple[str, str, str]) -> dict[str, dict[str, object]]:
    df = graph.rels[key]  # type: ignore[attr-defined]
    return {r["to" if key[0] == "APPROVED" else "from"]: r for r in df.to_dict("records")}


def test_recipients_by_name_variant_and_never_by_sound(loaded) -> None:
    tables, graph, _ = loaded
    paid = {r["from"]: r for r in graph.rels[("PAID_TO", "Payment", "Person")].to_dict("records")}
    assert (paid["P1"]["to"], paid["P1"]["matched_by"]) == (C, "variant")
    assert (paid["P2"]["to"], paid["P2"]["matched_by"]) == (C, "name")
    assert paid["P4"]["matched_by"] == "id" and paid["P4"]["match_score"] == 1.0
    assert paid["P3"]["matched_by"] == "unmatched" and paid["P3"]["to"].startswith("~")
    assert paid["P7"]["matched_by"] == "ambiguous" and paid["P7"]["to"] not in (C, D)
    assert paid["P6"]["matched_by"] == "unmatched"


def test_approvers_in_scopes_and_in_office(loaded) -> None:
    _, graph, _ = loaded
    ap = rel(graph, ("APPROVED", "Person", "Payment"))
    assert (ap["P1"]["from"], ap["P1"]["matched_by"]) == (A, "variant")  # the village's cadre
    assert (ap["P2"]["from"], ap["P2"]["matched_by"]) == (G, "name")  # the township's case-worker
    assert float(ap["P2"]["match_score"]) < 1.0  # type: ignore[arg-type]
    assert (ap["P4"]["from"], ap["P4"]["matched_by"]) == (G, "variant")
    assert (ap["P5"]["from"], ap["P5"]["matched_by"]) == (A, "id")
    assert ap["P3"]["from"] != F and ap["P3"]["matched_by"] == "unmatched"  # 王建国 left office in 2020
    assert ap["P6"]["matched_by"] == "unmatched"
    pay = graph.nodes["Payment"].set_index("id")
    assert pay.at["P1", "approver_id"] == A and pay.at["P1", "approver_name"] == "張偉"
    kin = rel(graph, ("APPROVED", "Person", "Contract"))
    assert (kin["K2"]["from"], kin["K2"]["matched_by"]) == (A, "name")


def test_contractors_by_company_variant_never_across_legal_forms(loaded) -> None:
    _, graph, _ = loaded
    co = {r["from"]: r for r in graph.rels[("AWARDED_TO", "Contract", "Company")].to_dict("records")}
    per = {r["from"]: r for r in graph.rels[("AWARDED_TO", "Contract", "Person")].to_dict("records")}
    assert (co["K1"]["to"], co["K1"]["matched_by"]) == (CO1, "id")
    assert (co["K2"]["to"], co["K2"]["matched_by"]) == (CO1, "variant")
    assert co["K3"]["to"] != CO1 and co["K3"]["matched_by"] == "unmatched"
    assert (per["K4"]["to"], per["K4"]["matched_by"]) == (F, "name")
    assert (per["K5"]["to"], per["K5"]["matched_by"]) == (A, "name")
    assert (per["K7"]["to"], per["K7"]["matched_by"]) == (H, "variant")
    assert "K6" not in co and "K6" not in per


def test_no_placeholder_for_a_registered_match(loaded) -> None:
    _, graph, _ = loaded
    people = graph.nodes["Person"]
    made = people[people["id"].str.startswith("~")]
    assert not made["registered"].astype(bool).any()
    # only what matched no one in office or in scope (P3's recipient and approver, P6), or only by sound (P7)
    assert sorted(made["name"]) == ["刘威", "刘玮", "张伟", "张卫", "王建国"]
    assert set(made["id"]) == {"~H2:刘威", "~H2:刘玮", "~:张伟", "~140107001201:张卫", "~县:王建国"}
    companies = graph.nodes["Company"]
    assert set(companies["id"]) == {CO1, "~强盛建筑有限责任公司"}


def test_report_counts_and_lists_every_name_not_linked_by_id(loaded) -> None:
    _, _, report = loaded
    rows = {(r["source"], r["column"]): r for r in report.names.rows()}
    rec = rows[("subsidies", "领取人 (recipient_name)")]
    assert (rec["id"], rec["name"], rec["variant"], rec["ambiguous"], rec["unmatched"]) == (1, 2, 1, 1, 2)
    apr = rows[("subsidies", "审核人 (approver_name)")]
    assert (apr["id"], apr["name"], apr["variant"], apr["unmatched"]) == (1, 1, 2, 2)
    con = rows[("contracts", "承包方名称 (contractor_name)")]
    assert (con["id"], con["name"], con["variant"], con["unmatched"]) == (1, 2, 2, 1)
    by_row = {(i.file, i.row, i.code) for i in report.issues}
    # every row not linked by ID is listed with file, row and code
    assert ("subsidies_2024-01.csv", 4, "name_unmatched") in by_row  # P3's recipient
    assert ("subsidies_2024-01.csv", 8, "name_soundalike") in by_row  # P7
    assert ("contracts.csv", 4, "name_unmatched") in by_row  # K3
    assert any(i.file == "contracts.csv" and i.row == 7 and i.action == "rejected" for i in report.issues)
    d = report.as_dict()
    assert d["placeholders"] == report.names.placeholders >= 6
    assert d["names_pending_review"] == 1


def test_several_candidates_and_common_names_wait_for_review() -> None:
    two = Pool("village", [Candidate("a", "张伟"), Candidate("b", "张伟")])
    m = match_name("张伟", [two])
    assert (m.key, m.how, m.reason) == (None, "ambiguous", "several")
    wide = Pool("county", [Candidate("a", "张伟")], fold=False)
    m = match_name("张伟", [wide])
    assert (m.key, m.how, m.reason) == (None, "ambiguous", "common")
    rare = Pool("county", [Candidate("a", "禤建国")], fold=False)
    assert match_name("禤建国", [rare]).key == "a"


def test_a_reviewers_decision_links_or_removes() -> None:
    two = Pool("village", [Candidate("a", "张伟"), Candidate("b", "张伟")])
    m = match_name("张伟", [two], "approver", Decisions({("approver", "张伟", "b"): SAME}))
    assert (m.key, m.how) == ("b", "review")
    m = match_name("张伟", [two], "approver", Decisions({("approver", "张伟", "a"): "不是"}))
    assert (m.key, m.how) == ("b", "name")
    alike = Pool("household", [Candidate("c", "刘玮")])
    assert match_name("刘伟", [alike]).reason == "soundalike"
    assert match_name("刘伟", [alike], "recipient", Decisions({("recipient", "刘伟", "c"): SAME})).key == "c"


def test_a_table_kept_from_before_the_name_columns_still_builds(loaded) -> None:
    """A store's tables written before approver_key & co. existed (Neo4j diffs against the old graph)."""
    from graphaudit.ingest.build import build_graph

    tables, _, _ = loaded
    old = {
        k: v.drop(
            columns=[
                c
                for c in v.columns
                if c.endswith(("_key", "_matched_by", "_match_score")) or c == "approver_name"
            ]
        )
        if k in ("subsidies", "contracts")
        else v
        for k, v in tables.items()
    }
    g, _ = build_graph(old)
    assert len(g.nodes["Payment"]) == len(tables["subsidies"])
    assert len(g.rels[("APPROVED", "Person", "Payment")]) == 0  # no approver_key: no approver, no error


def test_an_incremental_load_counts_only_its_own_rows(county: Path, tmp_path: Path) -> None:
    """Next month's file alone: the names table and the pending list are about that file's rows."""
    tables, _, _ = prepare({}, county)
    month = tmp_path / "month"
    month.mkdir()
    write(
        month / "subsidies_2024-02.csv",
        [
            {
                "发放编号": "P9",
                "补贴项目": "低保",
                "领取人身份证号": "",
                "领取人姓名": "劉偉",
                "户号": "H2",
                "村代码": V1,
                "发放金额": "600",
                "发放日期": "2024-02-15",
                "审核人": "张伟",
            }
        ],
    )
    _, graph, rep = prepare(tables, month)
    assert rep.names is not None
    rows = {(r["source"], r["column"]): r for r in rep.names.rows()}
    assert rows[("subsidies", "领取人 (recipient_name)")]["variant"] == 1
    assert sum(rows[("subsidies", "领取人 (recipient_name)")][h] for h in ("id", "name", "ambiguous")) == 0
    assert rows[("subsidies", "审核人 (approver_name)")]["name"] == 1
    assert rep.names.pending == [] and rep.names.placeholders == 0
    assert ("contracts", "承包方名称 (contractor_name)") not in rows
    assert paid_to(graph)["P9"] == C and paid_to(graph)["P1"] == C


def paid_to(graph: object) -> dict[str, str]:
    df = graph.rels[("PAID_TO", "Payment", "Person")]  # type: ignore[attr-defined]
    return dict(zip(df["from"], df["to"]))
