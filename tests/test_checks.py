"""Every check on hand-built village data in a real embedded store: positives, near-misses, parameters.

One dataset (``world()``) holds a scenario per check, each in its own village so they do not interfere; it is
written as CSV files and ingested once per module.  The tiny fixture's expected findings are checked too.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graphaudit.checks import CHECKS
from graphaudit.findings import Finding
from graphaudit.ingest.ids import make_resident_id, make_uscc
from graphaudit.store.catalog import CYPHER_DIR, query_names
from graphaudit.store.embedded import LadybugStore
from tests.stores import loaded_store

TOWN, OTHER_TOWN = "140107001", "140107002"


def d(s: str) -> date:
    return date.fromisoformat(s)


class World:
    """Source tables of a hand-made county, written as a dataset folder of CSV files."""

    def __init__(self) -> None:
        self.seq = itertools.count(1)
        self.hh: list[list[object]] = []
        self.rel: list[list[object]] = []
        self.cad: list[list[object]] = []
        self.com: list[list[object]] = []
        self.sha: list[list[object]] = []
        self.con: list[list[object]] = []
        self.sub: list[list[object]] = []
        self.names: dict[str, str] = {}

    def person(
        self,
        name: str,
        hh: str,
        relation: str,
        gender: str,
        born: str,
        village: str,
        phone: str = "",
        death: str = "",
        status: str = "",
    ) -> str:
        n = next(self.seq)
        pid = make_resident_id("140107", d(born), 2 * n + (1 if gender == "男" else 0))
        self.hh.append(
            [hh, pid, name, relation, gender, born, village, f"{village}村{hh}号", phone, death, status]
        )
        self.names[name] = pid
        return pid

    def kin(self, a: str, b: str, relation: str) -> None:
        self.rel.append([a, b, relation])

    def cadre(self, pid: str, org: str, title: str, start: str, end: str = "") -> None:
        self.cad.append([pid, org, f"{org}单位", title, start, end])

    def company(
        self, name: str, legal_rep: str, phone: str = "", address: str = "", account: str = ""
    ) -> str:
        n = next(self.seq)
        cid = make_uscc("9", "1", "140107", f"MA{n:07d}")
        self.com.append([cid, name, legal_rep, name + "法人", address or f"{name}住所", phone, account])
        return cid

    def share(self, company: str, holder: str, share: str = "50%") -> None:
        self.sha.append([company, holder, "股东", share])

    def contract(
        self, cid: str, org: str, contractor: str, amount: float, signed: str, approver: str = ""
    ) -> str:
        self.con.append([cid, f"项目{cid}", org, contractor, "承包方", amount, signed, approver, "询价"])
        return cid

    def pay(
        self,
        pid_: str,
        program: str,
        recipient: str,
        amount: float,
        paid: str,
        approver: str,
        village: str,
        account: str | None = None,
    ) -> str:
        account = account if account is not None else f"6217{int(recipient[6:17]) % 10**12:012d}"
        self.sub.append([pid_, program, recipient, "", "", village, amount, paid, approver, account])
        return pid_

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, header, rows in (
            (
                "households",
                [
                    "household_id",
                    "person_id",
                    "name",
                    "relation",
                    "gender",
                    "birth_date",
                    "village_code",
                    "address",
                    "phone",
                    "death_date",
                    "status",
                ],
                self.hh,
            ),
            ("relations", ["person_id_a", "person_id_b", "relation"], self.rel),
            ("cadres", ["person_id", "org_code", "org_name", "title", "start_date", "end_date"], self.cad),
            (
                "companies",
                ["company_id", "name", "legal_rep_id", "legal_rep_name", "address", "phone", "bank_account"],
                self.com,
            ),
            ("shareholders", ["company_id", "holder_id", "holder_name", "share"], self.sha),
            (
                "contracts",
                [
                    "contract_id",
                    "title",
                    "org_code",
                    "contractor_id",
                    "contractor_name",
                    "amount",
                    "sign_date",
                    "approver_id",
                    "method",
                ],
                self.con,
            ),
            (
                "subsidies",
                [
                    "payment_id",
                    "program",
                    "recipient_id",
                    "recipient_name",
                    "household_id",
                    "village_code",
                    "amount",
                    "pay_date",
                    "approver_id",
                    "bank_account",
                ],
                self.sub,
            ),
        ):
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                w.writerows(rows)
        return folder


def world() -> World:
    """A scenario per check; the comments name what must and must not be found."""
    w = World()
    P, S, M, F = w.person, w.pay, "男", "女"
    # -- kin_approved_subsidy (village A1) ---------------------------------------------------------------
    A1 = TOWN + "101"
    sec = P("赵书记", "A1", "户主", M, "1960-01-01", A1)
    P("钱妻", "A1", "配偶", F, "1962-03-01", A1)
    son = P("赵儿", "A1", "子", M, "1985-01-01", A1)
    bro = P("钱弟", "A2", "户主", M, "1965-05-05", A1)  # wife's younger brother: 2 hops, 妻弟
    bro_w = P("孙媳", "A2", "配偶", F, "1966-01-01", A1)  # his wife: 3 hops
    far = P("孙远", "A3", "户主", M, "1968-01-01", A1)  # her brother: 4 hops
    w.kin(w.names["钱妻"], bro, "兄弟姐妹")
    w.kin(bro_w, far, "兄弟姐妹")
    acc = P("李会计", "A4", "户主", M, "1970-01-01", A1)
    w.cadre(sec, A1, "村党支部书记", "2018-01-01")
    w.cadre(acc, A1, "村会计", "2018-01-01")
    for m in (1, 2, 3):
        S(f"KA-B{m}", "低保", bro, 600, f"2024-0{m}-15", sec, A1)
    S("KA-W1", "临时救助", bro_w, 1000, "2024-02-01", sec, A1)
    S("KA-F1", "临时救助", far, 1000, "2024-02-01", sec, A1)
    S("KA-S1", "危房改造", son, 20000, "2024-04-01", sec, A1)
    S("KA-SELF", "医疗救助", acc, 800, "2024-05-01", acc, A1)  # self-approval: 0 hops
    # -- cadre_family_beneficiary (villages B1, B2; township case-worker) ----------------------------------
    B1, B2 = TOWN + "102", TOWN + "103"
    director = P("周主任", "B1", "户主", M, "1958-01-01", B1)
    daughter = P("周女", "B2", "户主", F, "1983-01-01", B1)  # married out: relations file
    son_in_law = P("吴婿", "B2", "配偶", M, "1982-01-01", B1)  # 2 hops: 女婿
    w.kin(daughter, director, "子女")
    w.cadre(director, B1, "村委会主任", "2020-01-01")
    worker = P("郑助理", "T1", "户主", F, "1975-01-01", TOWN + "199")
    mother = P("郑母", "T2", "户主", F, "1950-01-01", B1)
    w.kin(worker, mother, "子女")
    sister = P("郑妹", "T3", "户主", F, "1978-01-01", OTHER_TOWN + "101")  # another township
    w.kin(sister, mother, "子女")
    w.cadre(worker, TOWN, "民政助理员", "2019-01-01")
    other = P("王委员", "B3", "户主", M, "1970-01-01", B2)
    other_bro = P("王兄", "B4", "户主", M, "1966-01-01", B1)  # relative of a B2 cadre living in B1
    w.kin(other, other_bro, "兄弟姐妹")
    w.cadre(other, B2, "村委委员", "2018-01-01")
    gone = P("冯委员", "B5", "户主", M, "1960-06-01", B1)
    gone_w = P("冯妻", "B5", "配偶", F, "1961-06-01", B1)
    w.cadre(gone, B1, "村委委员", "2015-01-01", "2023-12-31")
    S("CF-D1", "低保", daughter, 600, "2024-01-15", worker, B1)
    S("CF-SL1", "危房改造", son_in_law, 15000, "2024-03-01", worker, B1)
    S("CF-M1", "低保", mother, 600, "2024-01-15", "", B1)  # no approver recorded
    S("CF-SIS", "低保", sister, 600, "2024-01-15", "", OTHER_TOWN + "101")
    S("CF-OB", "低保", other_bro, 600, "2024-01-15", worker, B1)
    S("CF-GW-IN", "低保", gone_w, 600, "2023-06-15", worker, B1)  # while in office
    S("CF-GW-OUT", "低保", gone_w, 600, "2024-02-15", worker, B1)  # after leaving office
    # -- kin_contract (village C1) --------------------------------------------------------------------------
    C1, C2 = TOWN + "104", TOWN + "105"
    g = P("陈书记", "C1", "户主", M, "1962-01-01", C1)
    g_w = P("林妻", "C1", "配偶", F, "1964-01-01", C1)
    g_b = P("陈兄", "C2", "户主", M, "1958-01-01", C1)
    g_bs = P("陈侄", "C2", "子", M, "1984-01-01", C1)
    w.kin(g, g_b, "兄弟姐妹")
    w.cadre(g, C1, "村党支部书记", "2019-01-01")
    h = P("黄主任", "C3", "户主", M, "1955-01-01", C1)
    h_s = P("黄子", "C3", "子", M, "1980-01-01", C1)
    w.cadre(h, C1, "村委会主任", "2015-01-01", "2023-06-30")
    i = P("何书记", "C4", "户主", M, "1963-01-01", C2)
    i_s = P("何子", "C4", "子", M, "1988-01-01", C2)
    w.cadre(i, C2, "村党支部书记", "2018-01-01")
    co1 = w.company("陈氏建筑公司", g_b)  # brother is legal rep: 1 hop
    hold = w.company("林氏控股公司", P("外人甲", "C9", "户主", M, "1970-01-01", C2))
    w.share(hold, g_w)  # wife → holding company → contractor: 2 levels
    co3 = w.company("远方工程公司", P("外人乙", "C8", "户主", M, "1971-01-01", C2))
    w.share(co3, hold)
    co4 = w.company("何家公司", i_s)
    w.contract("KC-1", C1, co1, 200000, "2024-03-01", g)
    w.contract("KC-2", C1, co3, 300000, "2024-04-01", g)
    w.contract("KC-3", C1, h_s, 50000, "2024-01-10", g)  # cadre out of office
    w.contract("KC-4", C1, co4, 80000, "2024-05-01", g)  # relative of another village's cadre
    w.contract("KC-5", C1, g_bs, 60000, "2024-06-01", g)  # nephew, a person contractor: 2 hops
    # -- hidden_link (villages D1, D2) ----------------------------------------------------------------------
    D1, D2 = TOWN + "106", TOWN + "107"
    j = P("蒋书记", "D1", "户主", M, "1961-01-01", D1, phone="13911110000")
    j_w = P("沈妻", "D1", "配偶", F, "1963-01-01", D1)
    j_b = P("蒋弟", "D2", "户主", M, "1966-01-01", D1, phone="13922220000")
    w.kin(j, j_b, "兄弟姐妹")
    w.cadre(j, D1, "村党支部书记", "2020-01-01")
    S("HL-W1", "低保", j_w, 600, "2024-01-15", worker, D1, account="6222000012345678")
    stranger = P("路人丙", "D9", "户主", M, "1972-01-01", D2)
    co5 = w.company("蒋弟电话公司", stranger, phone="139-2222-0000")  # brother's phone: 1 hop
    co6 = w.company("账户公司", stranger, account="6222 0000 1234 5678")  # wife's account: 1 hop
    co8 = w.company("外村公司", stranger, phone="13922220000")  # another village's contract
    w.company("无合同公司", stranger, phone="13922220000")  # no contract at all
    co9 = w.company("蒋弟自营公司", j_b, address=f"{D1}村D2号")  # his own address: not hidden
    co10 = w.company("旧公司", stranger, phone="13911110000")  # before J took office
    w.contract("HL-K5", D1, co5, 90000, "2024-03-01", j)
    w.contract("HL-K6", D1, co6, 70000, "2024-03-02", j)
    w.contract("HL-K8", D2, co8, 50000, "2024-03-03")
    w.contract("HL-K9", D1, co9, 40000, "2024-03-04", j)
    w.contract("HL-K10", D1, co10, 30000, "2019-05-05", j)
    # -- shared_account, deceased_recipient, duplicate_payment (village E1) ---------------------------------
    E1 = TOWN + "108"
    e1 = P("甲户主", "E1", "户主", M, "1950-01-01", E1)
    e2 = P("乙户主", "E2", "户主", F, "1952-01-01", E1)
    e3 = P("丙户主", "E3", "户主", M, "1953-01-01", E1)
    e3w = P("丙配偶", "E3", "配偶", F, "1954-01-01", E1)
    for k, r in enumerate((e1, e2)):
        S(f"SA-X{k}", "低保", r, 600, "2024-01-15", worker, E1, account="6217999900001111")  # two households
    for k, r in enumerate((e3, e3w)):
        S(f"SA-Y{k}", "低保", r, 600, "2024-01-15", worker, E1, account="6217999900002222")  # one household
    dead = P("已故甲", "E4", "户主", M, "1930-01-01", E1, death="2023-06-01", status="死亡")
    dead2 = P("已故乙", "E5", "户主", F, "1932-01-01", E1, death="2024-01-10", status="死亡")
    nodate = P("已故丙", "E6", "户主", M, "1931-01-01", E1, status="死亡")
    for k, when in enumerate(("2023-05-15", "2023-06-15", "2023-07-15")):
        S(f"DR-A{k}", "低保", dead, 600, when, worker, E1)
    S("DR-B0", "低保", dead2, 600, "2024-01-15", worker, E1)  # 5 days after: grace_days=10 lets it through
    S("DR-C0", "低保", nodate, 600, "2024-01-15", worker, E1)  # no death date: not flagged
    r1 = P("重复甲", "E7", "户主", M, "1945-01-01", E1)
    r2 = P("重复乙", "E8", "户主", M, "1946-01-01", E1)
    r3 = P("重复丙", "E9", "户主", M, "1947-01-01", E1)
    S("DP-A1", "低保", r1, 600, "2024-03-05", worker, E1)
    S("DP-A2", "低保", r1, 600, "2024-03-20", worker, E1)
    S("DP-A3", "低保", r1, 600, "2024-04-05", worker, E1)
    S("DP-B1", "低保", r2, 600, "2024-03-05", worker, E1)
    S("DP-B2", "临时救助", r2, 1000, "2024-03-20", worker, E1)  # another programme
    S("DP-C1", "低保", r3, 600, "2024-03-31", worker, E1)
    S("DP-C2", "低保", r3, 600, "2024-04-01", worker, E1)  # another month
    # -- split_contracts (villages H1, H2) ------------------------------------------------------------------
    H1, H2 = TOWN + "109", TOWN + "110"
    boss = P("包工头", "H1", "户主", M, "1970-01-01", H1)
    approver = P("韩书记", "H2", "户主", M, "1965-01-01", H1)
    w.cadre(approver, H1, "村党支部书记", "2018-01-01")

    def firm(name: str) -> str:  # each with its own legal representative: unrelated firms
        return w.company(name, P(name + "法人", "H9" + name, "户主", M, "1975-01-01", H2))

    co11, co12, co13 = (firm(n) for n in ("单一公司", "关联甲公司", "关联乙公司"))
    for c in (co12, co13):
        w.share(c, boss)
    co14, co15, co16, co17 = (firm(n) for n in ("间隔公司", "小额公司", "大额公司", "两村公司"))
    for k, (amt, when) in enumerate(((40000, "2024-01-10"), (35000, "2024-02-10"), (30000, "2024-03-20"))):
        w.contract(f"SC-A{k}", H1, co11, amt, when, approver)
    for k, (c, amt, when) in enumerate(
        ((co12, 50000, "2024-05-01"), (co13, 30000, "2024-05-20"), (co12, 25000, "2024-06-15"))
    ):
        w.contract(f"SC-B{k}", H1, c, amt, when, approver)
    for k, when in enumerate(("2024-01-01", "2024-02-15", "2024-04-01")):  # 91 days first to last
        w.contract(f"SC-C{k}", H1, co14, 40000, when, approver)
    for k, when in enumerate(("2024-07-01", "2024-07-10", "2024-07-20")):  # 90,000 in all
        w.contract(f"SC-D{k}", H1, co15, 30000, when, approver)
    for k, amt in enumerate((120000, 10000, 10000)):  # one above the threshold
        w.contract(f"SC-E{k}", H1, co16, amt, f"2024-08-0{k + 1}", approver)
    for k, org in enumerate((H1, H2, H2)):  # two organisations
        w.contract(f"SC-F{k}", org, co17, 40000, f"2024-09-0{k + 1}", approver)
    # -- reciprocal_approval (village I1) ------------------------------------------------------------------
    I1 = TOWN + "111"
    m = P("马书记", "I1", "户主", M, "1960-01-01", I1)
    m_w = P("许妻", "I1", "配偶", F, "1961-01-01", I1)
    m_ws = P("许妹", "I2", "户主", F, "1965-01-01", I1)  # M's wife's sister: 2 hops
    w.kin(m_w, m_ws, "兄弟姐妹")
    n = P("牛会计", "I3", "户主", M, "1962-01-01", I1)
    n_s = P("牛子", "I3", "子", M, "1990-01-01", I1)
    o = P("欧委员", "I4", "户主", M, "1964-01-01", I1)
    o_b = P("欧兄", "I5", "户主", M, "1960-01-01", I1)
    w.kin(o, o_b, "兄弟姐妹")
    w.cadre(m, I1, "村党支部书记", "2018-01-01")
    w.cadre(n, I1, "村会计", "2018-01-01")
    S("RA-M1", "低保", n_s, 600, "2024-02-15", m, I1)  # M for N's son
    S("RA-N1", "危房改造", m_ws, 10000, "2024-03-15", n, I1)  # N for M's wife's sister
    S("RA-M2", "低保", o_b, 600, "2024-02-15", m, I1)  # M for O's brother …
    w.contract("RA-K1", I1, w.company("许家公司", m_ws), 50000, "2024-04-01", o)  # … O for M's wife's sister
    S("RA-O1", "低保", n, 600, "2024-02-15", o, I1)  # O for N, who never returns it
    return w


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LadybugStore]:
    tmp = tmp_path_factory.mktemp("checks")
    s = loaded_store(tmp, world().write(tmp / "world"))
    yield s
    s.close()


def run(store: LadybugStore, check: str, **params: object) -> list[Finding]:
    return CHECKS[check].run(store, params)


def by_record(findings: list[Finding]) -> dict[str, Finding]:
    return {r: f for f in findings for r in f.record_ids}


def flagged(findings: list[Finding]) -> set[str]:
    return {r for f in findings for r in f.record_ids}


# -- the tiny village ------------------------------------------------------------------------------------
ZW, LJ, ZQ = "140107196503020117", "140107197005050174", "140107199001050133"


def test_tiny_fixture_findings(tiny: LadybugStore) -> None:
    got = {name: c.run(tiny) for name, c in CHECKS.items()}
    assert {n: sorted(flagged(fs)) for n, fs in got.items() if fs} == {
        "kin_approved_subsidy": ["FF-0001"],
        "cadre_family_beneficiary": ["FF-0001"],
        "kin_contract": ["HT-2024-001"],
        "hidden_link": ["HT-2024-001"],
        "deceased_recipient": ["FF-0002"],
        # the register collisions: 3600 yuan of 低保 in one payment is above the default standard (1500), and
        # the recipient 李军 is the legal representative of a company
        "above_standard": ["FF-0001"],
        "ineligible_recipient": ["FF-0001"],
    }
    kas = got["kin_approved_subsidy"][0]
    assert kas.explanation == "村党支部书记张某审批向其妻弟李某发放低保金3600元（配偶→兄弟）"
    assert kas.person_ids == [ZW, LJ] and kas.amount == 3600 and kas.org_code == "140107001201"
    assert [n["caption"] for n in kas.path["nodes"]] == ["张伟", "李芳", "李军", "低保", "张伟"]
    assert [r["type"] for r in kas.path["relationships"]] == [
        "SPOUSE_OF",
        "SIBLING_OF",
        "PAID_TO",
        "APPROVED",
    ]
    assert kas.path["nodes"][3]["id"] == "FF-0001"
    assert kas.details["hops"] == 2 and kas.details["term"] == "妻弟"
    kc = got["kin_contract"][0]
    assert (
        kc.person_ids == [ZW, ZQ, LJ] and kc.details["hops"] == 1
    )  # the son (1 hop) before the brother-in-law
    assert "儿子张某持股的太原市强盛建筑有限公司" in kc.explanation
    hl = got["hidden_link"][0]
    assert hl.details["shared"] == "Phone" and hl.person_ids == [ZW] and "联系电话" in hl.explanation
    dr = got["deceased_recipient"][0]
    assert dr.person_ids == ["140107198012120251", "140107194001010235"]
    assert (
        dr.explanation
        == "刘某已于2023-06-01死亡，死亡后仍被发放低保金600元（2024-01-15，经民政助理员周某审核）"
    )
    assert all(0 <= f.severity <= 100 for fs in got.values() for f in fs)
    assert kc.severity > kas.severity  # 1 hop and 380,000 yuan against 2 hops and 3,600


def test_findings_are_stable_across_runs(tiny: LadybugStore) -> None:
    a = [f.to_dict(True) for c in CHECKS.values() for f in c.run(tiny)]
    b = [f.to_dict(True) for c in CHECKS.values() for f in c.run(tiny)]
    assert a == b


def test_names_unmasked_on_request(tiny: LadybugStore) -> None:
    f = run(tiny, "kin_approved_subsidy", mask_names=False)[0]
    assert f.explanation == "村党支部书记张伟审批向其妻弟李军发放低保金3600元（配偶→兄弟）"


# -- the hand-built county ---------------------------------------------------------------------------------
def test_kin_approved_subsidy(store: LadybugStore) -> None:
    fs = run(store, "kin_approved_subsidy")
    got = by_record(fs)
    assert set(got) == {"KA-B1", "KA-B2", "KA-B3", "KA-W1", "KA-S1", "KA-SELF"}  # not KA-F1: 4 hops
    series = got["KA-B1"]
    assert (
        series.record_ids == ["KA-B1", "KA-B2", "KA-B3"] and series.amount == 1800
    )  # one finding per recipient
    assert series.explanation == "村党支部书记赵某审批向其妻弟钱某发放低保金3笔共1800元（配偶→兄弟）"
    assert got["KA-W1"].details["kin"] == "配偶→兄弟→配偶" and got["KA-W1"].details["hops"] == 3
    assert got["KA-S1"].details["term"] == "儿子"
    assert got["KA-SELF"].explanation == "村会计李某审批向本人发放医疗救助金800元（本人）"
    sev = {r: f.severity for r, f in got.items()}
    assert sev["KA-SELF"] > 0 and sev["KA-S1"] > sev["KA-B1"] > sev["KA-W1"]  # fewer hops, more money: worse
    assert flagged(run(store, "kin_approved_subsidy", kin_hops=1)) == {"KA-S1", "KA-SELF"}
    assert "KA-F1" in flagged(run(store, "kin_approved_subsidy", kin_hops=4))


def test_cadre_family_beneficiary(store: LadybugStore) -> None:
    got = by_record(run(store, "cadre_family_beneficiary"))
    for r in ("CF-D1", "CF-SL1", "CF-GW-IN"):
        assert r in got, r
    for r in ("CF-OB", "CF-GW-OUT", "CF-M1"):  # another village's cadre; out of office; a township cadre
        assert r not in got, r
    assert got["CF-GW-IN"].record_ids == ["CF-GW-IN"]
    assert got["CF-SL1"].details["term"] == "女婿" and got["CF-SL1"].details["hops"] == 2
    assert got["CF-D1"].explanation == (
        "村委会主任周某的女儿周某在140107001102单位领取低保金600元，应核查是否按规定备案（女）"
    )
    town = by_record(run(store, "cadre_family_beneficiary", township_cadres=True))
    assert town["CF-M1"].person_ids[:2] == [world().names["郑助理"], world().names["郑母"]]
    assert "CF-SIS" not in town  # a village of another township
    one = flagged(run(store, "cadre_family_beneficiary", hops=1))
    assert "CF-D1" in one and "CF-SL1" not in one


def test_kin_contract(store: LadybugStore) -> None:
    got = by_record(run(store, "kin_contract"))
    assert {"KC-1", "KC-2", "KC-5"} <= set(got) and not {"KC-3", "KC-4"} & set(got)
    assert (
        got["KC-1"].details["hops"] == 1 and "哥哥陈某任法定代表人的陈氏建筑公司" in got["KC-1"].explanation
    )
    two = got["KC-2"]
    assert two.details["company_levels"] == 2 and "林氏控股公司持股的远方工程公司" in two.explanation
    assert [r["type"] for r in two.path["relationships"]][:4] == [
        "SPOUSE_OF",
        "SHAREHOLDER_OF",
        "SHAREHOLDER_OF",
        "AWARDED_TO",
    ]
    assert got["KC-5"].details["term"] == "侄子" and got["KC-5"].details["company_levels"] == 0
    assert "KC-2" not in flagged(run(store, "kin_contract", company_levels=1))
    assert flagged(run(store, "kin_contract", kin_hops=1)) >= {"KC-1", "KC-2"}
    assert "KC-5" not in flagged(run(store, "kin_contract", kin_hops=1))


def test_hidden_link(store: LadybugStore) -> None:
    fs = run(store, "hidden_link")
    got = by_record(fs)
    assert set(got) == {"HL-K5", "HL-K6", "HL-K8"}  # not: own legal rep, before office, no contract
    assert got["HL-K5"].details["shared"] == "Phone" and got["HL-K6"].details["shared"] == "BankAccount"
    assert got["HL-K6"].explanation.endswith("的账户公司使用同一银行账户（配偶）")
    assert got["HL-K6"].severity > got["HL-K5"].severity - 5
    assert flagged(run(store, "hidden_link", hops=1)) == {"HL-K5", "HL-K6", "HL-K8"}
    assert len(fs) == 3  # one finding per company


def test_shared_account(store: LadybugStore) -> None:
    fs = run(store, "shared_account")
    assert [f.record_ids for f in fs] == [["SA-X0", "SA-X1"]]  # not two people of one household
    assert fs[0].explanation.startswith("尾号1111的银行账户接收2户2人")
    assert fs[0].to_dict()["details"]["account"] == "6217********1111"
    assert run(store, "shared_account", min_households=3) == []


def test_deceased_recipient(store: LadybugStore) -> None:
    got = by_record(run(store, "deceased_recipient"))
    assert set(got) == {"DR-A1", "DR-A2", "DR-B0"}
    assert got["DR-A1"].record_ids == ["DR-A1", "DR-A2"] and got["DR-A1"].details["months_after_death"] == 2
    assert flagged(run(store, "deceased_recipient", grace_days=10)) == {"DR-A1", "DR-A2"}


def test_duplicate_payment(store: LadybugStore) -> None:
    fs = run(store, "duplicate_payment")
    assert [f.record_ids for f in fs] == [["DP-A1", "DP-A2"]]
    assert (
        fs[0].amount == 600
        and fs[0].explanation == "重某重复领取2024年3月低保金，共低保金2笔共1200元，其中600元为同月重复发放"
    )


def test_split_contracts(store: LadybugStore) -> None:
    fs = run(store, "split_contracts")
    assert sorted(f.record_ids for f in fs) == [["SC-A0", "SC-A1", "SC-A2"], ["SC-B0", "SC-B1", "SC-B2"]]
    related = by_record(fs)["SC-B1"]
    assert "关联承包方" in related.explanation and world().names["包工头"] in related.person_ids
    types = [r["type"] for r in related.path["relationships"]]
    assert types.count("ISSUED") == 3 and types.count("AWARDED_TO") == 3 and "SHAREHOLDER_OF" in types
    assert (
        related.person_ids[0] == world().names["韩书记"]
        and related.details["approver_post"] == "村党支部书记"
    )
    assert "SC-C0" in flagged(run(store, "split_contracts", window_days=91))
    assert "SC-D0" in flagged(run(store, "split_contracts", threshold=80000))
    assert "SC-F0" not in flagged(run(store, "split_contracts", min_contracts=2))


def test_reciprocal_approval(store: LadybugStore) -> None:
    fs = run(store, "reciprocal_approval")
    assert sorted(f.record_ids for f in fs) == [["RA-K1", "RA-M2"], ["RA-M1", "RA-N1"]]  # not O and N
    f = by_record(fs)["RA-M1"]
    names = world().names
    assert f.person_ids[:2] == [names["马书记"], names["牛会计"]]
    assert f.explanation == (
        "村党支部书记马某审批向村会计牛某(甲)的儿子牛某(乙)发放低保金600元，牛某(甲)审批向马某的妻妹许某"
        "发放危房改造补助10000元，二人相互为对方或其亲属审批（子；配偶→姐妹）"
    )
    assert f.path["nodes"][0]["id"] == f.path["nodes"][-1]["id"] == names["马书记"]
    k = by_record(fs)["RA-K1"]
    assert k.person_ids[:2] == [names["马书记"], names["欧委员"]]
    assert k.explanation.endswith(
        "欧某(甲)审批将“项目RA-K1”合同（50000元）发包给马某的妻妹许某任法定代表人的许家公司，"
        "二人相互为对方或其亲属审批（兄弟；配偶→姐妹）"
    )
    assert [r["type"] for r in k.path["relationships"]] == [
        "APPROVED",
        "PAID_TO",
        "SIBLING_OF",
        "APPROVED",
        "AWARDED_TO",
        "LEGAL_REP_OF",
        "SIBLING_OF",
        "SPOUSE_OF",
    ]
    assert run(store, "reciprocal_approval", hops=1) == []


# -- the catalogue ---------------------------------------------------------------------------------------
def _named_in_code() -> set[str]:
    """Query names that the API, the exports and the clusters run by name (a quoted name in their code)."""
    import re
    from pathlib import Path

    pkg = Path(__file__).resolve().parents[1] / "graphaudit"
    text = "\n".join(p.read_text(encoding="utf-8") for p in pkg.rglob("*.py"))
    return set(re.findall(r"[\"'](\w+)[\"']", text)) & set(query_names())


def test_every_query_is_documented_and_used() -> None:
    used = {q for c in CHECKS.values() for q in c.queries} | _named_in_code()
    files = sorted([p for p in CYPHER_DIR.iterdir() if p.name.endswith(".cypher")])
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        header = [line for line in itertools.takewhile(lambda s: s.startswith("//"), text.splitlines())]
        assert len(header) >= 3, f"{path.name}: no header comment"
        assert "Parameters" in "\n".join(header), f"{path.name}: header does not list its parameters"
        name = path.name.removesuffix(".cypher").removesuffix(".ladybug")
        assert name in used, f"{path.name} is not used by a registered check"
        for marker in set(__import__("re").findall(r"/\*(\w+)\*/", text)):
            assert marker in "\n".join(header), f"{path.name}: bound {marker} not documented"
    for name in CHECKS:
        assert (CYPHER_DIR / f"{name}.cypher").is_file(), f"check {name} has no cypher file"
    assert {q for c in CHECKS.values() for q in c.queries} <= set(query_names()), (
        "a check names a missing query"
    )
