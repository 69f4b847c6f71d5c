"""graphaudit.synth: determinism, valid identifiers, realistic registers, complete truth, messy formats.

The county and prefecture sizes are not generated here (too slow for the suite); village and township are.
Part of the truth is re-derived from the written CSV files by an independent implementation of DOMAIN.md's
kinship rules and checks, so the generator's own verifier is not the only judge of its truth.
"""

from __future__ import annotations

import csv
import zipfile
from collections import defaultdict, deque
from pathlib import Path

import numpy as np
import pytest

from graphaudit.synth import SIZES, generate, load_truth
from graphaudit.synth._codes import (
    id_check_char,
    is_valid_resident_id,
    is_valid_uscc,
    make_uscc,
    resident_ids,
)

CHECKS = (
    "kin_approved_subsidy",
    "cadre_family_beneficiary",
    "kin_contract",
    "hidden_link",
    "shared_account",
    "deceased_recipient",
    "duplicate_payment",
    "split_contracts",
    "reciprocal_approval",
    "collusive_cluster",
    "undeclared_kin_benefit",
    "ineligible_recipient",
    "imprisoned_recipient",
    "concurrent_benefits",
    "above_standard",
)
REGISTERS = ["public_employees", "vehicles", "real_estate", "deaths", "prisoners", "declarations"]
RELATIONS = "户主 配偶 子 女 长子 次子 长女 次女 父亲 母亲 兄 弟 姐 妹 孙子 孙女 儿媳 女婿 其他".split()
SOURCES = ["households", "relations", "cadres", "companies", "shareholders", "contracts"]


