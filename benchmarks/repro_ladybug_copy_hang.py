"""Minimal reproduction, no graphaudit code: LadybugDB 0.22.0 hangs in COPY of STRING primary keys.

    timeout 120 python benchmarks/repro_ladybug_copy_hang.py --chars 4 --rows 300000   # hangs (exit 124)
    timeout 120 python benchmarks/repro_ladybug_copy_hang.py --chars 4 --rows 250000   # ok
    timeout 120 python benchmarks/repro_ladybug_copy_hang.py --chars 4 --rows 300000 --threads 1  # ok
    timeout 120 python benchmarks/repro_ladybug_copy_hang.py --ascii --chars 18 --rows 3000000    # ok
    timeout 120 python benchmarks/repro_ladybug_copy_hang.py --int --rows 3000000                 # ok

Builds ``--rows`` distinct random strings of ``--chars`` Chinese characters (``--ascii``: lower-case
letters; ``--int``: INT64 keys), puts them in an Arrow table cut into ``--batch``-row record batches and runs
``COPY Address FROM frame`` into ``CREATE NODE TABLE Address(id STRING, PRIMARY KEY(id))`` on a fresh
database.  Prints ``ok`` when COPY returns; a hang never prints (two workers wait in the primary-key index
builder, no CPU used), so run it under ``timeout``.  ``--threads``: the connection's threads (0: default).

Measured on a 2-core machine (3 runs each unless said): 300k Chinese keys of 4 characters (12 bytes)
hang 3/3, of 12 characters 3/3 (16,384-row batches); 160k of 12 characters hang 1 run in 3; 250k of 4
characters pass 3/3; with ``--threads 1`` 1.5M Chinese keys pass; 400k ASCII keys of 12 letters (the same
12 bytes) and 3M of 18 letters pass, as do 3M INT64 keys.  The batch size does not help (with 160k-300k keys,
batches of 2,048, 16,384, 65,536 rows and one batch of all rows all hung).  So the trigger is a parallel COPY
of a few hundred thousand distinct non-ASCII keys.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time

import ladybug
import pyarrow as pa

HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def keys(n: int, chars: int, seed: int, ascii_only: bool, sort: bool) -> list[str]:
    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(ord("a"), ord("z") + 1)] if ascii_only else HAN
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(alphabet) for _ in range(chars)))
    return sorted(out) if sort else list(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=160_000, help="distinct primary-key values")
    ap.add_argument("--batch", type=int, default=65_536, help="rows per Arrow record batch")
    ap.add_argument("--threads", type=int, default=0, help="connection threads (0: default)")
    ap.add_argument("--chars", type=int, default=12, help="characters per key")
    ap.add_argument("--ascii", action="store_true", help="ASCII keys instead of Chinese")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sorted", action="store_true", help="keys in sorted order")
    ap.add_argument("--int", action="store_true", help="INT64 keys 0..rows-1 (shuffled) instead of strings")
    args = ap.parse_args()
    if args.int:
        ints = list(range(args.rows))
        random.Random(args.seed).shuffle(ints)
        table = pa.table({"id": pa.array(ints, pa.int64())})
    else:
        table = pa.table(
            {"id": pa.array(keys(args.rows, args.chars, args.seed, args.ascii, args.sorted), pa.string())}
        )
    frame = pa.Table.from_batches(table.to_batches(max_chunksize=args.batch), table.schema)  # noqa: F841
    with tempfile.TemporaryDirectory() as tmp:
        db = ladybug.Database(f"{tmp}/g.lbdb")
        conn = ladybug.Connection(db, num_threads=args.threads) if args.threads else ladybug.Connection(db)
        conn.execute(f"CREATE NODE TABLE Address(id {'INT64' if args.int else 'STRING'}, PRIMARY KEY(id))")
        t0 = time.perf_counter()
        conn.execute("COPY Address FROM frame")
        n = conn.execute("MATCH (a:Address) RETURN count(a)").get_next()[0]  # type: ignore[union-attr]
        print(f"ok {time.perf_counter() - t0:.2f} s, {n} rows, ladybug {ladybug.__version__}", flush=True)
        conn.close()
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
