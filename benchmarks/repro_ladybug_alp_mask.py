"""Minimal reproduction, no graphaudit code: LadybugDB 0.22.0 reads a compressed DOUBLE as 0.0 under a mask.

    python benchmarks/repro_ladybug_alp_mask.py                    # wrong: 14197.91 read as 0.0 (exit 1)
    python benchmarks/repro_ladybug_alp_mask.py --no-compression   # right (exit 0)

The amounts of one node group (117,274 rows) of a synthetic prefecture's payments, in the order COPY wrote
them (``tests/fixtures/ladybug_alp_amounts.parquet``, as cents), are COPYed into
``Payment(id INT64, amount DOUBLE)``; one of them (row 96,093: 14,197.91) is linked by ``PAID_TO`` to the one
``Person`` whose ``flag`` is true, all others to another person.  Then

    MATCH (p:Payment)-[:PAID_TO]->(r:Person) WHERE r.flag RETURN p.id, p.amount

plans a scan of Payment under a semi-mask (the payments reached from the flagged person) and returns 0.0 for
row 96,093, while ``MATCH (p:Payment {id: 96093}) RETURN p.amount`` and a full scan return 14197.91.  The
same rows in a database opened with ``compression=False`` read right; so do slices of the node group (the
first 96,094 or 98,048 rows, the last 84,506 …): the column's float compression (ALP) chooses its encoding
from the whole chunk, and the value it keeps as an exception is lost on the masked path.  COPY runs on one
thread here so that the rows are laid out in this order; the query reads it wrong on one thread or several.
Seen in graphaudit as a ``deceased_recipient`` finding of "0元" in two of ~10 loads of
the same prefecture (the row layout COPY produces varies between loads).  The masked scan is not the only
path: in that prefecture's compressed graph, ``MATCH (n:Payment) WHERE n.pay_date = date('…') RETURN
n.amount`` with the date written into the query (a filter pushed into the scan) read 132 of the 1,296,922
amounts as 0.0, on 18 of 360 dates; with the date as a parameter, and in a full scan, none.  Dates, integers
and yes/no columns read right on every path tried, and so does a DECIMAL(18, 2) column of the same amounts in
a compressed database: graphaudit keeps every number with decimals as DECIMAL (graphaudit.store.decimals).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import ladybug
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ladybug_alp_amounts.parquet"
TARGET = 96_093


def masked_amount(folder: Path, compression: bool) -> tuple[float, float]:
    """(the amount the masked scan returns for the target row, the amount stored)."""
    amount = pq.read_table(FIXTURE).column("cents").to_numpy() / 100
    n = len(amount)
    db = ladybug.Database(str(folder / "g.lbdb"), compression=compression)
    conn = ladybug.Connection(db, num_threads=1)  # COPY writes the rows in order
    try:
        conn.execute("CREATE NODE TABLE Payment(id INT64, amount DOUBLE, PRIMARY KEY(id))")
        conn.execute("CREATE NODE TABLE Person(id INT64, flag BOOL, PRIMARY KEY(id))")
        conn.execute("CREATE REL TABLE PAID_TO(FROM Payment TO Person)")
        frame = pa.table({"id": pa.array(np.arange(n)), "amount": pa.array(amount)})
        conn.execute("COPY Payment FROM frame")
        frame = pa.table({"id": pa.array([0, 1]), "flag": pa.array([True, False])})
        conn.execute("COPY Person FROM frame")
        to = np.ones(n, dtype=np.int64)
        to[TARGET] = 0
        frame = pa.table({"from": pa.array(np.arange(n)), "to": pa.array(to)})  # noqa: F841 - read by COPY
        conn.execute("COPY PAID_TO FROM frame")
        res = conn.execute(
            "MATCH (p:Payment)-[:PAID_TO]->(r:Person) WHERE r.flag RETURN p.id AS id, p.amount AS a"
        )
        rows = res.get_as_arrow().to_pylist()  # type: ignore[union-attr]
        assert [r["id"] for r in rows] == [TARGET], rows
        return float(rows[0]["a"]), float(amount[TARGET])
    finally:
        conn.close()
        db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-compression", action="store_true", help="open the database with compression=False")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        got, want = masked_amount(Path(tmp), not args.no_compression)
    print(
        f"ladybug {ladybug.__version__}: masked scan read {got}, stored {want} → "
        + ("ok" if got == want else "WRONG")
    )
    sys.exit(0 if got == want else 1)


if __name__ == "__main__":
    main()
