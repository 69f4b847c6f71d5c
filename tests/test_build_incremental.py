"""Issue 20: a load that builds only the frames whose sources changed (build_graph(previous=…)) gives,
frame by frame, the graph a full build gives — after a new month of payments, a corrected month, payments
moved to a person outside the register, the two swapping names, and back, a reviewer's matching decision, a
repeated load, a household register update that changes kinship, a relation added and a source loaded for
the first time."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from graphaudit.ingest import matching
from graphaudit.ingest.build import BUILD_ID, Patched, Previous, Reused, build_graph
from graphaudit.ingest.pipeline import _every_source, _next_tables
from graphaudit.model import KEY, GraphFrames
from graphaudit.synth import generate
from tests.test_store_monthly import STRANGER, _rows, _write


@pytest.fixture(scope="module")
def village(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("incremental") / "village"
    generate(data, size="village", seed=2, messy=False)
    return data


@pytest.fixture(scope="module")
def loads(village: Path) -> list[tuple[str, Path, matching.Decisions | None]]:
    """(what, folder, decisions) loaded one after the other."""
    root = village.parent
    late = ("subsidies_2024-11", "vehicles")
    base = root / "base"
    base.mkdir()
    for f in village.glob("*.csv"):
        if not f.stem.startswith(late):
            shutil.copy(f, base / f.name)
    # a payment named without an ID: matched by name in the register, until a reviewer says it is not them
    # a payment named without an ID, and two people of that name in the village: ambiguous until a reviewer
    # says which one it is
    header, rows = _rows(village / "subsidies_2024-10.csv")
    hh_header, people = _rows(village / "households.csv")
    named = people[7]
    twin = next(p for p in people[8:] if p["village_code"] == named["village_code"])
    twin["name"] = named["name"]
    _write(base / "households.csv", hh_header, people)
    rows.append(
        dict(
            rows[0],
            payment_id="FF-NAMED-1",
            recipient_id="",
            recipient_name=named["name"],
            household_id="",
            village_code=named["village_code"],
            bank_account="",
        )
    )
    _write(base / "subsidies_2024-10.csv", header, rows)
    out: list[tuple[str, Path, matching.Decisions | None]] = [("base", base, None)]

    def folder(name: str, *files: Path) -> Path:
        (root / name).mkdir()
        for f in files:
            shutil.copy(f, root / name / f.name)
        return root / name

    out.append(("month", folder("month", village / "subsidies_2024-11.csv"), None))
    header, rows = _rows(village / "subsidies_2024-11.csv")
    rows[0]["amount"] = "1234.56"
    moved = [dict(rows[1]), dict(rows[2])]
    rows[1].update(recipient_id=STRANGER, recipient_name="外来人", household_id="", bank_account="")
    rows[2].update(recipient_id=STRANGER, recipient_name="外来人乙", household_id="", bank_account="")
    _write(root / "fix1" / "subsidies_2024-11.csv", header, rows)
    out.append(("correction, stranger", root / "fix1", None))
    # the two payments swap the stranger's names: the same rows as a set, but the first mention changes
    rows[1]["recipient_name"], rows[2]["recipient_name"] = "外来人乙", "外来人"
    _write(root / "swap" / "subsidies_2024-11.csv", header, rows)
    out.append(("names swapped", root / "swap", None))
    rows[1:3] = moved
    _write(root / "fix2" / "subsidies_2024-11.csv", header, rows)
    out.append(("stranger gone", root / "fix2", None))
    # a reviewer's decision settles the ambiguous payment (no file of payments loaded)
    yes = matching.Decisions({("recipient", named["name"], named["person_id"]): matching.SAME})
    out.append(("decision", folder("decision", village / "prisoners.csv"), yes))
    out.append(("again", root / "decision", yes))
    # the register: a new child in a household (kinship changes), a new address and phone, a death
    header, people = _rows(village / "households.csv")
    head = next(p for p in people if p["relation"] == "户主")
    child = dict(head, person_id="110101201501010011", name="新生儿", relation="子", birth_date="2015-01-01")
    people[3]["address"] = people[3]["address"] + "之一"
    people[3]["phone"] = "13900000000"
    people[5].update(status="死亡", death_date="2024-12-20")
    _write(root / "hh" / "households.csv", header, [*people[:10], child])
    out.append(("register update", root / "hh", None))
    header, rels = _rows(village / "relations.csv")
    extra = {**rels[0], header[0]: people[20]["person_id"], header[1]: people[30]["person_id"]}
    _write(root / "rel" / "relations.csv", header, [extra])
    out.append(("relation added", root / "rel", None))
    out.append(("new source", folder("vehicles", village / "vehicles.csv"), None))
    return out


def _plain_rows(df: pd.DataFrame) -> list[list[Any]]:
    vals = df.reset_index(drop=True).astype(object).to_numpy(dtype=object, copy=True)
    vals[pd.isna(vals)] = None
    return [list(r) for r in vals]


def _sorted_rows(df: pd.DataFrame) -> list[str]:
    return sorted(repr(r) for r in _plain_rows(df))


def _patched(old: pd.DataFrame, patch: Patched) -> pd.DataFrame:
    """The frame a store holds after writing ``patch`` over ``old``."""
    keep = old[~old[KEY].isin(pd.Index(patch.keys, dtype=object))]
    rows = patch.rows[list(old.columns)]
    both = pd.concat([keep.astype(object), rows.astype(object)], ignore_index=True)
    return both.iloc[np.argsort(both[KEY].to_numpy(dtype=str), kind="stable")]


def test_incremental_build_equals_the_full_build(
    loads: list[tuple[str, Path, matching.Decisions | None]],
) -> None:
    tables: dict[str, pd.DataFrame] = {}
    graph: GraphFrames | None = None
    kinds: dict[str, dict[str, int]] = {}
    changes: dict[str, frozenset[str]] = {}
    for what, folder, decisions in loads:
        new, _, changed = _next_tables(tables, folder, None, decisions)
        full, _ = build_graph(_every_source(new))
        if graph is not None:
            g = graph

            def keys(label: str, g: GraphFrames = g) -> np.ndarray:
                return g.nodes[label][KEY].to_numpy(dtype=object)

            def froms(key: tuple[str, str, str], g: GraphFrames = g) -> np.ndarray:
                return g.rels[key]["from"].to_numpy(dtype=object)

            previous = Previous(
                "gen",
                BUILD_ID,
                {k: len(v) for k, v in [*g.nodes.items(), *g.rels.items()]},
                changed,
                {s: tables.get(s) for s in changed},
                keys,
                froms,
            )
            inc, _ = build_graph(_every_source(new), previous=previous)
            seen = {"built": 0, "reused": 0, "patched": 0}
            for label, df in inc.nodes.items():
                if isinstance(df, Reused):
                    seen["reused"] += 1
                    assert _plain_rows(g.nodes[label]) == _plain_rows(full.nodes[label]), (what, label)
                    assert len(df) == len(full.nodes[label])
                elif isinstance(df, Patched):
                    seen["patched"] += 1
                    assert _plain_rows(_patched(g.nodes[label], df)) == _plain_rows(full.nodes[label]), (
                        what,
                        label,
                    )
                    assert df.every_key is not None and len(df) == len(full.nodes[label])
                    assert sorted(df.every_key.to_pylist()) == sorted(full.nodes[label][KEY].tolist())
                else:
                    seen["built"] += 1
                    assert _plain_rows(df) == _plain_rows(full.nodes[label]), (what, label)
            assert list(inc.rels) == list(full.rels)
            for key, df in inc.rels.items():
                if isinstance(df, Reused):
                    seen["reused"] += 1
                    assert _plain_rows(g.rels[key]) == _plain_rows(full.rels[key]), (what, key)
                elif isinstance(df, Patched):  # the store does not keep a relationship frame's order
                    seen["patched"] += 1
                    old = g.rels[key]
                    kept = old[~old["from"].isin(pd.Index(df.keys, dtype=object))]
                    both = sorted(_sorted_rows(kept) + _sorted_rows(df.rows))
                    assert both == _sorted_rows(full.rels[key]), (what, key)
                    assert len(df) == len(full.rels[key])
                else:
                    seen["built"] += 1
                    assert _plain_rows(df) == _plain_rows(full.rels[key]), (what, key)
            kinds[what] = seen
            changes[what] = changed
        tables, graph = new, full
    # each load built only part of the graph, and the kinds of load reached the paths they should
    assert all(k["reused"] for k in kinds.values()), kinds
    assert kinds["month"]["patched"] >= 6 and kinds["again"]["built"] < kinds["register update"]["built"]
    assert changes["decision"] == {"prisoners", "subsidies"}  # the decision changed a payment's recipient
    assert changes["again"] == {"prisoners"}
    assert kinds["names swapped"]["patched"] >= 1
    assert kinds["relation added"]["built"] < kinds["register update"]["built"]


def _delta_ids(new: pd.DataFrame, old: pd.DataFrame) -> tuple[list[Any], list[Any]]:
    return sorted(new["payment_id"]), sorted(old["payment_id"])


def test_rows_compared_by_key_find_what_whole_rows_find() -> None:
    """A source with one unique key (the year's payments) is compared key by key, column by column; the rows
    it finds changed are those the comparison of whole rows as text finds: a value changed, emptied ("" and
    missing differ), -0.0 against 0.0, a date moved, rows added, gone and in another order; a duplicate key
    falls back to whole rows."""
    import datetime

    from graphaudit.ingest import build

    cols = list(build._mapped_columns("subsidies"))
    n = 400
    rng = np.random.default_rng(5)
    old = pd.DataFrame({c: pd.Series([f"{c}-{i % 7}" for i in range(n)], dtype="str") for c in cols})
    old["payment_id"] = pd.Series([f"FF{i:06d}" for i in range(n)], dtype="str")
    old["amount"] = rng.integers(0, 100_000, n) / 100
    old["pay_date"] = [
        datetime.date(2024, 1, 1) + datetime.timedelta(days=int(d)) for d in rng.integers(0, 300, n)
    ]
    old["approver_name"] = pd.Series(
        [None if i % 5 == 0 else f"审核人{i % 3}" for i in range(n)], dtype=object
    )
    old["recipient_match_score"] = np.where(np.arange(n) % 4 == 0, np.nan, 1.0)
    new = old.copy()
    new.loc[3, "amount"] = 1234.56
    new.loc[4, "recipient_name"] = ""  # emptied
    new.loc[5, "approver_name"] = ""  # a missing value now ""
    new.loc[6, "amount"] = -0.0
    old.loc[6, "amount"] = 0.0
    new.loc[7, "pay_date"] = datetime.date(2024, 12, 31)
    new.loc[8, "recipient_match_score"] = 0.5  # NaN → a number
    new = new.drop(index=[10, 11])  # gone
    added = old.iloc[:2].copy()
    added["payment_id"] = ["FF900000", "FF900001"]
    new = pd.concat([new, added], ignore_index=True).sample(frac=1.0, random_state=1)  # another order
    by_key = build._keyed_delta(("payment_id",), cols, new, old)
    assert by_key is not None
    a, b = build._row_strings(new[cols]), build._row_strings(old[cols])
    whole = new[build._not_in(a, b)], old[build._not_in(b, a)]
    assert _delta_ids(*by_key) == _delta_ids(*whole)
    changed = ["FF000003", "FF000004", "FF000005", "FF000006", "FF000007", "FF000008"]
    assert _delta_ids(*by_key) == (changed + ["FF900000", "FF900001"], changed + ["FF000010", "FF000011"])
    assert build._keyed_delta(("payment_id",), cols, new, old.iloc[:0]) is not None  # nothing before
    twice = pd.concat([old, old.iloc[:1]], ignore_index=True)
    assert build._keyed_delta(("payment_id",), cols, new, twice) is None  # a key twice: whole rows
    assert build._keyed_delta(("payment_id", "program"), cols, new, old) is None
