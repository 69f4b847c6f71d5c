"""Ingest speed and peak memory, per size and store, on the same synthetic data in the same run.

    .venv/bin/python benchmarks/ingest.py                       # township and county, embedded store
    .venv/bin/python benchmarks/ingest.py --neo4j               # + a throwaway local Neo4j, side by side
    .venv/bin/python benchmarks/ingest.py --sizes township --seed 3
    .venv/bin/python benchmarks/ingest.py --sizes county --monthly   # one month into an existing store

Each measurement runs in its own process so that peak RSS (ru_maxrss) belongs to that load alone.  Wall time
is what the target is about; the process's CPU time (``cpu``, the load's own threads included) and the
machine's load average are printed beside it, because other work on a shared machine inflates wall time.
Targets (issues 2 and 3): a county loads into the embedded store in < 30 s and into Neo4j in < 3 min.
Issue 20: a county loads in ≤ 25× its *read floor* — the time pyarrow.csv needs just to read the same CSV
files (best of three, in this process) — and each line prints the floor and the ratio.  Beside it the *write
floor*: the seconds LadybugDB's COPY alone needs for the same graph (the frames a load hands it, COPYed again
into an empty database with nothing else running, best of two; ``--no-copy-floor`` skips it), and where a
first load's time goes (phases, as for ``--monthly``).

``--monthly`` (issue 20): the store is first loaded with everything but the last month's payments (not timed),
then that month's file is loaded on its own into it (timed) — the monthly load of an office; the embedded
store edits a copy of its graph where it differs (``graph: edited``) and only the frames whose sources
changed are built again.  Goal: a county's month in <= 3 s.  It also prints where the monthly load's time
goes: per phase the wall seconds it ran for (summed over calls) and when it started and ended, from the
load's start (building and writing overlap: they run in two threads).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
NEO4J_PAGECACHE = "1g"


def dataset(size: str, seed: int) -> Path:
    """The synthetic dataset for size/seed, generated once and cached under benchmarks/out/."""
    from graphaudit.synth import generate

    path = OUT / f"{size}-seed{seed}"
    if not (path / "truth.json").exists():
        t0 = time.perf_counter()
        generate(path, size=size, seed=seed, messy=False)
        print(f"  synth {size}: {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def input_rows(path: Path) -> int:
    n = 0
    for f in path.iterdir():
        if f.suffix.lower() == ".csv":
            with f.open("rb") as fh:
                n += sum(1 for _ in fh) - 1
    return n


def read_floor(path: Path, repeat: int = 3) -> float:
    """Seconds pyarrow.csv needs to read the dataset's CSV files into Arrow tables (best of ``repeat``): the
    least any ingest of the same files could cost."""
    import pyarrow.csv as pacsv

    files = sorted(f for f in path.iterdir() if f.suffix.lower() == ".csv")
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for f in files:
            pacsv.read_csv(f)
        best = min(best, time.perf_counter() - t0)
    return best


def month_split(data: Path) -> tuple[Path, Path]:
    """Two folders of links into ``data``: everything but the last month's payments, and that month alone."""
    months = sorted(data.glob("subsidies_*.csv"))
    base, month = Path(f"{data}-base"), Path(f"{data}-{months[-1].stem}")
    for folder, files in (
        (base, [f for f in data.iterdir() if f.suffix == ".csv" and f != months[-1]]),
        (month, [months[-1]]),
    ):
        if not folder.exists():
            folder.mkdir()
            for f in files:
                os.symlink(f, folder / f.name)
    return base, month


