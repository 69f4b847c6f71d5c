"""Export benchmark: synth → ingest (embedded) → flagged selection → every format; seconds and sizes.

.venv/bin/python benchmarks/export.py [--size township] [--seed 7] [--hops 0]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from graphaudit.export import FORMATS, Selection, make_view, select, write_view
from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore
from graphaudit.synth import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="township")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--hops", type=int, default=0)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ga-export-bench-"))
    try:
        t = time.perf_counter()
        generate(tmp / "data", size=a.size, seed=a.seed, messy=False)
        store = LadybugStore(tmp / "g.db")
        ingest(tmp / "data", store)
        print(f"{a.size}: synth+ingest {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        g, findings = select(store, Selection("flagged", hops=a.hops))
        t_sel = time.perf_counter() - t
        t = time.perf_counter()
        view = make_view(g, findings)
        t_view = time.perf_counter() - t
        print(
            f"select (checks + subgraph, hops={a.hops}): {t_sel:.2f} s — {g.number_of_nodes()} nodes, "
            f"{g.number_of_edges()} relationships, {len(findings)} findings; view {t_view:.2f} s"
        )
        for fmt, f in FORMATS.items():
            t = time.perf_counter()
            files = write_view(
                view,
                fmt,
                tmp / "out" / fmt
                if fmt == "csv"
                else (tmp / "out").mkdir(exist_ok=True) or tmp / "out" / f"x{f.suffix}",
            )
            size = sum(f.stat().st_size for f in files)
            print(f"  {fmt:8s} {time.perf_counter() - t:6.2f} s  {size / 1e6:7.2f} MB  {len(files)} file(s)")
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
