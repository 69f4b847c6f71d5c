"""The two stores side by side on the same data in the same run: ingest time, then every check's time on each,
with the Neo4j / embedded ratio, and whether the findings are identical (they must be).

    .venv/bin/python benchmarks/stores.py                        # county, seed 1
    .venv/bin/python benchmarks/stores.py --size township --only kin_contract,split_contracts

A throwaway local Neo4j is started for the run (graphaudit.neo4j_local.server; jars from `make neo4j`) and
stopped after it.  Targets (issue 3): a county loads into Neo4j in < 3 min; the same findings on both stores.
Results also go to benchmarks/out/stores-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest import OUT, dataset, input_rows  # noqa: E402  (the ingest benchmark's cached datasets)


def timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    """fn(*args), its wall seconds and its CPU seconds in this process."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    from graphaudit.checks import CHECKS
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.neo4j_local.server import LocalNeo4j, ensure_jars
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.store.neo4j_store import Neo4jStore

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="county")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated checks (default: all)")
    ap.add_argument("--heap", default="2g", help="Neo4j heap (and page cache) size")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(CHECKS)
    data = dataset(args.size, args.seed)
    rows = input_rows(data)
    ensure_jars()
    result: dict[str, Any] = {"size": args.size, "seed": args.seed, "input_rows": rows, "checks": {}}
    with tempfile.TemporaryDirectory(prefix="ga-stores-") as tmp:
        server = LocalNeo4j(Path(tmp) / "neo4j", heap=args.heap, pagecache=args.heap)
        server.start()
        try:
            emb = LadybugStore(Path(tmp) / "g.db")
            neo = Neo4jStore(server.uri, server.user, server.password)
            stores = {"embedded": emb, "neo4j": neo}
            for name, st in stores.items():
                _, wall, cpu = timed(ingest, data, st)
                result[f"ingest_{name}"] = {"seconds": wall, "cpu_seconds": cpu, "rows_per_s": rows / wall}
                print(
                    f"ingest  {name:8s} {rows:>9,} rows  {wall:7.1f} s  ({rows / wall:,.0f} rows/s, "
                    f"client CPU {cpu:.1f} s)",
                    flush=True,
                )
            same_graph = emb.stats() == neo.stats()
            e, n = result["ingest_embedded"]["seconds"], result["ingest_neo4j"]["seconds"]
            print(
                f"ingest  neo4j/embedded {n / e:.1f}x  ({'same graph' if same_graph else 'GRAPHS DIFFER'})\n",
                flush=True,
            )
            result["same_graph"] = same_graph
            print(
                f"{'check':26s} {'embedded s':>10s} {'neo4j s':>9s} {'ratio':>6s} {'findings':>8s}  same",
                flush=True,
            )
            for c in names:
                got = {}
                for name, st in stores.items():
                    fs, wall, _ = timed(CHECKS[c].run, st, {})
                    got[name] = (wall, [f.to_dict(show_ids=True) for f in fs])
                (te, fe), (tn, fn_) = got["embedded"], got["neo4j"]
                same = fe == fn_
                result["checks"][c] = {"embedded_s": te, "neo4j_s": tn, "findings": len(fe), "same": same}
                print(
                    f"{c:26s} {te:10.2f} {tn:9.2f} {tn / te if te else 0:5.1f}x {len(fe):8d}  "
                    f"{'yes' if same else 'NO'}",
                    flush=True,
                )
            te = sum(v["embedded_s"] for v in result["checks"].values())
            tn = sum(v["neo4j_s"] for v in result["checks"].values())
            print(f"{'all checks':26s} {te:10.2f} {tn:9.2f} {tn / te if te else 0:5.1f}x", flush=True)
            emb.close()
            neo.close()
        finally:
            server.stop()
    result["peak_client_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"stores-{args.size}.json").write_text(json.dumps(result, indent=1))
    if not result["same_graph"] or not all(v["same"] for v in result["checks"].values()):
        sys.exit("the stores disagree")


if __name__ == "__main__":
    main()