#: (module, function) timed in a monthly load, and the name printed for it.
PHASES = [
    ("graphaudit.store.embedded", "LadybugStore.read_tables", "read store tables"),
    ("graphaudit.ingest.pipeline", "read_dataset", "read + adapt new files"),
    ("graphaudit.ingest.pipeline", "merge_tables", "merge"),
    ("graphaudit.ingest.pipeline", "_match_names", "match names"),
    ("graphaudit.ingest.pipeline", "_same", "compare tables"),
    ("graphaudit.ingest.pipeline", "build_graph", "build graph (changed frames)"),
    ("graphaudit.ingest.build", "_row_delta", "  changed rows of a source"),
    ("graphaudit.ingest.build", "_patch", "  node frames patched"),
    ("graphaudit.ingest.build", "_rel_patch", "  relationship frames patched"),
    ("graphaudit.ingest.build", "_nodes", "  node frames (rows computed)"),
    ("graphaudit.ingest.build", "_rel", "  relationship frames (rows computed)"),
    ("graphaudit.ingest.kinship", "_derive", "  kinship"),
    ("graphaudit.store.embedded", "LadybugStore._write_tables", "write tables (Parquet)"),
    ("graphaudit.store.embedded", "LadybugStore._validate", "validate new frames"),
    ("graphaudit.store.embedded", "LadybugStore._write_graph", "write graph (copy + edit)"),
    ("graphaudit.store.embedded", "_arrow", "  frames to Arrow"),
    ("graphaudit.store.embedded", "checksum", "  checksums"),
    ("graphaudit.store.embedded", "digest", "  digests"),
    ("graphaudit.store.embedded", "LadybugStore._patch_frame", "  patched frames written"),
    ("graphaudit.store.embedded", "read_digest", "  digests read"),
    ("graphaudit.store.embedded", "write_digest", "  digests written"),
    ("graphaudit.store.embedded", "apply_frame", "  edits (delete, COPY, SET)"),
    ("graphaudit.store.embedded", "LadybugStore._take_prefetch", "  copy of the live graph (waited for)"),
    ("graphaudit.store.embedded", "_checkpoint", "  checkpoint"),
    ("graphaudit.store.verify", "Expected.check", "  check of the graph written"),
]


#: (module, function) timed in a first load (the whole graph COPYed), and the name printed for it.
FULL_PHASES = [
    ("graphaudit.ingest.pipeline", "read_dataset", "read + adapt files"),
    ("graphaudit.ingest.pipeline", "merge_tables", "merge"),
    ("graphaudit.ingest.pipeline", "_match_names", "match names"),
    ("graphaudit.ingest.pipeline", "build_graph", "build graph"),
    ("graphaudit.ingest.build", "_nodes", "  node frames"),
    ("graphaudit.ingest.build", "_rel", "  relationship frames"),
    ("graphaudit.ingest.kinship", "_derive", "  kinship"),
    ("graphaudit.store.embedded", "LadybugStore._write_tables", "write tables (Parquet)"),
    ("graphaudit.store.embedded", "LadybugStore._write_graph", "write graph (COPY)"),
    ("graphaudit.store.embedded", "_arrow", "  frames to Arrow"),
    ("graphaudit.store.embedded", "_copy_rows", "  COPY"),
    ("graphaudit.store.embedded", "LadybugStore._hash_frame", "  checksums + digests (beside COPY)"),
    ("graphaudit.store.verify", "Expected.check", "  check of the graph written"),
]


def _time_phases(phases: list[tuple[str, str, str]] = PHASES) -> dict[str, list[float]]:
    """Wrap the phases' functions: name → [seconds, calls, first start, last end] (perf_counter)."""
    import functools
    import importlib

    spans: dict[str, list[float]] = {}
    for module, qual, name in phases:
        owner: object = importlib.import_module(module)
        *path, attr = qual.split(".")
        for p in path:
            owner = getattr(owner, p)
        fn = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        wrapped = fn.__func__ if isinstance(fn, (staticmethod, classmethod)) else fn

        @functools.wraps(wrapped)
        def timed(*a: object, _fn=wrapped, _name=name, **k: object) -> object:
            t = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                end = time.perf_counter()
                s = spans.setdefault(_name, [0.0, 0, t, end])
                s[0] += end - t
                s[1] += 1
                s[3] = end

        setattr(owner, attr, type(fn)(timed) if isinstance(fn, (staticmethod, classmethod)) else timed)
    return spans


