"""Collusive-cluster detection at county size: time on the embedded store, recall of the generator's planted
rings, near-misses flagged, and clusters flagged per 10,000 people.

    .venv/bin/python benchmarks/clusters.py                 # county, seed 1
    .venv/bin/python benchmarks/clusters.py --size township --seed 3

The dataset and its store are cached under benchmarks/out/clusters-<size>[-seed]/ (git-ignored).  A planted
ring (truth.json: check collusive_cluster, not accidental) is *found* when a finding holds one of its records
and *whole* when one finding holds all of them.  Target (issue 5): detection under 20 s on a county, recall
1.0; issue 20: at prefecture size at most 35 s and 1 GB over the open store.  Wall time depends on what else
the machine runs: the CPU time and load average are printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="county")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from graphaudit.clusters.explain import to_findings
    from graphaudit.clusters.pipeline import detect_clusters, flagged
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.synth import generate

    out = (
        ROOT
        / "benchmarks"
        / "out"
        / (f"clusters-{args.size}" + ("" if args.seed == 1 else f"-seed{args.seed}"))
    )
    data, db = out / "data", out / "g.db"
    if not (data / "truth.json").exists():
        t0 = time.perf_counter()
        generate(data, args.size, args.seed)
        print(f"generated {args.size} seed {args.seed}: {time.perf_counter() - t0:.1f} s", flush=True)
    if not db.exists():
        t0 = time.perf_counter()
        with LadybugStore(db) as s:
            ingest(data, s)
        print(f"ingested: {time.perf_counter() - t0:.1f} s", flush=True)
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    with LadybugStore(db, read_only=True) as store:
        people = store.run("MATCH (p:Person) RETURN count(p) AS n")[0]["n"]
        base = _rss_mb()  # the open store: what detection adds is measured from here
        t0, c0 = time.perf_counter(), time.process_time()
        det = detect_clusters(store)
        hits = flagged(det)
        findings = to_findings(store, det, hits)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rings = [c for c in truth["cases"] if c["check"] == "collusive_cluster" and not c["accidental"]]
    other = [c for c in truth["cases"] if c["check"] == "collusive_cluster" and c["accidental"]]
    near = [c for c in truth["near_misses"] if c["would_be_check"] == "collusive_cluster"]
    recs = [set(f.record_ids) for f in findings]
    found = [c for c in rings if any(set(c["record_ids"]) & r for r in recs)]
    whole = [c for c in rings if any(set(c["record_ids"]) <= r for r in recs)]
    missed = Counter(c["variant"] for c in rings if c not in found)
    fired = [c for c in near if any(set(c["record_ids"]) & r for r in recs)]
    matching = sum(1 for r in recs if any(set(c["record_ids"]) & r for c in rings + other))
    print(
        f"projection: {len(det.projection.nodes):,} nodes, {len(det.projection.edges):,} edges; "
        f"{len(set(det.membership)):,} communities; {len(det.clusters)} clusters with conflict links"
    )
    print(
        f"detection time: {total:.1f} s  ({', '.join(f'{k} {v:.1f} s' for k, v in det.seconds.items())}, "
        f"findings {total - sum(det.seconds.values()):.1f} s); "
        f"CPU {cpu:.1f} s (time.process_time, all threads); "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
        f"peak RSS {peak:.0f} MB ({peak - base:+.0f} MB over the open store's {base:.0f} MB)"
    )
    print(f"planted rings: {len(rings)} ({dict(Counter(c['variant'] for c in rings))})")
    print(
        f"recall: {len(found) / len(rings):.3f} found, {len(whole) / len(rings):.3f} whole in one finding"
        + (f"; missed {dict(missed)}" if missed else "")
    )
    print(
        f"flagged: {len(findings)} clusters, "
        f"{10000 * len(findings) / people:.2f} per 10k people ({people:,}); "
        f"{matching} match a truth cluster (planted or accidental: {len(rings) + len(other)})"
    )
    print(f"near-misses (clan without cadre) flagged: {len(fired)} of {len(near)}")


def _rss_mb() -> float:
    """The resident set size now (Linux /proc; 0 elsewhere), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


if __name__ == "__main__":
    main()
