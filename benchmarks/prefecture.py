"""A prefecture loaded into the embedded store under a watchdog, several times in a row (issue 20).

    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/prefecture.py            # 1 run, seed 3
    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/prefecture.py --runs 10 --stall 180
    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/prefecture.py --end-to-end

With ``--end-to-end`` each run also runs every check (collusive_cluster is the Leiden clusters) on the
store it loaded, in the same process, as ``graphaudit check`` runs them (graphaudit.checks.run_checks: one at
a time, or ``GRAPHAUDIT_CHECK_THREADS`` at a time), and reports each check's wall time and the peak RSS
when it ended, and the wall and CPU time of all checks.
Goal (issue 20): ingest + every check ≤ 5 min, peak ≤ 8 GB.

The synthetic prefecture (``graphaudit synth --size prefecture --seed 3``: 13 counties of 吕梁市, ~3.4M
people) is generated once under benchmarks/out/.  Each run is a default ``ingest`` into a fresh store in
a child process.  The watchdog kills a run and counts it as a hang when the process uses no CPU for
``--stall`` seconds (a deadlock: LadybugDB 0.22.0's workers waited in ``COPY Address`` here, using none,
before the store copied non-ASCII keys on one thread) or takes longer than ``--timeout`` seconds in all; a
slow run on a busy machine still uses CPU and is not a hang.
Per run: wall time, CPU time, peak RSS of the loading process, the machine's load average, node and
relationship counts.
Goal: no hang in 10 consecutive runs.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def dataset(seed: int) -> Path:
    """The prefecture for ``seed``, generated once; fails if it does not have every county of the city."""
    from graphaudit.synth import generate
    from graphaudit.synth.places import load_prefecture

    path = OUT / f"prefecture-seed{seed}"
    if not (path / "truth.json").exists():
        t0 = time.perf_counter()
        generate(path, size="prefecture", seed=seed, messy=False)
        print(f"synth prefecture: {time.perf_counter() - t0:.0f} s", flush=True)
    with (path / "households.csv").open(encoding="utf-8-sig") as fh:
        header = fh.readline().rstrip("\n").split(",")
        col = header.index("village_code") if "village_code" in header else None
        counties = {line.split(",")[col][:6] for line in fh} if col is not None else set()
    want = len(load_prefecture())
    if col is not None and len(counties) != want:
        raise SystemExit(f"{path}: {len(counties)} counties in households.csv, the prefecture has {want}")
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def differ(table: Any, graph: Any, key: str, col: str, numeric: bool) -> list[tuple[str, Any, Any]]:
    """(key, table value, graph value) of the rows whose ``col`` differs between a source table and what the
    graph holds (joined on ``key``; a row only one side has counts as different)."""
    import numpy as np
    import pandas as pd

    both = table[[key, col]].merge(graph.rename(columns={col: "graph"}), on=key, how="outer")
    if numeric:
        a = pd.to_numeric(both[col], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(both["graph"], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isclose(a, b) | (np.isnan(a) & np.isnan(b)))
    else:
        a, b = both[col].astype(str).where(both[col].notna(), ""), both["graph"].astype(str)
        bad = (a != b.where(both["graph"].notna(), "")).to_numpy()
    rows = both[bad]
    return list(zip(rows[key].tolist(), rows[col].tolist(), rows["graph"].tolist()))


def values_differ(store: Any) -> dict[str, list[tuple[str, Any, Any]]]:
    """Values the graph holds that are not those of the store's tables — an integrity check beside the
    store's own (which compares the graph with what the load handed to it, so a value wrong before that is
    not seen): each payment's amount and date against the subsidies table, each registered person's death
    date against the household register (where it has one).  The amounts are read three ways: by a full
    scan, and by the two query paths on which LadybugDB 0.22.0 misread compressed DOUBLEs as 0.0
    (benchmarks/repro_ladybug_alp_mask.py) — the payments of the people with a death date (a scan under a
    semi-mask) and the payments of each day with the date written into the query (a filter pushed into the
    scan).  The store keeps amounts as DECIMAL, which reads right on all three (graphaudit.store.decimals)."""
    import pandas as pd

    tables = store.read_tables()
    pays = store.run_columns(
        "MATCH (p:Payment) RETURN p.id AS payment_id, p.amount AS amount, p.pay_date AS d"
    )
    pay = pd.DataFrame(pays)
    out = {
        "Payment.amount": differ(
            tables["subsidies"], pay[["payment_id", "amount"]], "payment_id", "amount", True
        ),
        "Payment.pay_date": differ(
            tables["subsidies"],
            pay[["payment_id", "d"]].rename(columns={"d": "pay_date"}),
            "payment_id",
            "pay_date",
            False,
        ),
    }
    masked = pd.DataFrame(
        store.run_columns(
            "MATCH (p:Payment)-[:PAID_TO]->(r:Person) WHERE r.death_date IS NOT NULL "
            "RETURN p.id AS payment_id, p.amount AS amount"
        )
    ).drop_duplicates()
    subs = tables["subsidies"]
    out["Payment.amount (masked scan)"] = differ(
        subs[subs["payment_id"].isin(masked["payment_id"])], masked, "payment_id", "amount", True
    )
    days = sorted({d for d in pay["d"] if d is not None})
    by_day = pd.concat(
        [
            pd.DataFrame(
                store.run_columns(
                    f"MATCH (p:Payment) WHERE p.pay_date = date('{d.isoformat()}') "
                    "RETURN p.id AS payment_id, p.amount AS amount"
                )
            )
            for d in days
        ]
        or [pay[["payment_id", "amount"]].iloc[:0]]
    )
    dated = int(pay["d"].notna().sum())
    if len(by_day) != dated:
        raise AssertionError(f"{len(by_day)} payments read day by day, {dated} with a date")
    out["Payment.amount (date in the query)"] = differ(
        tables["subsidies"], by_day, "payment_id", "amount", True
    )
    hh = tables["households"]
    dead = hh[(hh["person_id"].fillna("") != "") & hh["death_date"].notna()][["person_id", "death_date"]]
    got = store.run_columns(
        "MATCH (n:Person) WHERE n.death_date IS NOT NULL RETURN n.id AS person_id, n.death_date AS death_date"
    )
    graph = pd.DataFrame(got)
    graph = graph[graph["person_id"].isin(dead["person_id"])]
    out["Person.death_date"] = differ(dead, graph, "person_id", "death_date", False)
    return out


def worker(data: str, checks: bool = False) -> None:
    """In a child: one default load into a fresh store (and with ``checks`` every check on it), then a JSON
    line."""
    from graphaudit.checks import CHECKS, run_checks
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.model import MODEL
    from graphaudit.store.embedded import LadybugStore

    phases: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ga-prefecture-") as tmp:
        store = LadybugStore(Path(tmp) / "g.db")
        t0, c0 = time.perf_counter(), time.process_time()
        report = ingest(Path(data), store)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        phases["ingest"] = {"seconds": secs, "cpu_seconds": cpu, "peak_mb": _peak_mb()}
        print(f"  ingest {secs:.1f} s (cpu {cpu:.0f} s) peak {_peak_mb() / 1024:.1f} GB", flush=True)
        stats = store.stats()
        differing = values_differ(store)
        print(
            "  values in the graph that differ from the tables: "
            + ", ".join(f"{k} {len(v)} {v[:3]}" for k, v in differing.items()),
            flush=True,
        )
        if checks:
            # as `graphaudit check` runs them (run_checks: one at a time unless GRAPHAUDIT_CHECK_THREADS)
            def done(name: str, seconds: float) -> None:
                phases[name] = {"seconds": seconds, "peak_mb": _peak_mb()}
                print(f"  {name:26} {seconds:6.1f} s  peak {_peak_mb() / 1024:.1f} GB", flush=True)

            w, c = time.perf_counter(), time.process_time()
            found = run_checks(store, list(CHECKS), on_done=done)
            for name, fs in found.items():
                phases[name]["findings"] = len(fs)
            phases["checks"] = {
                "seconds": time.perf_counter() - w,
                "cpu_seconds": time.process_time() - c,
                "peak_mb": _peak_mb(),
                "findings": sum(len(fs) for fs in found.values()),
            }
            ph = phases["checks"]
            print(
                f"  all checks {ph['seconds']:.1f} s (cpu {ph['cpu_seconds']:.0f} s) "
                f"peak {_peak_mb() / 1024:.1f} GB"
                f"  {ph['findings']} findings ("
                + ", ".join(f"{n} {len(fs)}" for n, fs in found.items())
                + ")",
                flush=True,
            )
        store.close()
    print(
        json.dumps(
            {
                "seconds": secs,
                "cpu_seconds": cpu,
                "peak_mb": _peak_mb(),
                "end_to_end_seconds": phases["ingest"]["seconds"]
                + phases.get("checks", {}).get("seconds", 0.0),
                "phases": phases,
                "load": os.getloadavg(),
                "nodes": sum(stats[k] for k in MODEL.nodes),
                "rels": sum(stats[k] for k in MODEL.rels),
                "rejected": report.rejected(),
                "stats": stats,
                "values_differ": {k: v[:20] for k, v in differing.items()},
            }
        ),
        flush=True,
    )


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def watch(proc: subprocess.Popen[str], timeout: float, stall: float) -> str | None:
    """Wait for ``proc``; kill it and say why if it stalls (no CPU for ``stall`` s) or exceeds ``timeout``."""
    t0 = last_change = time.monotonic()
    cpu = -1.0
    while proc.poll() is None:
        time.sleep(5)
        now = time.monotonic()
        try:
            used = _cpu_seconds(proc.pid)
        except (OSError, IndexError):
            continue
        if used > cpu + 0.5:
            cpu, last_change = used, now
        why = (
            f"no CPU used for {now - last_change:.0f} s"
            if now - last_change > stall
            else f"not done after {timeout:.0f} s"
            if now - t0 > timeout
            else None
        )
        if why:
            proc.kill()
            return why
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before a run counts as a hang")
    ap.add_argument("--stall", type=float, default=180, help="seconds without CPU use that make a hang")
    ap.add_argument("--end-to-end", action="store_true", help="also run every check on each loaded store")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data = dataset(args.seed)
    results: list[dict[str, Any]] = []
    for i in range(1, args.runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(data), *(["--checks"] if args.end_to_end else [])],
            stdout=subprocess.PIPE,
            text=True,
        )
        why = watch(proc, args.timeout, args.stall)
        out = proc.stdout.read() if proc.stdout else ""
        for line in out.splitlines()[:-1]:
            print(line, flush=True)
        proc.wait()
        if why:
            r: dict[str, Any] = {
                "run": i,
                "hang": True,
                "why": why,
                "seconds": time.perf_counter() - t0,
                "load": os.getloadavg(),
            }
            print(f"run {i}: HANG — {why}, killed (load {r['load'][0]:.1f})", flush=True)
        else:
            if proc.returncode != 0:
                raise SystemExit(f"run {i}: the load failed (exit {proc.returncode})")
            r = {"run": i, "hang": False, **json.loads(out.strip().splitlines()[-1])}
            print(
                f"run {i}: {r['seconds']:6.1f} s (cpu {r['cpu_seconds']:.0f} s)  "
                f"peak {r['peak_mb'] / 1024:5.1f} GB  "
                f"load {r['load'][0]:.1f} {r['load'][1]:.1f} {r['load'][2]:.1f}  "
                f"nodes {r['nodes']:,} rels {r['rels']:,} (Person {r['stats']['Person']:,}, "
                f"Address {r['stats']['Address']:,})",
                flush=True,
            )
            if args.end_to_end:
                print(f"run {i}: end to end {r['end_to_end_seconds']:.1f} s (goal 300 s, 8 GB)", flush=True)
        results.append(r)
        (OUT / "prefecture.json").write_text(json.dumps(results, indent=1))
    hangs = sum(r["hang"] for r in results)
    print(f"{len(results) - hangs} of {len(results)} runs loaded, {hangs} hung", flush=True)
    if hangs:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], checks="--checks" in sys.argv[3:])
    else:
        main()