def worker(data: str, store: str, uri: str | None, base: str | None = None) -> None:
    """Runs in a child process: one load, timed, then prints a JSON line (with ``base``: that folder is
    loaded first, not timed)."""
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.model import MODEL
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.store.neo4j_store import Neo4jStore

    with tempfile.TemporaryDirectory() as tmp:
        s = (
            Neo4jStore(uri, os.environ["NEO4J_USER"], os.environ["NEO4J_PASSWORD"])
            if store == "neo4j"
            else LadybugStore(Path(tmp) / "g.db")
        )
        if store == "neo4j":
            s._wipe()
            s._write("MATCH (t:GraphauditTable) DETACH DELETE t")
        if base:
            ingest(Path(base), s)
        spans = _time_phases(PHASES if base else FULL_PHASES) if store != "neo4j" else {}
        t0, c0 = time.perf_counter(), time.process_time()
        report = ingest(Path(data), s)
        gen = s.data_version() if store != "neo4j" else None
        how = json.loads((Path(tmp) / "g.db" / gen / "manifest.json").read_text())["graph"] if gen else None
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        stats = s.stats()
        s.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": secs,
                "cpu_seconds": cpu,
                "load": os.getloadavg()[0],
                "peak_mb": peak,
                "nodes": sum(stats[k] for k in MODEL.nodes),
                "rels": sum(stats[k] for k in MODEL.rels),
                "rejected": report.rejected(),
                "stats": stats,
                "graph": how,
                "phases": {
                    name: {"seconds": v[0], "calls": v[1], "from": v[2] - t0, "to": v[3] - t0}
                    for name, v in spans.items()
                },
            }
        )
    )


def copy_floor(data: str, repeat: int = 2) -> None:
    """Runs in a child process: the *write floor* — the seconds LadybugDB's COPY alone needs for the graph a
    load of ``data`` hands it: the frames are captured during a load (not timed), then COPYed into an empty
    database with the model's tables, in the same order and the same way (graphaudit.store.embedded's
    ``_copy_rows``), with nothing else running; best of ``repeat``.  Prints a JSON line."""
    import ladybug

    import graphaudit.store.embedded as embedded
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.model import MODEL

    frames: list[tuple[str, object, object]] = []
    copy_rows = embedded._copy_rows

    def keep(conn: object, serial: object, kind: str, key: object, table: object) -> None:
        frames.append((kind, key, table))
        copy_rows(conn, serial, kind, key, table)  # type: ignore[arg-type]

    embedded._copy_rows = keep  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        s = embedded.LadybugStore(Path(tmp) / "g.db")
        ingest(Path(data), s)
        s.close()
    embedded._copy_rows = copy_rows
    best = float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            db = embedded.open_for_writing(Path(tmp) / "graph.lbdb", 1 << 36)
            conn, serial = ladybug.Connection(db), ladybug.Connection(db, num_threads=1)
            for stmt in MODEL.ladybug_ddl():
                conn.execute(stmt)
            t0 = time.perf_counter()
            for kind, key, table in frames:
                copy_rows(conn, serial, kind, key, table)  # type: ignore[arg-type]
            best = min(best, time.perf_counter() - t0)
            serial.close()
            conn.close()
            db.close()
    rows = sum(len(t) for _, _, t in frames)  # type: ignore[arg-type]
    print(json.dumps({"copy_seconds": best, "frames": len(frames), "rows": rows}))


