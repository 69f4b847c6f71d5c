"""The optional registers (数据碰撞) and the checks that collide them with the payments, on hand-built data:
loading (GBK, XLSX, Chinese headers, the unknown file and column named in the report), the county policy file,
positives and near misses of every collision check, and the same findings on both stores."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from openpyxl import Workbook
from typer.testing import CliRunner

from graphaudit.checks import CHECKS
from graphaudit.cli.check import check
from graphaudit.findings import Finding
from graphaudit.ingest.pipeline import ingest, read_dataset
from graphaudit.policy import PolicyError, default_policy, load_policy
from graphaudit.store.embedded import LadybugStore
from graphaudit.store.neo4j_store import Neo4jStore
from tests.stores import loaded_store
from tests.test_checks import TOWN, World

NEW = (
    "ineligible_recipient",
    "deceased_recipient",
    "imprisoned_recipient",
    "concurrent_benefits",
    "undeclared_kin_benefit",
    "cadre_family_beneficiary",
    "above_standard",
)
V = TOWN + "301"
M, F = "男", "女"


class Registers(World):
    """World plus the six optional registers."""

    def __init__(self) -> None:
        super().__init__()
        self.emp: list[list[object]] = []
        self.veh: list[list[object]] = []
        self.est: list[list[object]] = []
        self.dth: list[list[object]] = []
        self.pri: list[list[object]] = []
        self.dec: list[list[object]] = []

    def write(self, folder: Path) -> Path:
        super().write(folder)

        def put(name: str, header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> None:
            with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                w.writerows(rows)

        put(
            "public_employees",
            ["公民身份号码", "姓名", "工作单位", "入职日期", "离职日期", "编制类别"],
            self.emp,
        )
        put(
            "vehicles",
            ["所有人身份证号", "所有人姓名", "号牌号码", "车辆类型", "注册登记日期", "注销日期"],
            self.veh,
            "gbk",
        )
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "real_estate"
        ws.append(["权利人证件号码", "权利人", "不动产权证号", "用途", "面积", "登记日期", "注销日期"])
        for r in self.est:
            ws.append(r)
        wb.save(folder / "real_estate.xlsx")
        put("deaths", ["公民身份号码", "姓名", "死亡日期", "数据来源"], self.dth, "gbk")
        put("prisoners", ["公民身份号码", "姓名", "入监日期", "出监日期"], self.pri)
        put("declarations", ["干部身份证号", "亲属身份证号", "补贴项目", "备案日期"], self.dec)
        (folder / "payroll_2024.csv").write_text("身份证号,工资\n1,2\n", encoding="utf-8")
        return folder


def registers() -> Registers:
    """A scenario per collision check in village V; the comments name what must and must not be found."""
    w = Registers()
    P, S = w.person, w.pay
    worker = P("郑助理", "T1", "户主", F, "1975-01-01", TOWN + "199")
    w.cadre(worker, TOWN, "民政助理员", "2019-01-01")
    # -- ineligible_recipient -------------------------------------------------------------------------------
    a = P("甲户主", "R1", "户主", M, "1950-01-01", V)
    a_wife = P("甲妻", "R1", "配偶", F, "1952-01-01", V)
    w.emp.append([a_wife, "甲妻", "县教育局", "2010-01-01", "", "事业编"])  # in post: flagged
    S("IN-A1", "低保", a, 600, "2024-01-15", worker, V)
    b = P("乙户主", "R2", "户主", M, "1951-01-01", V)
    b_son = P("乙子", "R2", "子", M, "1980-01-01", V)
    w.emp.append([b_son, "乙子", "县财政局", "2010-01-01", "2023-06-30", ""])  # left before: not flagged
    S("IN-B1", "低保", b, 600, "2024-01-15", worker, V)
    c = P("丙户主", "R3", "户主", M, "1952-01-01", V)
    w.veh.append([c, "丙户主", "晋A12345", "小型轿车", "2020-01-01", ""])  # counted car: flagged
    S("IN-C1", "特困供养", c, 800, "2024-02-15", worker, V)
    d = P("丁户主", "R4", "户主", M, "1953-01-01", V)
    w.veh.append([d, "丁户主", "晋A22345", "普通二轮摩托车", "2020-01-01", ""])  # exempt type: not flagged
    w.veh.append([d, "丁户主", "晋A32345", "小型轿车", "2015-01-01", "2023-01-01"])  # deregistered before
    S("IN-D1", "低保", d, 600, "2024-01-15", worker, V)
    e = P("戊户主", "R5", "户主", M, "1954-01-01", V)
    e_son = P("戊子", "R5", "子", M, "1982-01-01", V)
    w.est.append([e, "戊户主", "晋(2019)第001号", "住宅", 90, "2019-01-01", None])
    w.est.append([e_son, "戊子", "晋(2021)第002号", "住宅", 120, "2021-01-01", None])  # 2 homes: flagged
    S("IN-E1", "低保", e, 600, "2024-01-15", worker, V)
    g = P("己户主", "R6", "户主", M, "1955-01-01", V)
    w.est.append([g, "己户主", "晋(2019)第003号", "住宅", 90, "2019-01-01", None])  # one home: not flagged
    w.est.append([g, "己户主", "晋(2019)第004号", "商业", 20, "2019-01-01", None])  # a shop: not housing
    S("IN-G1", "低保", g, 600, "2024-01-15", worker, V)
    h = P("庚户主", "R7", "户主", M, "1956-01-01", V)
    w.emp.append([h, "庚户主", "县医院", "2010-01-01", "", ""])
    S("IN-H1", "临时救助", h, 1000, "2024-01-15", worker, V)  # not means-tested: not flagged
    # -- deceased_recipient from the deaths register --------------------------------------------------------
    k = P("辛老人", "R8", "户主", M, "1930-01-01", V)  # the register still lists him as living
    w.dth.append([k, "辛老人", "2024-02-10", "火化"])
    S("DE-K1", "低保", k, 600, "2024-02-05", worker, V)  # before the death: not flagged
    S("DE-K2", "低保", k, 600, "2024-03-05", worker, V)  # after: flagged
    # -- imprisoned_recipient -------------------------------------------------------------------------------
    m = P("壬某", "R9", "户主", M, "1970-01-01", V)
    w.pri.append([m, "壬某", "2024-03-01", "2024-05-31"])
    S("PR-M1", "低保", m, 600, "2024-04-05", worker, V)  # inside: flagged
    S("PR-M2", "低保", m, 600, "2024-06-05", worker, V)  # after release: not flagged
    S("PR-M0", "低保", m, 600, "2024-02-05", worker, V)  # before: not flagged
    w.pri.append([m, "壬某", "2023-06-01", "2023-01-01"])  # ends before it starts: rejected
    # -- concurrent_benefits --------------------------------------------------------------------------------
    n = P("癸某", "R10", "户主", F, "1940-01-01", V)
    S("CO-N1", "低保", n, 600, "2024-05-05", worker, V)
    S("CO-N2", "特困供养", n, 800, "2024-05-20", worker, V)  # same month: flagged
    o = P("子某", "R11", "户主", F, "1941-01-01", V)
    S("CO-O1", "低保", o, 600, "2024-05-05", worker, V)
    S("CO-O2", "特困供养", o, 800, "2024-06-20", worker, V)  # another month: not flagged
    S("CO-O3", "临时救助", o, 800, "2024-05-20", worker, V)  # not exclusive: not flagged
    # -- undeclared_kin_benefit / cadre_family_beneficiary --------------------------------------------------
    sec = P("赵支书", "R12", "户主", M, "1960-01-01", V)
    w.cadre(sec, V, "村党支部书记", "2018-01-01")
    bro = P("赵弟", "R13", "户主", M, "1965-01-01", V)
    sis = P("赵妹", "R14", "户主", F, "1967-01-01", V)
    sis2 = P("赵小妹", "R15", "户主", F, "1969-01-01", V)
    for x in (bro, sis, sis2):
        w.kin(sec, x, "兄弟姐妹")
    S("UD-B1", "低保", bro, 600, "2024-01-15", worker, V)  # no 备案: flagged
    w.dec.append([sec, sis, "低保", "2023-12-01"])
    S("UD-S1", "低保", sis, 600, "2024-01-15", worker, V)  # declared before: context, not a finding
    w.dec.append([sec, sis2, "低保", "2024-03-01"])
    S("UD-T1", "低保", sis2, 600, "2024-01-15", worker, V)  # declared after the payment: flagged
    S("UD-T2", "低保", sis2, 600, "2024-04-15", worker, V)  # after the 备案: covered
    S("CF-B2", "危房改造", bro, 20000, "2024-03-01", worker, V)  # no 备案 exists: cadre_family_beneficiary
    S(
        "CF-S2", "临时救助", sis, 900, "2024-06-15", worker, V
    )  # cadre_family_beneficiary, her 低保 备案 as context
    # -- above_standard -------------------------------------------------------------------------------------
    q = P("丑某", "R16", "户主", M, "1945-01-01", V)
    S("AB-Q1", "低保", q, 2100, "2024-01-15", worker, V)  # above 1500: flagged
    S("AB-Q2", "低保", q, 1500, "2024-02-15", worker, V)  # at the standard: not flagged
    w.names.update({"worker": worker})
    return w


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Registers, Path]:
    w = registers()
    return w, w.write(tmp_path_factory.mktemp("registers") / "ds")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, data: tuple[Registers, Path]) -> Iterator[LadybugStore]:
    s = loaded_store(tmp_path_factory.mktemp("db"), data[1])
    yield s
    s.close()


def run(store: LadybugStore, name: str, policy: object = None) -> list[Finding]:
    return CHECKS[name].run(store, {"mask_names": False}, policy)  # type: ignore[arg-type]


def flagged(fs: list[Finding]) -> list[str]:
    return sorted(r for f in fs for r in f.record_ids)


def test_the_registers_load_and_the_report_names_the_unknown(data: tuple[Registers, Path]) -> None:
    tables, report = read_dataset(data[1])
    files = {f.file: f for f in report.files}
    assert files["vehicles.csv"].encoding == "gbk" and files["deaths.csv"].encoding == "gbk"
    assert files["real_estate.xlsx"].sheet == "real_estate" and files["real_estate.xlsx"].loaded == 4
    assert report.unknown_files == ["payroll_2024.csv"]
    codes = {(i.code, i.file, i.column) for i in report.issues}
    assert ("unknown_file", "payroll_2024.csv", "") in codes
    assert ("unknown_column", "public_employees.csv", "编制类别") in codes
    assert ("period_backwards", "prisoners.csv", "end_date") in codes
    assert len(tables["prisoners"]) == 1 and set(tables) >= {
        "public_employees",
        "vehicles",
        "real_estate",
        "deaths",
        "prisoners",
        "declarations",
    }
    assert '"编制类别": "事业编"' in tables["public_employees"]["extra"].iloc[0]


def test_the_registers_make_graph(store: LadybugStore) -> None:
    counts = store.stats()
    text = str(counts)
    for label in ("Job", "Vehicle", "RealEstate", "Custody"):
        assert label in text
    rows = store.run("MATCH (c:Person)-[d:DECLARED]->(r:Person) RETURN count(d) AS n")
    assert rows[0]["n"] == 2


def test_loading_the_registers_again_changes_nothing(tmp_path: Path, data: tuple[Registers, Path]) -> None:
    s = loaded_store(tmp_path, data[1])
    try:
        before = [f.to_dict(show_ids=True) for n in NEW for f in run(s, n)]
        ingest(data[1], s)
        assert [f.to_dict(show_ids=True) for n in NEW for f in run(s, n)] == before
    finally:
        s.close()


def test_ineligible_recipient(store: LadybugStore) -> None:
    fs = {f.record_ids[0]: f for f in run(store, "ineligible_recipient")}
    assert sorted(fs) == ["IN-A1", "IN-C1", "IN-E1"]
    a = fs["IN-A1"]
    assert (
        "户内配偶甲妻为财政供养人员（县教育局" in a.explanation
        and "政策：户内有在职财政供养人员" in a.explanation
    )
    assert a.details["reason"] == "job" and a.details["policy"]["means_tested"] == ["低保", "特困供养"]
    assert [n["label"] for n in a.path["nodes"]] == ["Payment", "Person", "Household", "Person", "Job"]
    assert "本人名下有小型轿车（晋A12345" in fs["IN-C1"].explanation
    assert "摩托车" in fs["IN-C1"].explanation  # the exempt types it used
    assert "持有住房2套" in fs["IN-E1"].explanation and "住房不超过1套" in fs["IN-E1"].explanation


def test_the_policy_changes_what_is_ineligible(store: LadybugStore, tmp_path: Path) -> None:
    p = tmp_path / "county.yaml"
    p.write_text(
        "vehicles:\n  exempt: [摩托车, 小型轿车]\nhousing:\n  max_properties: 2\n"
        "means_tested: [低保, 特困供养, 临时救助]\n",
        encoding="utf-8",
    )
    pol = load_policy(p)
    assert pol.vehicle_exempt == ("摩托车", "小型轿车") and pol.housing_kinds == ("住宅",)  # kinds kept
    fs = run(store, "ineligible_recipient", pol)
    assert flagged(fs) == ["IN-A1", "IN-H1"]
    assert all(f.details["policy"]["file"] == str(p) for f in fs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("housing:\n  max_properties: two\n", "housing.max_properties: expected a whole number"),
        ("vehicles:\n  exemt: [摩托车]\n", "vehicles.exemt: unknown key"),
        ("standards:\n  低保: -5\n", "standards.低保: expected a positive amount"),
        ("exclusive_sets: [[低保]]\n", "exclusive_sets[1]: a set needs two or more programmes"),
        ("means_tested: 低保\n", "means_tested: expected a list of names"),
        ("grace: 3\n", "grace: unknown key"),
        ("means_tested: [低保\n", "not valid YAML"),
    ],
)
def test_a_bad_policy_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "county.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")) as e:
        load_policy(p)
    assert str(p) in str(e.value)


def test_the_shipped_policy_has_the_domain_defaults() -> None:
    pol = default_policy()
    assert pol.means_tested == ("低保", "特困供养")
    assert pol.exclusive_sets == (("低保", "特困供养"), ("城镇低保", "农村低保"))
    assert not pol.vehicle_counts("普通二轮摩托车") and not pol.vehicle_counts("拖拉机")
    assert pol.vehicle_counts("小型轿车") and pol.vehicle_counts("轻型普通货车")
    assert pol.grace_days == 0 and pol.declared_programs == ("低保",)


def test_deceased_recipient_from_the_deaths_register(store: LadybugStore) -> None:
    fs = [f for f in run(store, "deceased_recipient") if "DE-K2" in f.record_ids]
    assert len(fs) == 1 and fs[0].record_ids == ["DE-K2"]
    assert "辛老人已于2024-02-10死亡（火化记录）" in fs[0].explanation
    assert fs[0].details["death_source"] == "火化"


def test_imprisoned_recipient(store: LadybugStore) -> None:
    fs = run(store, "imprisoned_recipient")
    assert flagged(fs) == ["PR-M1"]
    assert "壬某在押服刑期间（2024-03-01入监，2024-05-31出监）" in fs[0].explanation


def test_concurrent_benefits(store: LadybugStore) -> None:
    fs = run(store, "concurrent_benefits")
    assert flagged(fs) == ["CO-N1", "CO-N2"]
    assert "癸某于2024-05同时领取低保、特困供养" in fs[0].explanation
    assert fs[0].details["policy"]["exclusive_set"] == ["低保", "特困供养"]


def test_undeclared_kin_benefit_and_cadre_family(store: LadybugStore) -> None:
    fs = {f.person_ids[1]: f for f in run(store, "undeclared_kin_benefit")}
    assert flagged(list(fs.values())) == ["UD-B1", "UD-T1"]
    texts = " ".join(f.explanation for f in fs.values())
    assert "未按规定备案" in texts and "备案日期2024-03-01晚于发放" in texts
    late = next(f for f in fs.values() if "UD-T1" in f.record_ids)
    assert [str(d["declare_date"]) for d in late.details["declarations"]] == ["2024-03-01"]
    # with the 备案 register loaded, cadre_family_beneficiary keeps the programmes without 备案, and a
    # relative's 备案 (低保) is context on its finding: in the sentence and details, never a finding
    fam = {f.record_ids[0]: f for f in run(store, "cadre_family_beneficiary")}
    assert sorted(fam) == ["CF-B2", "CF-S2"]
    assert "已于2023-12-01备案" in fam["CF-S2"].explanation and "备案）" not in fam["CF-B2"].explanation
    assert [(d["program"], str(d["declare_date"])) for d in fam["CF-S2"].details["declarations"]] == [
        ("低保", "2023-12-01")
    ]
    assert fam["CF-B2"].details["declarations"] == []


def test_above_standard(store: LadybugStore) -> None:
    fs = run(store, "above_standard")
    assert flagged(fs) == ["AB-Q1"]
    assert fs[0].amount == 600 and "超过低保标准每月1500元，超出600元" in fs[0].explanation
    assert fs[0].details["policy"]["standard"] == 1500


app = typer.Typer()
app.command()(check)


@app.callback()
def _main() -> None:
    """Test app."""


def test_check_command_takes_a_policy(store: LadybugStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("grace_days: -1\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(
        app, ["check", "--db", str(store.path), "--out", str(tmp_path / "f.json"), "--policy", str(bad)]
    )
    assert res.exit_code == 1 and "grace_days" in res.output and not (tmp_path / "f.json").exists()
    good = tmp_path / "good.yaml"
    good.write_text("standards:\n  低保: 2500\n", encoding="utf-8")
    res = runner.invoke(
        app,
        [
            "check",
            "--db",
            str(store.path),
            "--out",
            str(tmp_path / "f.json"),
            "--only",
            "above_standard",
            "--policy",
            str(good),
            "--state",
            str(tmp_path / "state"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "f.json").read_text(encoding="utf-8").strip() == "[]"


@pytest.mark.neo4j
def test_same_findings_on_both_stores(
    store: LadybugStore, data: tuple[Registers, Path], neo4j_clean: Any
) -> None:
    with Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password) as neo:
        ingest(data[1], neo)
        for name in NEW:
            got = [f.to_dict(show_ids=True) for f in run(neo, name)]  # type: ignore[arg-type]
            expected = [f.to_dict(show_ids=True) for f in run(store, name)]
            assert expected and got == expected, name


def test_a_register_loads_incrementally(tmp_path: Path, data: tuple[Registers, Path]) -> None:
    """Next month's cremation list adds to the deaths already loaded, like next month's payments."""
    w = data[0]
    s = loaded_store(tmp_path, data[1])
    try:
        later = tmp_path / "later"
        later.mkdir()
        (later / "deaths_2024-06.csv").write_text(
            f"公民身份号码,姓名,死亡日期,数据来源\n{w.names['癸某']},癸某,2024-05-10,殡葬\n", encoding="utf-8"
        )
        ingest(later, s)
        assert len(s.read_tables()["deaths"]) == 2
        fs = [f for f in run(s, "deceased_recipient") if w.names["癸某"] in f.person_ids]
        assert flagged(fs) == ["CO-N2"] and "（殡葬记录）" in fs[0].explanation
        assert flagged([f for f in run(s, "deceased_recipient") if "DE-K2" in f.record_ids]) == ["DE-K2"]
    finally:
        s.close()
