"""Ingest of every source into the embedded store: report, matching, atomicity, idempotency, increments."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from graphaudit.errors import InputError
from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture
def store(tmp_path: Path):
    s = LadybugStore(tmp_path / "g.db", max_db_size=1 << 30)
    yield s
    s.close()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    s = LadybugStore(tmp_path_factory.mktemp("tiny") / "g.db", max_db_size=1 << 30)
    report = ingest(TINY, s)
    yield s, report
    s.close()


def person(store: LadybugStore, name: str, registered: bool = True) -> dict:
    rows = store.run(
        "MATCH (p:Person) WHERE p.name = $n AND p.registered = $r RETURN p", {"n": name, "r": registered}
    )
    assert len(rows) == 1, name
    return rows[0]["p"]


def test_every_source_is_read_with_its_encoding(loaded) -> None:
    _, report = loaded
    enc = {f.file: f.encoding for f in report.files}
    assert enc["households.csv"] == "utf-8-sig"
    assert enc["cadres.csv"] == "gbk"
    assert enc["subsidies_2024-01.csv"] == "gbk"
    assert enc["contracts.xlsx"] == "xlsx"
    assert {f.source for f in report.files} == {
        "households",
        "relations",
        "cadres",
        "companies",
        "shareholders",
        "contracts",
        "subsidies",
    }


def test_bad_amount_is_rejected_with_file_row_column(loaded) -> None:
    store, report = loaded
    rejected = [i for i in report.issues if i.action == "rejected"]
    assert len(rejected) == 1
    r = rejected[0]
    assert (r.file, r.row, r.value) == ("subsidies_2024-01.csv", 5, "abc")
    assert "发放金额" in r.column and "amount" in r.column
    assert store.run("MATCH (p:Payment {id: 'FF-0004'}) RETURN p") == []
    assert report.rejected("subsidies") == 1


def test_report_csv_lists_every_issue(loaded, tmp_path: Path) -> None:
    _, report = loaded
    path = report.write_csv(tmp_path / "r.csv")
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(report.issues) and rows[0].keys() >= {"file", "row", "column", "reason"}


def test_values_are_normalised(loaded) -> None:
    store, _ = loaded
    assert person(store, "李芳")["name"] == "李芳"  # "李 芳" in the file
    xm = person(store, "张小明")
    assert xm["id"].endswith("X") or xm["id"][-1].isdigit()
    assert str(xm["birth_date"]) == "2015-06-01"
    pay = store.run("MATCH (p:Payment {id: 'FF-0001'}) RETURN p.amount AS a, p.pay_date AS d")[0]
    assert pay["a"] == 3600.0 and str(pay["d"]) == "2024-01-15"
    c = store.run("MATCH (c:Contract {id: 'HT-2024-002'}) RETURN c.amount AS a, c.sign_date AS d")[0]
    assert c["a"] == 45000.0 and str(c["d"]) == "2024-04-02"
    share = store.run("MATCH (:Person)-[s:SHAREHOLDER_OF]->(:Company) RETURN s.share AS share ORDER BY share")
    assert [r["share"] for r in share] == [0.4, 0.6]
    assert person(store, "李芳")["birth_date"] is not None  # derived from the ID


def test_extra_columns_are_kept(loaded) -> None:
    store, _ = loaded
    assert json.loads(person(store, "张伟")["extra"]) == {"备注": "村书记"}


def test_missing_id_person_is_matched_by_name_in_household(loaded) -> None:
    store, report = loaded
    sun = person(store, "孙丽")
    assert sun["id"] == "~H005:孙丽" and sun["registered"] is True
    paid = store.run("MATCH (:Payment {id: 'FF-0003'})-[:PAID_TO]->(p:Person) RETURN p.id AS id")
    assert paid == [{"id": "~H005:孙丽"}]
    assert any(
        i.action == "repaired" and i.row == 4 and i.file == "subsidies_2024-01.csv" for i in report.issues
    )


def test_invalid_id_is_loaded_and_reported(loaded) -> None:
    store, report = loaded
    wl = person(store, "王磊")
    assert "校验" in wl["id_issue"]
    assert any(i.file == "households.csv" and i.row == 12 and "校验" in i.reason for i in report.issues)


def test_kinship_edges(loaded) -> None:
    store, _ = loaded

    def kin(a: str, b: str, t: str) -> bool:
        q = f"MATCH (x:Person)-[:{t}]-(y:Person) WHERE x.name = $a AND y.name = $b RETURN count(*) AS c"
        return store.run(q, {"a": a, "b": b})[0]["c"] > 0

    assert kin("张伟", "李芳", "SPOUSE_OF") and kin("张强", "王丽", "SPOUSE_OF")
    assert kin("李芳", "李军", "SIBLING_OF")  # relations file, across households
    assert kin("张强", "张敏", "SIBLING_OF")  # children of a common parent
    assert kin("王丽", "张小明", "PARENT_OF") and kin("张强", "张小明", "PARENT_OF")
    two_hops = store.run(
        "MATCH (a:Person {name: '张伟'})-[:SPOUSE_OF|SIBLING_OF*2..2]-(b:Person) RETURN DISTINCT b.name AS n"
    )
    assert {"李军"} <= {r["n"] for r in two_hops}


def test_stubs_for_people_outside_the_register(loaded) -> None:
    store, _ = loaded
    zt = person(store, "周涛", registered=False)
    assert zt["registered"] is False and zt["gender"] == "男"
    held = store.run("MATCH (p:Person {name: '周涛'})-[h:HOLDS]->(o:Org) RETURN o.level AS l, h.title AS t")
    assert held == [{"l": "township", "t": "民政助理员"}]


def test_cadre_posts_are_dated(loaded) -> None:
    store, _ = loaded
    rows = store.run(
        "MATCH (p:Person {name: '王建国'})-[h:HOLDS]->(o:Org) RETURN h.start_date AS s, "
        "h.end_date AS e, o.name AS o"
    )
    assert [(str(r["s"]), str(r["e"]), r["o"]) for r in rows] == [("2015-01-01", "2023-12-31", "张家庄村")]


def test_hidden_link_identifiers_are_shared_nodes(loaded) -> None:
    store, _ = loaded
    rows = store.run(
        "MATCH (p:Person)-[:HAS_PHONE]->(ph:Phone)<-[:HAS_PHONE]-(c:Company) RETURN p.name AS n, ph.id AS ph"
    )
    assert rows == [{"n": "张伟", "ph": "13800000001"}]


def test_subgraph_around_a_person(loaded) -> None:
    store, _ = loaded
    zw = person(store, "张伟")["id"]
    g = store.subgraph([zw], hops=1)
    labels = {d["label"] for _, d in g.nodes(data=True)}
    assert {"Person", "Household", "Org", "Payment", "Contract", "Phone"} <= labels
    assert g.has_edge(f"Person:{zw}", "Household:H001", key="MEMBER_OF")
    only_kin = store.subgraph([zw], hops=2, rel_types=["SPOUSE_OF", "SIBLING_OF"])
    assert {d["name"] for _, d in only_kin.nodes(data=True)} == {"张伟", "李芳", "李军"}


def test_load_twice_equals_once(tmp_path: Path) -> None:
    s = LadybugStore(tmp_path / "g.db", max_db_size=1 << 30)
    ingest(TINY, s)
    stats1, tables1 = s.stats(), s.read_tables()
    ingest(TINY, s)
    assert s.stats() == stats1
    tables2 = s.read_tables()
    assert tables1.keys() == tables2.keys()
    for k in tables1:
        assert tables1[k].equals(tables2[k]), k
    s.close()


def test_incremental_month_adds_payments(tmp_path: Path) -> None:
    s = LadybugStore(tmp_path / "g.db", max_db_size=1 << 30)
    ingest(TINY, s)
    before = s.stats()
    month = tmp_path / "2024-02"
    month.mkdir()
    (month / "subsidies_2024-02.csv").write_text(
        "payment_id,program,recipient_id,recipient_name,household_id,amount,pay_date,approver_id\n"
        f"FF-0101,低保,{person(s, '李军')['id']},李军,H002,3600,2024-02-15,{person(s, '张伟')['id']}\n",
        encoding="utf-8",
    )
    ingest(month, s)
    after = s.stats()
    assert after["Payment"] == before["Payment"] + 1
    assert after["Person"] == before["Person"] and after["SPOUSE_OF"] == before["SPOUSE_OF"]
    vil = s.run("MATCH (:Payment {id: 'FF-0101'})-[:IN_ORG]->(o:Org) RETURN o.id AS o")
    assert vil == [{"o": "140107001201"}]  # village filled in from the recipient's household
    s.close()


def test_failing_file_leaves_store_unchanged(tmp_path: Path, store: LadybugStore) -> None:
    ingest(TINY, store)
    before, gen = store.stats(), (store.path / "CURRENT").read_text()
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    (bad / "cadres.csv").write_text("姓名,职务\n张伟,村党支部书记\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        ingest(bad, store)
    assert "cadres.csv" in str(e.value) and "person_id" in str(e.value)
    assert (store.path / "CURRENT").read_text() == gen and store.stats() == before


def test_failure_while_writing_leaves_store_unchanged(
    tmp_path: Path, store: LadybugStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(TINY, store)
    before, gen = store.stats(), (store.path / "CURRENT").read_text()
    month = tmp_path / "m"
    month.mkdir()
    shutil.copy(TINY / "subsidies_2024-01.csv", month / "subsidies_2024-03.csv")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(LadybugStore, "_build", boom)
    with pytest.raises(OSError):
        ingest(month, store)
    assert (store.path / "CURRENT").read_text() == gen and store.stats() == before
    assert not list(store.path.glob(".gen-*"))


def test_empty_folder_is_a_clear_error(tmp_path: Path, store: LadybugStore) -> None:
    with pytest.raises(InputError, match="no source files"):
        ingest(tmp_path, store)
