"""Cases that last: a synthetic township loaded month by month (7 monthly loads: each month's payments and
contracts ingested into the same store), the checks run and recorded after each load, reviews made along the
way — on both stores.  No review is lost, every reviewed case keeps its id, cases whose records grew show
有变化, a concluded case whose records change re-opens, and no record is in two open cases."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphaudit.api.findingstore import Who
from graphaudit.cases.review import Status
from graphaudit.cases.run import data_version, org_names, record_run
from graphaudit.cases.store import CaseStore, Change
from graphaudit.checks import run_checks
from graphaudit.ingest.pipeline import ingest
from graphaudit.state import State
from graphaudit.synth import generate

MONTHS = [f"2024-{m:02d}" for m in range(1, 8)]
BASE = ("households", "relations", "cadres", "companies", "shareholders")


@pytest.fixture(scope="module")
def monthly(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One folder per month: the registers and everything before 2024 in the first, then each month's
    subsidies file and the contracts signed that month."""
    town = tmp_path_factory.mktemp("town")
    generate(town, size="township", seed=7)
    with (town / "contracts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    out = []
    for i, month in enumerate(MONTHS):
        folder = tmp_path_factory.mktemp(f"m{month}")
        if i == 0:
            for name in BASE:
                shutil.copy(town / f"{name}.csv", folder)
        shutil.copy(town / f"subsidies_{month}.csv", folder)
        mine = [r for r in rows if r["sign_date"][:7] == month or (i == 0 and r["sign_date"][:7] < month)]
        if mine:
            with (folder / f"contracts_{month}.csv").open("w", encoding="utf-8", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=header)
                w.writeheader()
                w.writerows(mine)
        out.append(folder)
    return out


def _run(store: Any, state: State, month: str) -> None:
    results = run_checks(store)
    record_run(
        state,
        results,
        {},
        who=Who(f"月度比对 {month}"),
        seconds=0.0,
        version=data_version(store),
        orgs=org_names(store),
    )


def _open_cases(cases: CaseStore) -> list[dict[str, Any]]:
    return [c for c in cases.query(limit=None)[1] if not c["gone"]]


def months_with_reviews(store: Any, months: list[Path], state_folder: Path) -> dict[str, Any]:
    state = State(state_folder)
    cases = CaseStore(state)
    made: dict[str, list[str]] = {}  # case id → the comments we made on it
    concluded: dict[str, str] = {}
    records_before: dict[str, set[str]] = {}
    marks: Counter[str] = Counter()
    reopened = []
    for i, (month, folder) in enumerate(zip(MONTHS, months)):
        ingest(folder, store)
        _run(store, state, month)
        now = {c["case_id"]: c for c in cases.query(limit=None)[1]}
        # every reviewed case keeps its id and every comment made on it
        for cid, comments in made.items():
            assert cases.resolve(cid) == cid, f"{month}: reviewed case {cid} lost its id"
            got = [r["comment"] for r in now[cid]["reviews"]]
            assert all(c in got for c in comments), f"{month}: reviews of {cid} lost: {comments} vs {got}"
        # a case whose records grew is marked 有变化; one with the same records and amount 未变化
        for cid, before in records_before.items():
            if cid in now and not now[cid]["gone"]:
                after = set(now[cid]["record_ids"])
                if after != before:
                    assert now[cid]["change"] == Change.changed, (month, cid)
                    marks["grew"] += 1
        # a concluded case whose records changed is back to 核查中, with the system's note
        for cid, status in list(concluded.items()):
            if set(now[cid]["record_ids"]) != records_before.get(cid, set()):
                assert now[cid]["status"] == Status.verifying.value, (month, cid)
                assert (
                    now[cid]["reviews"][-1]["by"] == "系统"
                    and "新增记录" in now[cid]["reviews"][-1]["comment"]
                )
                reopened.append(cid)
                del concluded[cid]
            else:
                assert now[cid]["status"] == status
        # no record in two open cases
        held = Counter(r for c in now.values() if not c["gone"] for r in c["record_ids"])
        assert not [r for r, n in held.items() if n > 1], month
        marks.update(c["change"] for c in now.values())
        # reviews along the way: months 1, 3 and 5 review the most severe open cases not yet reviewed
        if i in (0, 2, 4):
            fresh = [c for c in _open_cases(cases) if c["case_id"] not in made and c["status"] == "新线索"]
            fresh = [c for c in fresh if "collusive_cluster" not in c["checks"]][:3]
            for k, c in enumerate(fresh):
                cid = c["case_id"]
                note = f"{month} 交办乡镇纪委核实 {k}"
                cases.review(cid, Status.verifying, note, "审核员甲")
                made[cid] = [note]
                if k > 0:
                    verdict = Status.substantiated if k == 1 else Status.unsubstantiated
                    cases.review(cid, verdict, f"{month} 核实结论 {k}", "审核员甲")
                    made[cid].append(f"{month} 核实结论 {k}")
                    concluded[cid] = verdict.value
        records_before = {cid: set(c["record_ids"]) for cid, c in now.items()}
    return {"made": made, "marks": marks, "reopened": reopened, "cases": cases}


def _check(res: dict[str, Any]) -> None:
    print("months:", dict(res["marks"]), "reviewed:", len(res["made"]), "reopened:", res["reopened"])
    assert len(res["made"]) >= 6  # reviews were made along the way …
    assert res["marks"]["grew"] > 0 and res["marks"][Change.new] > 0 and res["marks"][Change.unchanged] > 0
    assert res["reopened"], "a concluded case whose records grew must re-open"


def test_months_on_the_embedded_store(monthly: list[Path], tmp_path: Path) -> None:
    from graphaudit.store.embedded import LadybugStore
    from tests.stores import SMALL_DB

    store = LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB)
    try:
        _check(months_with_reviews(store, monthly, tmp_path / "state"))
    finally:
        store.close()


@pytest.fixture
def neo_store(neo4j_clean: Any) -> Iterator[Any]:
    from graphaudit.store.neo4j_store import Neo4jStore

    with Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password) as s:
        yield s


def test_months_on_neo4j(monthly: list[Path], neo_store: Any, tmp_path: Path) -> None:
    _check(months_with_reviews(neo_store, monthly, tmp_path / "state"))
