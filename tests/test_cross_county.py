"""Issue 20: the synthetic prefecture plants cases that cross county borders (the cadre in one county, the
relative or the company in the previous one), and the checks find them on the whole prefecture's data.

Runs on ``prefecture-small`` (three small counties, seconds): synth, ingest into the embedded store, check.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphaudit.checks import CHECKS
from graphaudit.findings import Finding
from graphaudit.synth import SIZES, generate, load_truth
from graphaudit.synth.cases_cross import KINDS
from tests.stores import loaded_store

SIZE, SEED = "prefecture-small", 3


def rows(data: Path, name: str) -> list[dict[str, str]]:
    with open(data / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def cross(truth: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [c for c in truth[key] if c.get("cross_county")]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xcounty") / "data"
    generate(out, SIZE, SEED)
    return out


@pytest.fixture(scope="module")
def findings(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Finding]]]:
    store = loaded_store(tmp_path_factory.mktemp("xcounty-db"), data)
    try:
        yield {name: chk.run(store, {}) for name, chk in CHECKS.items()}
    finally:
        store.close()


def test_the_small_prefecture_is_three_small_counties(data: Path) -> None:
    spec = SIZES[SIZE]
    assert spec.prefecture and spec.counties == 3 and spec.cross > 0
    truth = load_truth(data)
    assert len(truth["places"]) == 3
    counties = {r["village_code"][:6] for r in rows(data, "households")}
    assert len(counties) == 3
    assert truth["counts"]["households.csv"] < 30_000


def test_cross_county_cases_are_planted_and_linked_across_the_border(data: Path) -> None:
    truth = load_truth(data)
    cases, near = cross(truth, "cases"), cross(truth, "near_misses")
    # every kind, in both counties that have a previous one
    assert {c["variant"] for c in cases + near} == {k[2] for k in KINDS}
    assert len({c["counties"][0] for c in cases}) == 2
    home = {r["person_id"]: r["village_code"][:6] for r in rows(data, "households")}
    links = {frozenset((r["person_id_a"], r["person_id_b"])) for r in rows(data, "relations")}
    uscc = {r["company_id"] for r in rows(data, "companies")}
    contracts = {r["contract_id"]: r for r in rows(data, "contracts")}
    pays = {r["payment_id"]: r for m in range(1, 13) for r in rows(data, f"subsidies_2024-{m:02d}")}
    for c in cases + near:
        here, there = c["counties"]
        assert here != there and c["org_code"].startswith(here)
        cadre, outsider = c["person_ids"][:2]
        assert home[cadre] == here and home[outsider] == there
        assert frozenset((cadre, outsider)) in links  # the sibling, across the border
        for r in c["record_ids"]:
            rec = contracts.get(r) or pays[r]
            assert rec["approver_id"] == cadre or c in near
            assert (rec.get("org_code") or rec["village_code"]).startswith(here)
        if c["variant"] == "cross_bridge":  # cadre → sister (other county) → her daughter (this county)
            niece = c["person_ids"][2]
            assert home[niece] == here and frozenset((outsider, niece)) in links
            assert c["hops"] == 2 and all(pays[r]["recipient_id"] == niece for r in c["record_ids"])
        for k in c["company_ids"]:
            assert k in uscc and k[2:8] == there  # registered in the other county


def test_every_cross_county_case_is_found_and_no_near_miss_flagged(
    data: Path, findings: dict[str, list[Finding]]
) -> None:
    truth = load_truth(data)
    for c in cross(truth, "cases"):
        hits = [f for f in findings[c["check"]] if set(f.record_ids) & set(c["record_ids"])]
        assert hits, c["note"]
        # the cadre and the relative among the finding's people, the outsider on its kin path
        seen = {p for f in hits for p in f.person_ids} | {n["id"] for f in hits for n in f.path["nodes"]}
        assert c["person_ids"][0] == hits[0].person_ids[0] and set(c["person_ids"]) <= seen, c["note"]
    for c in cross(truth, "near_misses"):
        assert not [f for f in findings[c["would_be_check"]] if set(f.record_ids) & set(c["record_ids"])]


def test_cross_county_records_raise_nothing_else(data: Path, findings: dict[str, list[Finding]]) -> None:
    truth = load_truth(data)
    own = {r: c["check"] for c in cross(truth, "cases") for r in c["record_ids"]}
    nm = {r for c in cross(truth, "near_misses") for r in c["record_ids"]}
    for name, fs in findings.items():
        for f in fs:
            for r in f.record_ids:
                assert r not in nm and own.get(r, name) == name, (name, f.explanation)


def test_same_seed_same_cross_county_truth(data: Path, tmp_path: Path) -> None:
    generate(tmp_path, SIZE, SEED)
    for name in ("truth.json", "relations.csv", "contracts.csv", "companies.csv"):
        assert (tmp_path / name).read_bytes() == (data / name).read_bytes(), name
