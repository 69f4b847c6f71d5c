"""Same answers on both stores, and the ``check`` command line.

The same dataset is ingested into the embedded store and into a real Neo4j server; every check, with its
defaults and with changed parameters, must give identical findings (ids, records, paths, severities,
explanations) — and so must the command line's JSON export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from graphaudit.checks import CHECKS
from graphaudit.cli.check import check
from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore
from graphaudit.store.neo4j_store import Neo4jStore
from tests.stores import TINY
from tests.test_checks import world

app = typer.Typer()
app.command()(check)


@app.callback()
def _main() -> None:
    """Test app: ``check`` as a subcommand, as graphaudit.cli registers it."""


runner = CliRunner()
VARIANTS: list[dict[str, object]] = [
    {},
    {"kin_hops": 1, "hops": 1},
    {
        "kin_hops": 5,
        "hops": 3,
        "company_levels": 3,
        "window_days": 120,
        "threshold": 80000,
        "grace_days": 10,
        "mask_names": False,
    },
]


def findings(store: object) -> list[list[dict]]:
    out = []
    for params in VARIANTS:
        for c in CHECKS.values():
            mine = {k: v for k, v in params.items() if k in c.defaults}
            out.append([f.to_dict(show_ids=True) for f in c.run(store, mine)])  # type: ignore[arg-type]
    return out


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("data")
    return {"tiny": TINY, "world": world().write(tmp / "world")}


@pytest.fixture(scope="module")
def embedded(
    tmp_path_factory: pytest.TempPathFactory, datasets: dict[str, Path]
) -> Iterator[dict[str, LadybugStore]]:
    stores = {}
    for name, path in datasets.items():
        stores[name] = LadybugStore(tmp_path_factory.mktemp(name) / "g.db", max_db_size=1 << 30)
        ingest(path, stores[name])
    yield stores
    for s in stores.values():
        s.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("dataset", ["tiny", "world"])
def test_same_answers_on_both_stores(
    dataset: str, datasets: dict[str, Path], embedded: dict[str, LadybugStore], neo4j_clean, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with Neo4jStore(neo4j_clean.uri, neo4j_clean.user, neo4j_clean.password) as neo:
        ingest(datasets[dataset], neo)
        expected, got = findings(embedded[dataset]), findings(neo)
    assert sum(map(len, expected)) >= (8 if dataset == "world" else 5)
    assert got == expected
    out_e, out_n = tmp_path / "e.json", tmp_path / "n.json"
    res = runner.invoke(app, ["check", "--db", str(embedded[dataset].path), "--out", str(out_e)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        ["check", "--neo4j", neo4j_clean.uri, "--out", str(out_n), "--state", str(tmp_path / "state")],
        env=neo4j_clean.env,
    )
    assert res.exit_code == 0, res.output
    assert json.loads(out_n.read_text(encoding="utf-8")) == json.loads(out_e.read_text(encoding="utf-8"))


def test_check_command(embedded: dict[str, LadybugStore], tmp_path: Path) -> None:
    db = str(embedded["tiny"].path)
    res = runner.invoke(app, ["check", "--db", db, "--out", str(tmp_path / "f.xlsx")])
    assert res.exit_code == 0, res.output
    for name in CHECKS:
        assert name in res.output
    assert "7 findings" in res.output and "380,000.00" in res.output
    wb = load_workbook(tmp_path / "f.xlsx")
    rows = list(wb["线索"].values)
    head = rows[0]
    assert [r[head.index("检查")] for r in rows[1:]] == [
        CHECKS[k].title
        for k in (
            "kin_contract",
            "hidden_link",
            "kin_approved_subsidy",
            "deceased_recipient",
            "cadre_family_beneficiary",
            "above_standard",
            "ineligible_recipient",
        )
    ]  # most severe first
    people = rows[1][head.index("涉及人员")]
    assert people.count("140107********01**") >= 3 and not re.search(r"[0-9]{17}", people)
    assert len(list(wb["证据"].values)) > 10
    res = runner.invoke(
        app,
        [
            "check",
            "--db",
            db,
            "--out",
            str(tmp_path / "f.json"),
            "--only",
            "kin_contract",
            "--param",
            "kin_hops=1",
            "--show-ids",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert [d["person_ids"] for d in data] == [["140107196503020117", "140107199001050133"]]
    res = runner.invoke(
        app,
        [
            "check",
            "--db",
            db,
            "--out",
            str(tmp_path / "g.csv"),
            "--only",
            "kin_approved_subsidy,deceased_recipient",
        ],
    )
    assert res.exit_code == 0 and (tmp_path / "g.csv").read_text(encoding="utf-8-sig").count("\n") == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["--param", "kin_hops=9"], "between 1 and 5"),
        (["--param", "kin_hops"], "expected key=value"),
        (["--only", "nope"], "unknown check 'nope'"),
        (["--param", "grace_days=1", "--only", "kin_contract"], "not a parameter of kin_contract"),
    ],
)
def test_check_command_errors(
    args: list[str], message: str, embedded: dict[str, LadybugStore], tmp_path: Path
) -> None:
    res = runner.invoke(
        app, ["check", "--db", str(embedded["tiny"].path), "--out", str(tmp_path / "f.csv"), *args]
    )
    assert res.exit_code == 1 and message in res.output and "Traceback" not in res.output
    assert not (tmp_path / "f.csv").exists()


def test_check_command_needs_a_known_format_and_a_store(tmp_path: Path) -> None:
    res = runner.invoke(app, ["check", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "f.txt")])
    assert res.exit_code == 1 and ".csv, .json or .xlsx" in res.output
    res = runner.invoke(app, ["check", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "f.csv")])
    assert res.exit_code == 1 and "empty store" in res.output


class _Reordered:
    """A real store whose query results come back in another row order (reversed, or shuffled with a seed):
    no store promises an order without ORDER BY, and Neo4j's differs from LadybugDB's from run to run."""

    def __init__(self, store: LadybugStore, how: str) -> None:
        import random

        self.inner, self.how, self.rng = store, how, random.Random(7)

    def _order(self, rows: list[dict]) -> list[dict]:
        if self.how == "reversed":
            return rows[::-1]
        rows = list(rows)
        self.rng.shuffle(rows)
        return rows

    def run(self, cypher: str, params: dict | None = None) -> list[dict]:
        return self._order(self.inner.run(cypher, params))

    def run_named(self, name: str, params: dict | None = None, bounds: object = None) -> list[dict]:
        return self._order(self.inner.run_named(name, params or {}, bounds=bounds))  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


@pytest.mark.parametrize("how", ["reversed", "shuffled"])
@pytest.mark.parametrize("dataset", ["tiny", "world"])
def test_findings_do_not_depend_on_row_order(
    dataset: str, how: str, embedded: dict[str, LadybugStore]
) -> None:
    """What Neo4j and LadybugDB agree on by chance they must agree on always: every check gives the same
    findings (lead reason, evidence path, sentence, listed reasons) whatever order a store returns rows in."""
    store = embedded[dataset]
    expected = findings(store)
    assert sum(map(len, expected)) >= (8 if dataset == "world" else 5)
    assert findings(_Reordered(store, how)) == expected
