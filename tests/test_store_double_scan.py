"""The embedded store writes its graph so that a masked scan reads every DOUBLE right.

LadybugDB 0.22.0 returns 0.0 for a DOUBLE its compression keeps as an exception when a query scans the nodes
under a semi-mask (benchmarks/repro_ladybug_alp_mask.py; graphaudit.store.embedded.open_for_writing).  The
fixture is the node group of payment amounts that showed it; with the database compressed (LadybugDB's
default) this test reads 0.0 for row 96,093 and fails."""

from __future__ import annotations

from pathlib import Path

import ladybug
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from graphaudit.store.embedded import open_for_writing

FIXTURE = Path(__file__).parent / "fixtures" / "ladybug_alp_amounts.parquet"
TARGET = 96_093


def test_a_masked_scan_reads_the_amounts_the_store_wrote(tmp_path: Path) -> None:
    amount = pq.read_table(FIXTURE).column("cents").to_numpy() / 100
    n = len(amount)
    db = open_for_writing(tmp_path / "graph.lbdb", 1 << 34)
    conn = ladybug.Connection(db, num_threads=1)  # COPY lays the rows out in this order
    try:
        conn.execute("CREATE NODE TABLE Payment(id INT64, amount DOUBLE, PRIMARY KEY(id))")
        conn.execute("CREATE NODE TABLE Person(id INT64, flag BOOL, PRIMARY KEY(id))")
        conn.execute("CREATE REL TABLE PAID_TO(FROM Payment TO Person)")
        frame = pa.table({"id": pa.array(np.arange(n)), "amount": pa.array(amount)})
        conn.execute("COPY Payment FROM frame")
        frame = pa.table({"id": pa.array([0, 1]), "flag": pa.array([True, False])})
        conn.execute("COPY Person FROM frame")
        # one payment in a hundred (and the one that read 0.0) reached from the flagged person
        to = np.where(np.arange(n) % 100 == 7, 0, 1)
        to[TARGET] = 0
        frame = pa.table({"from": pa.array(np.arange(n)), "to": pa.array(to)})  # noqa: F841 - read by COPY
        conn.execute("COPY PAID_TO FROM frame")
        for threads in (1, 2):
            reader = ladybug.Connection(db, num_threads=threads)
            res = reader.execute(
                "MATCH (p:Payment)-[:PAID_TO]->(r:Person) WHERE r.flag RETURN p.id AS id, p.amount AS a"
            )
            got = res.get_as_arrow()  # type: ignore[union-attr]
            reader.close()
            ids = np.asarray(got.column("id").to_numpy())
            assert TARGET in ids and len(ids) == int((to == 0).sum())
            assert (np.asarray(got.column("a").to_numpy()) == amount[ids]).all()
    finally:
        conn.close()
        db.close()