@pytest.fixture(scope="module")
def village(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("village")
    generate(out, "village", seed=0)
    return out


@pytest.fixture(scope="module")
def village_messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("village_messy")
    generate(out, "village", seed=0, messy=True)
    return out


@pytest.fixture(scope="module")
def township(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("township")
    r = generate(out, "township", seed=1)
    assert r.cases > 0 and r.truth_path == out / "truth.json"
    return out


@pytest.fixture(scope="module")
def township_messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("township_messy")
    generate(out, "township", seed=1, messy=True)
    return out


def read(folder: Path, source: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    files = sorted(folder.glob(f"{source}*.csv"))
    assert files, source
    for f in files:
        with open(f, encoding="utf-8", newline="") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def files_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ---- identifiers -------------------------------------------------------------------------------------------
def test_check_characters() -> None:
    assert is_valid_resident_id("11010519491231002X") and is_valid_resident_id("11010519491231002x")
    assert not is_valid_resident_id("110105194912310021")
    assert id_check_char("11010519491231002") == "X"
    assert is_valid_uscc("91350100M000100Y43") and not is_valid_uscc("91350100M000100Y44")
    assert is_valid_uscc(make_uscc("141124", "MA0K1234"))
    ids = resident_ids(np.array([141124, 110105]), np.array([19900307, 19491231]), np.array([123, 2]))
    assert list(ids) == ["14112419900307123" + id_check_char("14112419900307123"), "11010519491231002X"]


def test_ids_valid_and_resolvable(township: Path) -> None:
    hh = read(township, "households")
    pids = [r["person_id"] for r in hh]
    assert len(set(pids)) == len(pids)
    assert all(is_valid_resident_id(p) for p in pids)
    for r in hh:  # birth date and gender agree with the ID
        assert r["person_id"][6:14] == r["birth_date"].replace("-", "")
        assert (int(r["person_id"][16]) % 2 == 1) == (r["gender"] == "男")
    known = set(pids)
    comps = read(township, "companies")
    uscc = {c["company_id"] for c in comps}
    assert len(uscc) == len(comps) and all(is_valid_uscc(u) for u in uscc)
    refs = [r[c] for r in read(township, "relations") for c in ("person_id_a", "person_id_b")]
    refs += [r["person_id"] for r in read(township, "cadres")] + [c["legal_rep_id"] for c in comps]
    refs += [r[c] for r in read(township, "subsidies") for c in ("recipient_id", "approver_id")]
    refs += [r["approver_id"] for r in read(township, "contracts")]
    assert set(refs) <= known
    for r in read(township, "shareholders") + read(township, "contracts"):
        party = r.get("holder_id") or r["contractor_id"]
        assert party in known or party in uscc


# ---- determinism -------------------------------------------------------------------------------------------
def test_same_seed_same_bytes(village: Path, village_messy: Path, tmp_path: Path) -> None:
    generate(tmp_path / "a", "village", seed=0)
    generate(tmp_path / "b", "village", seed=0, messy=True)
    assert files_bytes(tmp_path / "a") == files_bytes(village)
    assert files_bytes(tmp_path / "b") == files_bytes(village_messy)
    generate(tmp_path / "c", "village", seed=1)
    assert (tmp_path / "c" / "households.csv").read_bytes() != (village / "households.csv").read_bytes()


def test_messy_has_the_same_cases_as_clean(township: Path, township_messy: Path) -> None:
    clean, messy = load_truth(township), load_truth(township_messy)
    assert clean["cases"] == messy["cases"] and clean["near_misses"] == messy["near_misses"]


# ---- files and realism -------------------------------------------------------------------------------------
def test_files_counts_and_readme(township: Path) -> None:
    names = {p.name for p in township.iterdir()}
    assert {f"{s}.csv" for s in SOURCES + REGISTERS} <= names
    assert {f"subsidies_2024-{m:02d}.csv" for m in range(1, 13)} <= names
    assert {"truth.json", "README.txt"} <= names
    truth = load_truth(township)
    for name, n in truth["counts"].items():
        with open(township / name, encoding="utf-8") as f:
            assert sum(1 for _ in f) - 1 == n, name
    readme = (township / "README.txt").read_text(encoding="utf-8")
    assert "households.csv" in readme and "户籍" in readme and "truth.json" in readme
    assert 15_000 < truth["counts"]["households.csv"] < 40_000
    assert set(SIZES) == {"village", "township", "county", "prefecture", "prefecture-small"}


def test_every_relation_type_and_kin_values(township: Path) -> None:
    hh = read(township, "households")
    assert set(RELATIONS) <= {r["relation"] for r in hh}
    assert {r["relation"] for r in read(township, "relations")} == {"父母", "子女", "配偶", "兄弟姐妹"}
    assert {r["status"] for r in hh} == {"正常", "死亡", "迁出"}
    assert all(bool(r["death_date"]) == (r["status"] == "死亡") for r in hh)
    assert all(len(r["phone"]) == 11 and r["phone"].startswith("1") for r in hh)
    assert all(len(r["village_code"]) == 12 and r["village_code"][9] == "2" for r in hh)
    per_hh: dict[str, list[str]] = defaultdict(list)
    for r in hh:
        per_hh[r["household_id"]].append(r["relation"])
    sons = {"子", "长子", "次子"}
    ambiguous = [h for h, rs in per_hh.items() if "儿媳" in rs and sum(x in sons for x in rs) >= 2]
    assert ambiguous, "deliberately ambiguous registers (two sons, one 儿媳) are expected"
    surnames = defaultdict(lambda: defaultdict(int))
    for r in hh:
        surnames[r["village_code"]][r["name"][0]] += 1
    top3 = [sum(sorted(c.values())[-3:]) / sum(c.values()) for c in surnames.values()]
    assert np.mean(top3) > 0.35  # clans: a few surnames dominate each village


def test_cadres_posts(township: Path) -> None:
    cad = read(township, "cadres")
    titles = {r["title"] for r in cad}
    assert {"村党支部书记", "村委会主任", "村会计", "村监委会主任", "村委委员", "民政助理员"} <= titles
    assert all(len(r["org_code"]) == 9 for r in cad if r["title"] == "民政助理员")
    assert any(r["end_date"].startswith("2024") for r in cad)
    successors = {(r["org_code"], r["title"], r["start_date"]) for r in cad}
    ended = [r for r in cad if r["end_date"].startswith("2024")]
    assert any(any(s[0] == r["org_code"] and s[1] == r["title"] for s in successors) for r in ended)
    con = read(township, "contracts")
    assert {"公开招标", "询价", "直接发包"} <= {r["method"] for r in con}
    assert any(float(r["amount"]) >= 100_000 for r in con) and any(float(r["amount"]) < 100_000 for r in con)
    sub = read(township, "subsidies")
    assert {
        "低保",
        "特困供养",
        "耕地地力保护补贴",
        "危房改造",
        "临时救助",
        "医疗救助",
        "教育资助",
        "产业扶贫",
    } == {r["program"] for r in sub}
    assert all(r["pay_date"].startswith("2024-") for r in sub)


# ---- truth -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", ["village", "township"])
def test_truth_complete(size: str, village: Path, township: Path) -> None:
    folder = village if size == "village" else township
    truth = load_truth(folder)
    assert truth["generator"] == "graphaudit.synth" and truth["reference_date"] == "2024-12-31"
    assert truth["warnings"] == []
    cases = truth["cases"]
    assert not [c for c in cases if c["accidental"]]
    by_check = defaultdict(list)
    for c in cases:
        by_check[c["check"]].append(c)
    assert set(by_check) == set(CHECKS)
    if size == "township":
        assert all(len(v) >= 4 for v in by_check.values())
        kinds = {(n["would_be_check"], n["variant"]) for n in truth["near_misses"]}
        assert {c for c, _ in kinds} == set(CHECKS)
        assert {
            ("kin_approved_subsidy", "4hop"),
            ("cadre_family_beneficiary", "other_village"),
            ("cadre_family_beneficiary", "out_of_office"),
            ("shared_account", "same_household"),
            ("split_contracts", "91days"),
            ("split_contracts", "below"),
            ("ineligible_recipient", "job_left"),
            ("ineligible_recipient", "exempt_vehicle"),
            ("ineligible_recipient", "car_deregistered"),
            ("ineligible_recipient", "house_and_shop"),
            ("undeclared_kin_benefit", "declared_before"),
            ("deceased_recipient", "cremation_after_last"),
            ("imprisoned_recipient", "released_before"),
            ("concurrent_benefits", "allowed_pair"),
            ("concurrent_benefits", "switched"),
            ("above_standard", "at_standard"),
        } <= kinds
        variants = {(c["check"], c["variant"]) for c in cases}
        assert {
            ("deceased_recipient", "cremation_only"),
            ("cadre_family_beneficiary", "declared_relief"),
            ("undeclared_kin_benefit", "late"),
        } <= variants
        assert {1, 2, 3} <= {c["hops"] for c in by_check["kin_approved_subsidy"]}
        assert {1, 2, 3} <= {c["hops"] for c in by_check["kin_contract"]}
    records = {r["payment_id"] for r in read(folder, "subsidies")}
    records |= {r["contract_id"] for r in read(folder, "contracts")}
    for c in cases + truth["near_misses"]:
        assert c["record_ids"] and set(c["record_ids"]) <= records
        assert c["note"]
    for n in truth["near_misses"]:
        fired = [c for c in by_check[n["would_be_check"]] if set(c["record_ids"]) & set(n["record_ids"])]
        assert not fired, n


def test_monthly_series_is_one_case(township: Path) -> None:
    truth = load_truth(township)
    series = [c for c in truth["cases"] if c["check"] == "kin_approved_subsidy" and len(c["record_ids"]) >= 6]
    assert series and all(len(c["person_ids"]) == 2 for c in series)


# ---- an independent re-check from the files ----------------------------------------------------------------
def kin_graph(folder: Path) -> dict[str, set[str]]:
    """DOMAIN.md's kinship rules, written independently of the generator, over the CSV files."""
    adj: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = defaultdict(set)

    def link(a: str | None, b: str | None) -> None:
        if a and b and a != b:
            adj[a].add(b)
            adj[b].add(a)

    def parent(p: str | None, c: str | None) -> None:
        if p and c and p != c:
            parents[p].add(c)
            link(p, c)

    homes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in read(folder, "households"):
        homes[r["household_id"]].append((r["relation"], r["person_id"]))
    for members in homes.values():
        role: dict[str, list[str]] = defaultdict(list)
        for rel, pid in members:
            key = {
                "长子": "子",
                "次子": "子",
                "长女": "女",
                "次女": "女",
                "兄": "sib",
                "弟": "sib",
                "姐": "sib",
                "妹": "sib",
                "孙子": "孙",
                "孙女": "孙",
            }.get(rel, rel)
            role[key].append(pid)
        if len(role["户主"]) != 1:
            continue
        head = role["户主"][0]
        spouse = role["配偶"][0] if len(role["配偶"]) == 1 else None
        link(head, spouse)
        for c in role["子"] + role["女"]:
            parent(head, c)
            parent(spouse, c)
        for p in role["父亲"] + role["母亲"]:
            parent(p, head)
            for s in role["sib"]:
                parent(p, s)
        if len(role["父亲"]) == 1 and len(role["母亲"]) == 1:
            link(role["父亲"][0], role["母亲"][0])
        for s in role["sib"]:
            link(head, s)
        couples = []
        if len(role["儿媳"]) == 1 and len(role["子"]) == 1:
            couples.append((role["子"][0], role["儿媳"][0]))
        if len(role["女婿"]) == 1 and len(role["女"]) == 1:
            couples.append((role["女"][0], role["女婿"][0]))
        for a, b in couples:
            link(a, b)
        if len(couples) == 1:
            for g in role["孙"]:
                parent(couples[0][0], g)
                parent(couples[0][1], g)
        elif not role["儿媳"] and not role["女婿"] and len(role["子"] + role["女"]) == 1:
            for g in role["孙"]:
                parent((role["子"] + role["女"])[0], g)
    for r in read(folder, "relations"):
        a, b, rel = r["person_id_a"], r["person_id_b"], r["relation"]
        if rel == "父母":
            parent(a, b)
        elif rel == "子女":
            parent(b, a)
        else:
            link(a, b)
    for kids in parents.values():
        ks = sorted(kids)
        for i, a in enumerate(ks):
            for b in ks[i + 1 :]:
                link(a, b)
    return adj


def within(adj: dict[str, set[str]], src: str, depth: int) -> dict[str, int]:
    seen = {src: 0}
    q = deque([src])
    while q:
        u = q.popleft()
        if seen[u] < depth:
            for v in adj.get(u, ()):
                if v not in seen:
                    seen[v] = seen[u] + 1
                    q.append(v)
    return seen


def test_independent_recheck_from_files(township: Path) -> None:
    truth = load_truth(township)
    expect = defaultdict(set)
    for c in truth["cases"]:
        expect[c["check"]].add(frozenset(c["record_ids"]))
    adj = kin_graph(township)
    pay = read(township, "subsidies")
    hh = {r["person_id"]: r for r in read(township, "households")}
    died = {r["person_id"]: r["death_date"] for r in read(township, "deaths")}
    decl = read(township, "declarations")
    near: dict[str, dict[str, int]] = {}

    def dist(a: str, b: str, depth: int) -> int:
        if a not in near:
            near[a] = within(adj, a, 3)
        return near[a].get(b, 99)

    got: dict[str, dict[object, set[str]]] = defaultdict(lambda: defaultdict(set))
    for p in pay:
        pid, rec = p["recipient_id"], p["payment_id"]
        if dist(p["approver_id"], pid, 3) <= 3:
            got["kin_approved_subsidy"][(p["approver_id"], pid, p["program"])].add(rec)
        death = hh[pid]["death_date"] or died.get(pid, "")
        if death and p["pay_date"] > death:
            got["deceased_recipient"][pid].add(rec)
        got["duplicate_payment"][(pid, p["program"], p["pay_date"][:7])].add(rec)
        got["shared_account"][p["bank_account"]].add(rec)
    cad = read(township, "cadres")
    linked: dict[str, set[str]] = defaultdict(set)
    for p in pay:
        for c in cad:
            if (
                c["org_code"] == p["village_code"]
                and c["start_date"] <= p["pay_date"]
                and (not c["end_date"] or p["pay_date"] <= c["end_date"])
            ):
                if dist(c["person_id"], p["recipient_id"], 2) > 2:
                    continue
                if not decl or p["program"] != "低保":
                    got["cadre_family_beneficiary"][(p["recipient_id"], p["program"], p["village_code"])].add(
                        p["payment_id"]
                    )
                else:
                    linked[p["payment_id"]].add(c["person_id"])
    for (
        p
    ) in pay:  # 低保 to a cadre's kin: undeclared unless a linking cadre filed a 备案 on or before the date
        covered = any(
            d["cadre_id"] in linked[p["payment_id"]]
            and d["relative_id"] == p["recipient_id"]
            and d["declare_date"] <= p["pay_date"]
            for d in decl
        )
        if linked[p["payment_id"]] and not covered:
            got["undeclared_kin_benefit"][p["recipient_id"]].add(p["payment_id"])
    households_of = defaultdict(set)
    for p in pay:
        households_of[p["bank_account"]].add(p["household_id"])
    got["duplicate_payment"] = {k: v for k, v in got["duplicate_payment"].items() if len(v) >= 2}
    got["shared_account"] = {k: v for k, v in got["shared_account"].items() if len(households_of[k]) >= 2}
    got.update(contract_checks(township, adj, cad, pay))
    got.update(register_checks(township, pay, hh))
    for check in CHECKS:
        if check != "collusive_cluster":
            assert {frozenset(v) for v in got[check].values()} == expect[check], check


def register_checks(
    folder: Path, pay: list[dict[str, str]], hh: dict[str, dict[str, str]]
) -> dict[str, dict[object, set[str]]]:
    """ineligible_recipient, imprisoned_recipient, concurrent_benefits and above_standard from the files
    (rules: the shipped policy's defaults, written out here)."""
    members = defaultdict(set)
    for pid, r in hh.items():
        members[r["household_id"]].add(pid)
    # person → (from, to, to inclusive) while the person makes the household ineligible
    bad: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for r in read(folder, "public_employees"):
        bad[r["person_id"]].append((r["start_date"], r["end_date"] or "9999", True))
    exempt = ("摩托车", "三轮", "低速货车", "拖拉机")
    for r in read(folder, "vehicles"):
        if not any(x in r["vehicle_type"] for x in exempt):  # deregistered on the day: no longer owned
            bad[r["owner_id"]].append((r["register_date"], r["deregister_date"] or "9999", False))
    for r in read(folder, "companies"):
        bad[r["legal_rep_id"]].append(("", "9999", True))
    for r in read(folder, "shareholders"):
        bad[r["holder_id"]].append(("", "9999", True))
    houses = defaultdict(list)
    for r in read(folder, "real_estate"):
        if "住宅" in r["kind"]:
            houses[r["owner_id"]].append(
                (r["property_id"], r["register_date"], r["deregister_date"] or "9999")
            )
    custody = defaultdict(list)
    for r in read(folder, "prisoners"):
        custody[r["person_id"]].append((r["start_date"], r["end_date"] or "9999"))
    got: dict[str, dict[object, set[str]]] = defaultdict(lambda: defaultdict(set))
    months: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in pay:
        pid, day, rec = p["recipient_id"], p["pay_date"], p["payment_id"]
        if p["program"] in ("低保", "特困供养"):
            hm = members[hh[pid]["household_id"]]
            held = {h for m in hm for h, a, b in houses[m] if a <= day < b}
            if len(held) > 1 or any(
                a <= day and (day <= b if inc else day < b) for m in hm for a, b, inc in bad[m]
            ):
                got["ineligible_recipient"][pid].add(rec)
            months[(pid, day[:7])].add(p["program"])
        if any(a < day <= b for a, b in custody[pid]):
            got["imprisoned_recipient"][pid].add(rec)
        limit = {"低保": 1500.0, "特困供养": 1200.0}.get(p["program"])
        if limit and float(p["amount"]) > limit:
            got["above_standard"][(pid, p["program"])].add(rec)
    for p in pay:
        if p["program"] in ("低保", "特困供养") and len(months[(p["recipient_id"], p["pay_date"][:7])]) > 1:
            got["concurrent_benefits"][p["recipient_id"]].add(p["payment_id"])
    return got


def contract_checks(
    folder: Path, adj: dict[str, set[str]], cad: list[dict[str, str]], pay: list[dict[str, str]]
) -> dict[str, dict[object, set[str]]]:
    """kin_contract, hidden_link, split_contracts and reciprocal_approval from the files."""
    comps = {c["company_id"]: c for c in read(folder, "companies")}
    holders = defaultdict(list)
    for s in read(folder, "shareholders"):
        holders[s["company_id"]].append(s["holder_id"])

    def people(company: str) -> set[str]:
        return {comps[company]["legal_rep_id"]} | {h for h in holders[company] if h not in comps}

    cadres = {c["person_id"] for c in cad}
    near = {c: within(adj, c, 3) for c in cadres}
    con = read(folder, "contracts")
    got: dict[str, dict[object, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in con:
        who = c["contractor_id"]
        ppl = (
            {who} if who not in comps else people(who).union(*[people(h) for h in holders[who] if h in comps])
        )
        for k in cad:
            if (
                k["org_code"] == c["org_code"]
                and k["start_date"] <= c["sign_date"]
                and (not k["end_date"] or c["sign_date"] <= k["end_date"])
            ):
                if any(near[k["person_id"]].get(p, 9) <= 3 for p in ppl):
                    got["kin_contract"][(c["org_code"], who)].add(c["contract_id"])
    # hidden_link: shared phone / address (whole household) or payment account
    by_value = defaultdict(set)
    for r in read(folder, "households"):
        by_value[("phone", r["phone"])].add(r["person_id"])
        by_value[("address", r["address"])].add(r["person_id"])
    for p in pay:
        by_value[("account", p["bank_account"])].add(p["recipient_id"])
    for cid, c in comps.items():
        sharing = set().union(
            *[
                by_value.get((k, c[f]), set())
                for k, f in (("phone", "phone"), ("address", "address"), ("account", "bank_account"))
            ]
        )
        if any(near[k].get(p, 9) <= 2 for k in cadres for p in sharing):
            got["hidden_link"][cid] = {x["contract_id"] for x in con if x["contractor_id"] == cid}
    # split_contracts: contractors related through a shared person or ownership
    root: dict[str, str] = {}

    def find(x: str) -> str:
        while root.setdefault(x, x) != x:
            x = root[x]
        return x

    for cid in comps:
        for p in [comps[cid]["legal_rep_id"], *holders[cid]]:
            root[find(p)] = find(cid)
    small = defaultdict(list)
    for c in con:
        if float(c["amount"]) < 100_000:
            small[(c["org_code"], find(c["contractor_id"]))].append(c)
    from datetime import date

    for key, cs in small.items():
        cs.sort(key=lambda c: c["sign_date"])
        for c in cs:
            d0 = date.fromisoformat(c["sign_date"])
            run = [x for x in cs if 0 <= (date.fromisoformat(x["sign_date"]) - d0).days <= 90]
            if len(run) >= 3 and sum(float(x["amount"]) for x in run) >= 100_000:
                got["split_contracts"][key] |= {x["contract_id"] for x in run}
    # reciprocal_approval: A pays someone within 2 hops of cadre B and B someone within 2 hops of A
    favours = defaultdict(set)
    deals = [(p["approver_id"], {p["recipient_id"]}, p["payment_id"]) for p in pay]
    deals += [
        (
            c["approver_id"],
            {c["contractor_id"]}
            if c["contractor_id"] not in comps
            else people(c["contractor_id"]).union(
                *[people(h) for h in holders[c["contractor_id"]] if h in comps]
            ),
            c["contract_id"],
        )
        for c in con
    ]
    for a, ppl, rec in deals:
        for b in cadres:
            if b != a and any(near[b].get(p, 9) <= 2 for p in ppl):
                favours[(a, b)].add(rec)
    for (a, b), recs in favours.items():
        if a < b and (b, a) in favours:
            got["reciprocal_approval"][(a, b)] = recs | favours[(b, a)]
    return got


# ---- messy -------------------------------------------------------------------------------------------------
def test_messy_registers_load_whole(village_messy: Path) -> None:
    """The six collision registers in their messy shapes (XLSX with date cells, GBK, UTF-8 BOM, Chinese
    headers, a column nobody reads) load with every row, and the report names the unread columns."""
    from openpyxl import load_workbook

    from graphaudit.ingest.pipeline import read_dataset

    ws = load_workbook(village_messy / "public_employees.xlsx", read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    assert next(rows)[:5] == ("公民身份号码", "姓名", "工作单位", "入职日期", "离职日期")
    assert all(hasattr(r[3], "year") for r in rows)
    assert (village_messy / "vehicles.csv").read_bytes().decode("gbk").startswith("所有人身份证号,")
    assert (
        (village_messy / "deaths.csv").read_bytes().decode("gbk").startswith("公民身份号码,死者姓名,火化日期")
    )
    assert (village_messy / "declarations.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    counts = load_truth(village_messy)["counts"]
    tables, report = read_dataset(village_messy)
    loaded = {f.file: f.loaded for f in report.files}
    for name in REGISTERS:
        file = f"{name}.xlsx" if name == "public_employees" else f"{name}.csv"
        assert counts[file] > 0 and loaded[file] == counts[file] == len(tables[name]), name
    unread = {(i.file, i.column) for i in report.issues if i.code == "unknown_column"}
    assert {("vehicles.csv", "车身颜色"), ("prisoners.csv", "羁押场所")} <= unread


def test_messy_encodings_headers_and_values(township_messy: Path) -> None:
    raw = (township_messy / "subsidies_2024-01.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert text.startswith("发放编号,补贴项目,领取人身份证号")
    for name in ("companies.csv", "contracts.csv", "subsidies_2024-02.csv"):
        assert (township_messy / name).read_bytes().startswith(b"\xef\xbb\xbf"), name
    contracts = (township_messy / "contracts.csv").read_text(encoding="utf-8-sig")
    assert contracts.startswith("合同编号,项目名称") and "备注" in contracts.splitlines()[0]
    assert "元," in contracts and "年" in contracts
    sub_text = "".join(
        (township_messy / f"subsidies_2024-{m:02d}.csv").read_bytes().decode("gbk" if m % 2 else "utf-8-sig")
        for m in range(1, 13)
    )
    assert "￥" in sub_text and "," in sub_text and "/" in sub_text and "社保卡号" in sub_text
    with zipfile.ZipFile(township_messy / "households.xlsx") as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()
    from openpyxl import load_workbook

    ws = load_workbook(township_messy / "households.xlsx", read_only=True).worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    assert (
        header[:6] == ("户号", "公民身份号码", "姓名", "与户主关系", "性别", "出生日期") and "民族" in header
    )
    first = [next(rows) for _ in range(3000)]
    assert all(hasattr(r[5], "year") for r in first)  # real Excel date cells
    assert any(isinstance(r[1], str) and r[1].endswith("x") for r in first)
    assert any(isinstance(r[2], str) and (" " in r[2] or "\u3000" in r[2]) for r in first)


def test_messy_manifest_lists_every_bad_id(township_messy: Path) -> None:
    truth = load_truth(township_messy)
    manifest = truth["messy_manifest"]
    assert manifest["missing_ids"] and manifest["invalid_ids"]
    from openpyxl import load_workbook

    ws = load_workbook(township_messy / "households.xlsx", read_only=True).worksheets[0]
    ids = [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    bad = {(i + 2, p) for i, p in enumerate(ids) if not (p and is_valid_resident_id(p))}
    listed = {(m["row"], m["value"]) for m in manifest["invalid_ids"]}
    listed |= {(m["row"], None) for m in manifest["missing_ids"] if m["file"] == "households.xlsx"}
    assert {(r, p or None) for r, p in bad} == listed
    blank_payments = set()
    for m in range(1, 13):
        path = township_messy / f"subsidies_2024-{m:02d}.csv"
        with open(path, encoding="gbk" if m % 2 else "utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                for col in ("领取人身份证号", "审核人身份证号"):
                    assert r[col] == "" or is_valid_resident_id(r[col]), (path.name, r[col])
                if not r["领取人身份证号"]:
                    blank_payments.add(r["发放编号"])
    assert blank_payments == {m["payment_id"] for m in manifest["missing_ids"] if "payment_id" in m}
    case_people = {p for c in truth["cases"] + truth["near_misses"] for p in c["person_ids"]}
    assert not case_people & {m["valid"] for m in manifest["invalid_ids"]}
    assert not case_people & {m["person_id"] for m in manifest["missing_ids"]}
    case_records = {r for c in truth["cases"] + truth["near_misses"] for r in c["record_ids"]}
    assert not case_records & {m.get("payment_id") for m in manifest["missing_ids"]}
