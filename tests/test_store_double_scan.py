"""The embedded store writes its numbers so that every query path reads them right.

LadybugDB 0.22.0 returns 0.0 for a DOUBLE its compression keeps as an exception when a query scans the nodes
under a semi-mask, or with a literal filter pushed into the scan (benchmarks/repro_ladybug_alp_mask.py;
graphaudit.store.embedded.open_for_writing).  The store keeps every model double as a DECIMAL instead
(graphaudit.store.decimals).  The fixture is the node group of payment amounts that showed the misread; with
the amount column a DOUBLE, this test reads 0.0 for row 96,093 and fails."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import ladybug
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from graphaudit.model import MODEL, ladybug_type
from graphaudit.store.decimals import floats, for_copy
from graphaudit.store.embedded import open_for_writing

FIXTURE = Path(__file__).parent / "fixtures" / "ladybug_alp_amounts.parquet"
TARGET = 96_093


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[ladybug.Database, np.ndarray, np.ndarray]:
    """A database the store's way (compressed, the amount column of the model's type) holding the fixture's
    amounts, one payment in a hundred (and the one that read 0.0) paid to the flagged person."""
    amount = pq.read_table(FIXTURE).column("cents").to_numpy() / 100
    n = len(amount)
    db = open_for_writing(tmp_path_factory.mktemp("scan") / "graph.lbdb", 1 << 34)
    conn = ladybug.Connection(db, num_threads=1)  # COPY lays the rows out in this order
    money = ladybug_type("double", MODEL.nodes["Payment"].decimals["amount"])
    conn.execute(f"CREATE NODE TABLE Payment(id STRING, amount {money}, pay_date DATE, PRIMARY KEY(id))")
    conn.execute("CREATE NODE TABLE Person(id STRING, flag BOOL, PRIMARY KEY(id))")
    conn.execute("CREATE REL TABLE PAID_TO(FROM Payment TO Person)")
    days = np.arange(n) % 360
    frame = for_copy(
        "node",
        "Payment",
        pa.table(
            {
                "id": pa.array([f"p{i:06d}" for i in range(n)]),
                "amount": pa.array(amount),
                "pay_date": pa.array([date(2024, 1, 1) + timedelta(days=int(d)) for d in days], pa.date32()),
            }
        ),
    )
    conn.execute("COPY Payment FROM frame")
    frame = pa.table({"id": pa.array(["a", "b"]), "flag": pa.array([True, False])})
    conn.execute("COPY Person FROM frame")
    to = np.where(np.arange(n) % 100 == 7, "a", "b")
    to[TARGET] = "a"
    frame = pa.table({"from": frame_ids(n), "to": pa.array(to)})  # noqa: F841 - read by COPY
    conn.execute("COPY PAID_TO FROM frame")
    conn.close()
    yield db, amount, to
    db.close()


def frame_ids(n: int) -> pa.Array:
    return pa.array([f"p{i:06d}" for i in range(n)])


def read(db: ladybug.Database, query: str, threads: int) -> pa.Table:
    reader = ladybug.Connection(db, num_threads=threads)
    try:
        return floats(reader.execute(query).get_as_arrow())  # type: ignore[union-attr]
    finally:
        reader.close()


@pytest.mark.parametrize("threads", [1, 2])
def test_a_masked_scan_reads_the_amounts_the_store_wrote(written, threads: int) -> None:
    db, amount, to = written
    got = read(
        db, "MATCH (p:Payment)-[:PAID_TO]->(r:Person) WHERE r.flag RETURN p.id AS id, p.amount AS a", threads
    )
    ids = np.array([int(i[1:]) for i in got.column("id").to_pylist()])
    assert TARGET in ids and len(ids) == int((to == "a").sum())
    assert (np.asarray(got.column("a").to_numpy()) == amount[ids]).all()


def test_a_literal_filter_in_the_scan_reads_the_amounts_the_store_wrote(written) -> None:
    """The other path that misread DOUBLEs: a date written into the query, pushed into the scan."""
    db, amount, _ = written
    n = len(amount)
    for day in (0, 96_093 % 360, 359):
        d = date(2024, 1, 1) + timedelta(days=day)
        got = read(
            db,
            f"MATCH (p:Payment) WHERE p.pay_date = date('{d.isoformat()}') RETURN p.id AS id, p.amount AS a",
            2,
        )
        ids = np.array([int(i[1:]) for i in got.column("id").to_pylist()])
        assert sorted(ids.tolist()) == np.flatnonzero(np.arange(n) % 360 == day).tolist()
        assert (np.asarray(got.column("a").to_numpy()) == amount[ids]).all()
