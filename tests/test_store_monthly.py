"""Issue 20: monthly loads into the embedded store edit a copy of the live graph where it differs, and the
graph is the one a full rebuild writes — after a series of monthly loads, re-delivered months with changed
rows, a payment that moves to and from a person outside the register (a node created, then deleted), a
household register update and a repeated load.  A load builds only the frames whose sources changed: the
others keep the live generation's digest files (the same file), people are patched key by key
(tests/test_build_incremental.py compares the frames themselves with a full build)."""

from __future__ import annotations

import csv
import gc
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graphaudit.ingest import pipeline
from graphaudit.ingest.pipeline import ingest
from graphaudit.model import MODEL
from graphaudit.store import ladybug_diff
from graphaudit.store.embedded import LadybugStore
from graphaudit.synth import generate

STRANGER = "110101198001010019"  # a valid resident ID no register holds


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Dataset folders loaded one after the other: the village without November, November, two corrections
    of it, a register update and the same update again."""
    root = tmp_path_factory.mktemp("monthly")
    data = root / "village"
    generate(data, size="village", seed=2, messy=False)
    months = ["2024-11"]
    base = root / "base"
    base.mkdir()
    for f in data.glob("*.csv"):
        if not any(m in f.name for m in months):
            shutil.copy(f, base / f.name)
    out = [base]
    for m in months:
        (root / m).mkdir()
        shutil.copy(data / f"subsidies_{m}.csv", root / m)
        out.append(root / m)
    # November again: one amount corrected, one payment now to a person outside the register
    header, rows = _rows(data / "subsidies_2024-11.csv")
    rows[0]["amount"] = "1234.56"
    moved = dict(rows[1])
    rows[1].update(recipient_id=STRANGER, recipient_name="外来人", household_id="", bank_account="")
    _write(root / "fix1" / "subsidies_2024-11.csv", header, rows)
    out.append(root / "fix1")
    # and back: the person outside the register is mentioned nowhere any more (their node goes)
    rows[1] = moved
    _write(root / "fix2" / "subsidies_2024-11.csv", header, rows)
    out.append(root / "fix2")
    # a register update: a new address and phone for someone, a death
    header, people = _rows(data / "households.csv")
    people[3]["address"] = people[3]["address"] + "之一"
    people[3]["phone"] = "13900000000"
    people[5].update(status="死亡", death_date="2024-12-20")
    _write(root / "hh" / "households.csv", header, people[:10])
    out.append(root / "hh")
    out.append(root / "hh")  # loaded again: nothing changes
    return out


def graph_of(store: LadybugStore) -> dict[str, Any]:
    """Every node and relationship with its properties, in an order that does not depend on the store."""
    out: dict[str, Any] = {"stats": store.stats()}
    for label in MODEL.nodes:
        rows = store.run(f"MATCH (n:{label}) RETURN n")
        out[label] = sorted(
            json.dumps(
                {k: v for k, v in r["n"].items() if not k.startswith("_")}, default=str, sort_keys=True
            )
            for r in rows
        )
    for rtype in MODEL.rels:
        rows = store.run(
            f"MATCH (a)-[r:{rtype}]->(b) RETURN label(a) AS la, a.id AS a, label(b) AS lb, b.id AS b, r"
        )
        out[rtype] = sorted(
            json.dumps(
                [
                    r["la"],
                    r["a"],
                    r["lb"],
                    r["b"],
                    {k: v for k, v in r["r"].items() if not k.startswith("_")},
                ],
                default=str,
                sort_keys=True,
            )
            for r in rows
        )
    return out


def _how(store: LadybugStore) -> str:
    gen = store.data_version()
    assert gen is not None
    return str(json.loads((store.path / gen / "manifest.json").read_text())["graph"])


def test_monthly_loads_edit_the_graph_into_the_full_rebuild(
    tmp_path: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[bool] = []  # each edited load took the copy of the live database made while it read
    take = LadybugStore._take_prefetch
    monkeypatch.setattr(
        LadybugStore, "_take_prefetch", lambda self, *a: taken.append(take(self, *a)) or taken[-1]
    )
    edited = LadybugStore(tmp_path / "edited.db", max_db_size=1 << 30)
    rebuilt = LadybugStore(tmp_path / "rebuilt.db", max_db_size=1 << 30, edit_in_place=False)
    seen: list[dict[str, Any]] = []
    for i, folder in enumerate(loads):
        before = edited.data_version()
        ingest(folder, edited)
        ingest(folder, rebuilt)
        if folder.name == "2024-11":  # payments only: kinship kept as it was, people patched
            gen, old = edited.path / str(edited.data_version()), edited.path / str(before)
            kin = f"{ladybug_diff.DIGEST}/SPOUSE_OF-Person-Person.parquet"
            assert (gen / kin).stat().st_ino == (old / kin).stat().st_ino
            assert (gen / "tables/households.parquet").stat().st_ino == (
                old / "tables/households.parquet"
            ).stat().st_ino
            sums = json.loads((gen / ladybug_diff.DIGEST / ladybug_diff.CHECKSUMS).read_text())
            was = json.loads((old / ladybug_diff.DIGEST / ladybug_diff.CHECKSUMS).read_text())
            # the month's recipients patched, each the person they were: Person written not at all (its
            # digest the live one, its checksum kept); the payments are new
            person = f"{ladybug_diff.DIGEST}/Person.parquet"
            assert (gen / person).stat().st_ino == (old / person).stat().st_ino
            assert sums["Person.parquet"] == was["Person.parquet"]
            assert sums["Payment.parquet"] != was.get("Payment.parquet")
        if folder.name == "fix1":  # a payment to someone outside the register: a person patched in
            gen = edited.path / str(edited.data_version())
            sums = json.loads((gen / ladybug_diff.DIGEST / ladybug_diff.CHECKSUMS).read_text())
            assert sums["Person.parquet"].startswith("patched-")
        assert _how(edited) == ("copied" if i == 0 else "edited"), folder.name
        assert taken == [True] * i and not list(edited.path.glob(".prefetch-*"))
        assert _how(rebuilt) == "copied"
        g = graph_of(edited)
        assert g == graph_of(rebuilt), f"after loading {folder.name}"
        seen.append(g)
    stranger = [s for s in seen[2]["Person"] if STRANGER in s]
    assert stranger and not [s for s in seen[3]["Person"] if STRANGER in s]  # created, then deleted
    assert seen[1]["stats"]["Payment"] > seen[0]["stats"]["Payment"]
    assert seen[2]["Payment"] != seen[1]["Payment"] and seen[4]["Person"] != seen[3]["Person"]
    assert seen[5] == seen[4]  # a repeated load changes nothing
    edited.close()
    rebuilt.close()


def test_too_much_change_rebuilds(tmp_path: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    store = LadybugStore(tmp_path / "g.db", max_db_size=1 << 30)
    reference = LadybugStore(tmp_path / "ref.db", max_db_size=1 << 30, edit_in_place=False)
    for s in (store, reference):
        ingest(loads[0], s)
        ingest(loads[1], s)  # November
    monkeypatch.setattr(ladybug_diff, "MAX_EDITS", 0)
    for s in (store, reference):
        ingest(loads[2], s)  # November corrected: rows updated, more than 0
    assert _how(store) == "copied"
    assert not list(store.path.glob(".prefetch-*")) and not list(store.path.glob(".gen-*"))
    assert graph_of(store) == graph_of(reference)
    store.close()
    reference.close()


def _no_copy_left(store: LadybugStore) -> bool:
    """Whether no copy made ahead is left in the store (a dropped one is removed once it is complete)."""
    for _ in range(200):
        if not list(store.path.glob(".prefetch-*")):
            return True
        time.sleep(0.05)
    return False


def test_a_failed_load_leaves_no_copy_of_the_graph_behind(
    tmp_path: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy of the live database made while a monthly load reads its files goes with a load that fails
    before writing, and one a killed process left is removed by the next load."""
    store = LadybugStore(tmp_path / "g.db", max_db_size=1 << 30)
    ingest(loads[0], store)
    before = graph_of(store)

    def broken(*a: Any, **k: Any) -> Any:
        assert list(store.path.glob(".prefetch-*")), "the copy starts before the files are read"
        raise ValueError("文件读取失败")

    monkeypatch.setattr(pipeline, "_next_tables", broken)
    with pytest.raises(ValueError, match="文件读取失败"):
        ingest(loads[1], store)
    gc.collect()
    assert _no_copy_left(store)
    monkeypatch.undo()
    # a copy a killed load left (nothing holds its lock) is removed by the next load, which edits as usual;
    # one another process is making (its lock held) is left alone
    stale = store.path / f".prefetch-{store.data_version()}-1-1"
    stale.mkdir()
    (stale / "graph.lbdb").write_bytes(b"half a copy")
    (stale / ".in-use").touch()
    busy = store.path / f".prefetch-{store.data_version()}-2-2"
    busy.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(busy / ".in-use")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        ingest(loads[1], store)
        assert not stale.exists() and busy.exists() and _how(store) == "edited"
    finally:
        holder.kill()
        holder.wait()
    assert graph_of(store) != before
    ingest(loads[0], store)  # the next load: nothing holds it any more
    assert not busy.exists() and _no_copy_left(store)
    store.close()


#: A process that holds a file's lock until it is killed (a load making its copy ahead, in another process).
HOLD_LOCK = """
import fcntl, sys, time
fh = open(sys.argv[1], "w")
fcntl.flock(fh, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(600)
"""


def test_a_few_ends_are_looked_up_among_many_keys() -> None:
    """Validating a month's relationships: a few ends among a county's keys, answered without a table of
    every key per frame; False sends the caller to look value by value (which names the missing end)."""
    import pyarrow as pa

    from graphaudit.store.embedded import _all_among

    keys = pa.array([f"P{i:06d}" for i in range(1000)], pa.large_string())
    assert _all_among(pa.array(["P000003", "P000999", "P000003"], pa.large_string()), keys)
    assert not _all_among(pa.array(["P000003", "X"], pa.large_string()), keys)  # one missing
    assert not _all_among(pa.array(["P000003", None], pa.large_string()), keys)  # a missing end
    assert not _all_among(pa.array([f"P{i:06d}" for i in range(200)], pa.large_string()), keys)  # many
    twice = pa.concat_arrays([keys, pa.array(["P000003"], pa.large_string())])
    assert not _all_among(pa.array(["P000003", "X"], pa.large_string()), twice)