def measure(data: Path, store: str, uri: str | None = None, base: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", str(data), store, uri or "", str(base or "")]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["township", "county"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--neo4j", action="store_true", help="also load into a throwaway local Neo4j")
    ap.add_argument(
        "--monthly", action="store_true", help="time the last month loaded into a store of the rest"
    )
    ap.add_argument(
        "--no-copy-floor",
        dest="copy_floor",
        action="store_false",
        help="skip the write floor (the graph's COPY alone, measured after each embedded load)",
    )
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    server = None
    if args.neo4j:
        from graphaudit.neo4j_local.server import LocalNeo4j, ensure_jars

        ensure_jars()
        # The page cache holds a county's store files (~420 MB; 256m did not) so the load does not evict; a
        # production server would be sized the same way.
        server = LocalNeo4j(
            Path(tempfile.mkdtemp(prefix="ga-bench-neo4j-")),
            heap="2g",
            initial_heap="2g",
            pagecache=NEO4J_PAGECACHE,
        )
        server.start()
        print(f"neo4j server: heap 2g (initial 2g), page cache {NEO4J_PAGECACHE}", flush=True)
        os.environ["NEO4J_USER"], os.environ["NEO4J_PASSWORD"] = server.user, server.password
    results = []
    try:
        for size in args.sizes:
            data = dataset(size, args.seed)
            base = None
            if args.monthly:
                base, data = month_split(data)
            rows = input_rows(data)
            floor = read_floor(data) if base is None else None  # a month's file: the ratio means nothing
            for store in ["embedded"] + (["neo4j"] if server else []):
                r = measure(data, store, server.uri if server and store == "neo4j" else None, base)
                r.update(
                    size=size,
                    store=store,
                    input_rows=rows,
                    rows_per_s=rows / r["seconds"],
                    read_floor_seconds=floor,
                    floor_ratio=r["seconds"] / floor if floor else None,
                )
                results.append(r)
                print(
                    f"{size:9s} {store:8s} {rows:>9,} rows  {r['seconds']:7.1f} s  "
                    f"(cpu {r['cpu_seconds']:.1f} s, load {r['load']:.1f})  "
                    f"{r['rows_per_s']:>9,.0f} rows/s  peak {r['peak_mb']:7.0f} MB  "
                    f"nodes {r['nodes']:,} rels {r['rels']:,}"
                    + (f"  read floor {floor:.2f} s → {r['floor_ratio']:.0f}× floor" if floor else "")
                    + (f"  ({data.name}, graph {r['graph']})" if base else ""),
                    flush=True,
                )
                for _, _, name in PHASES if base else FULL_PHASES:
                    p = r.get("phases", {}).get(name)
                    if p:
                        print(
                            f"    {name:30s} {p['seconds']:6.2f} s  ({p['calls']}×, "
                            f"{p['from']:5.2f} → {p['to']:5.2f} s)",
                            flush=True,
                        )
                if store == "embedded" and floor and args.copy_floor:
                    cmd = [sys.executable, __file__, "--copy-floor", str(data)]
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
                    w = json.loads(out.stdout.strip().splitlines()[-1])
                    r.update(copy_floor_seconds=w["copy_seconds"], copy_floor_ratio=w["copy_seconds"] / floor)
                    print(
                        f"{size:9s} write floor: LadybugDB's COPY alone of the same graph "
                        f"({w['frames']} frames, {w['rows']:,} rows, into an empty database, nothing else "
                        f"running) {w['copy_seconds']:.2f} s → {r['copy_floor_ratio']:.0f}× the read floor; "
                        f"the load is {r['seconds'] / w['copy_seconds']:.1f}× its write floor",
                        flush=True,
                    )
            if server:
                e, n = (
                    next(x for x in results if x["size"] == size and x["store"] == s)
                    for s in ("embedded", "neo4j")
                )
                same = "same graph" if e["stats"] == n["stats"] else "GRAPHS DIFFER"
                print(
                    f"{size:9s} neo4j/embedded time ratio {n['seconds'] / e['seconds']:.1f}x ({same})",
                    flush=True,
                )
    finally:
        if server:
            server.stop()
    (OUT / ("ingest-monthly.json" if args.monthly else "ingest.json")).write_text(
        json.dumps(results, indent=1, default=str)
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4] or None, sys.argv[5] or None)
    elif len(sys.argv) > 1 and sys.argv[1] == "--copy-floor":
        copy_floor(sys.argv[2])
    else:
        main()
