"""Names without IDs (issue 18): how the names the messy generator writes without IDs are linked, against its
truth, and what matching costs at ingest.

    .venv/bin/python benchmarks/names.py                       # county, messy
    .venv/bin/python benchmarks/names.py --size township --repeat 3

For each name written without an ID (approvers by name, contractors by a variant of the company name,
recipients in traditional characters or with a homophone) the load's resolution is compared with the truth:
linked to the right person or company, linked wrongly (must be 0), waiting for review, or left unmatched.  The
time of ``prepare`` (read, merge, match, build the graph) is measured with matching and with matching replaced
by the plain by-ID resolution, and the time spent inside the matching itself (less noisy on a busy machine);
matching may add at most 10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


#: Wall and CPU seconds spent inside matching.resolve, per timed run with matching.
INSIDE: list[tuple[float, float]] = []


def _timed(data: Path, match: bool, full: bool = False) -> tuple[float, dict[str, Any]]:
    from graphaudit.ingest import matching, pipeline

    real = matching.resolve

    def measured(tables: dict[str, Any], issues: list[Any], decisions: Any = None) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return real(tables, issues, decisions)
        finally:
            INSIDE.append((time.perf_counter() - t0, time.process_time() - c0))

    def by_id_only(tables: dict[str, Any], issues: list[Any], decisions: Any = None) -> Any:
        for name, roles in (
            ("subsidies", ("recipient", "approver")),
            ("contracts", ("contractor", "approver")),
        ):
            t = tables.get(name)
            if t is not None and len(t):
                for r in roles:
                    t = matching.by_id(t, r, key="recipient_id" if r == "recipient" else None)
                tables[name] = t
        return matching.MatchStats()

    matching.resolve = measured if match else by_id_only
    try:
        t0 = time.perf_counter()
        if full:
            import tempfile

            from graphaudit.store.embedded import LadybugStore

            with tempfile.TemporaryDirectory(dir=OUT) as tmp, LadybugStore(Path(tmp) / "g.db") as store:
                t0 = time.perf_counter()
                pipeline.ingest(data, store)
                return time.perf_counter() - t0, {}
        tables, _, _ = pipeline.prepare({}, data)
        return time.perf_counter() - t0, tables
    finally:
        matching.resolve = real


def _score(tables: dict[str, Any], manifest: dict[str, list[dict[str, Any]]]) -> dict[str, Counter[str]]:
    sub = tables["subsidies"].set_index("payment_id")
    con = tables["contracts"].set_index("contract_id")
    out: dict[str, Counter[str]] = {}

    def judge(kind: str, frame: Any, rec: str, key_col: str, how_col: str, truth: str) -> None:
        c = out.setdefault(kind, Counter())
        how = frame.at[rec, how_col]
        key = frame.at[rec, key_col]
        if how in ("name", "variant", "review", "id"):
            c["right" if str(key).upper() == truth.upper() else "wrong"] += 1
        else:
            c[str(how)] += 1

    for m in manifest.get("name_only_approvers", []):
        frame = sub if m["file"].startswith("subsidies") else con
        judge("approver", frame, m["record"], "approver_key", "approver_matched_by", m["person_id"])
    for m in manifest.get("contractor_variants", []):
        judge("contractor", con, m["record"], "contractor_key", "contractor_matched_by", m["company_id"])
    for m in manifest.get("recipient_variants", []):
        judge(
            f"recipient {m['kind']}",
            sub,
            m["payment_id"],
            "recipient_id",
            "recipient_matched_by",
            m["person_id"],
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="county")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--full", action="store_true", help="also time the whole ingest into a fresh store")
    a = ap.parse_args()
    from graphaudit.synth import generate

    data = OUT / f"names-{a.size}-seed{a.seed}-messy"
    if not (data / "truth.json").exists():
        generate(data, size=a.size, seed=a.seed, messy=True)
    manifest = json.loads((data / "truth.json").read_text(encoding="utf-8"))["messy_manifest"]
    with_m, without = [], []
    tables: dict[str, Any] = {}
    for _ in range(a.repeat):
        s, _ = _timed(data, False)
        without.append(s)
        s, tables = _timed(data, True)
        with_m.append(s)
    res = _score(tables, manifest)
    print(f"{data.name}: names written without IDs, resolved against the truth")
    for kind, c in sorted(res.items()):
        total = sum(c.values())
        print(f"  {kind:24} {total:6}  " + "  ".join(f"{k} {v}" for k, v in sorted(c.items())))
    wrong = sum(c["wrong"] for c in res.values())
    a_med, b_med = statistics.median(with_m), statistics.median(without)
    print(f"  wrong links: {wrong}")
    print(
        f"  prepare (read+merge+match+graph), median of {a.repeat}: without matching {b_med:.2f} s, "
        f"with {a_med:.2f} s (+{(a_med / b_med - 1) * 100:.1f} %)"
    )
    wall = statistics.median(w for w, _ in INSIDE)
    cpu = statistics.median(c for _, c in INSIDE)
    print(
        f"  inside matching.resolve, median: {wall:.2f} s wall, {cpu:.2f} s CPU = "
        f"{wall / b_med * 100:.1f} % of prepare without matching; load average {os.getloadavg()[0]:.1f}"
    )
    if a.full:
        # The whole ingest a user waits for (read, match, build, write), into a fresh store each time.
        full_with, full_without = [], []
        for _ in range(a.repeat):
            full_without.append(_timed(data, False, full=True)[0])
            full_with.append(_timed(data, True, full=True)[0])
        fa, fb = statistics.median(full_with), statistics.median(full_without)
        print(
            f"  whole ingest into a fresh embedded store, median of {a.repeat}: without matching {fb:.2f} s, "
            f"with {fa:.2f} s (+{(fa / fb - 1) * 100:.1f} %; issue 18's goal: <= 10 %); "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
