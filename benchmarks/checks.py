"""Every check's time on the embedded store per size, and how it grows: the exponent k in time ∝ people^k
between consecutive sizes (1: linear; above ~1.2 a check is growing faster than the data).

    .venv/bin/python benchmarks/checks.py                              # township and county, seed 1
    .venv/bin/python benchmarks/checks.py --sizes township county prefecture --seed 3

Each size is loaded once into benchmarks/out/checks-<size>-seed<seed>.db (reused by later runs) and every
check is run on it in one process.  Wall time and the process's CPU time (LadybugDB's query threads
included) are both printed with the load average: on a busy machine the CPU exponent is the steadier one.
Results also go to benchmarks/out/checks.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import OUT, dataset  # noqa: E402  (the ingest benchmark's cached datasets)


def measure(size: str, seed: int) -> dict[str, Any]:
    """Every check's wall and CPU seconds and number of findings on the size's store."""
    from graphaudit.checks import CHECKS
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.store.embedded import LadybugStore

    data = dataset(size, seed)
    db = OUT / f"checks-{size}-seed{seed}.db"
    if not (db / "CURRENT").exists():
        t0 = time.perf_counter()
        with LadybugStore(db) as s:
            ingest(data, s)
        print(f"  loaded {size}: {time.perf_counter() - t0:.1f} s", flush=True)
    out: dict[str, Any] = {"size": size, "checks": {}}
    with LadybugStore(db, read_only=True) as store:
        out["people"] = store.run("MATCH (p:Person) RETURN count(p) AS n")[0]["n"]
        for name, check in CHECKS.items():
            w, c = time.perf_counter(), time.process_time()
            found = check.run(store, {})
            out["checks"][name] = {
                "seconds": time.perf_counter() - w,
                "cpu_seconds": time.process_time() - c,
                "findings": len(found),
                "load": os.getloadavg()[0],
            }
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def exponent(small: float, large: float, people_small: int, people_large: int) -> float:
    """k in time ∝ people^k between two sizes (times floored at 1 ms)."""
    return math.log(max(large, 1e-3) / max(small, 1e-3)) / math.log(people_large / people_small)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["township", "county"])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    runs = []
    for size in args.sizes:
        r = measure(size, args.seed)
        runs.append(r)
        print(f"{size}: {r['people']:,} people, peak {r['peak_mb']:.0f} MB", flush=True)
    head = "".join(f" {r['size'][:10]:>10s}" for r in runs)
    grow = "".join(f" {a['size'][:3]}→{b['size'][:3]} cpu/wall" for a, b in zip(runs, runs[1:]))
    print(f"{'check':26s}{head} (wall s){grow}", flush=True)
    for name in runs[0]["checks"]:
        times = "".join(f" {r['checks'][name]['seconds']:10.2f}" for r in runs)
        ks = ""
        for a, b in zip(runs, runs[1:]):
            x, y = a["checks"][name], b["checks"][name]
            kc = exponent(x["cpu_seconds"], y["cpu_seconds"], a["people"], b["people"])
            kw = exponent(x["seconds"], y["seconds"], a["people"], b["people"])
            ks += f" {kc:8.2f}/{kw:5.2f}"
        print(f"{name:26s}{times}{ks}", flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    (OUT / "checks.json").write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
