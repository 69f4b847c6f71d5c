"""Recall and precision of every check against the synthetic generator's planted cases, and check times.

    .venv/bin/python benchmarks/detection.py                          # township + county, clean and messy
    .venv/bin/python benchmarks/detection.py --sizes township --modes clean
    .venv/bin/python benchmarks/detection.py --sizes prefecture-small --modes clean --seed 3
    flock /tmp/graphaudit-bench.lock \
        .venv/bin/python benchmarks/detection.py --sizes prefecture --modes clean --seed 3

A finding matches a planted case of the same check when they share a record (payment or contract id); for
checks about companies (hidden_link) a shared company id also counts.  Recall = planted cases matched /
planted cases; precision = findings matching a case / findings.  Near-misses planted to test that a check
does NOT fire count against precision when flagged.  Targets (issue 4): recall 1.0 and precision >= 0.95 on
every check, clean and messy; all checks over a county in < 30 s on the embedded store.  The register
collisions (issue 17: ineligible_recipient, imprisoned_recipient, concurrent_benefits, undeclared_kin_benefit,
above_standard, and deceased_recipient from the cremation list) run on the synthetic registers
(public_employees, vehicles, real_estate, deaths, prisoners, declarations) with target recall 1.0 and
precision >= 0.98.  Totals are printed for the nine checks of issue 4, the collision checks and all checks.

Prefecture sizes (``prefecture``: 13 counties, ~10 GB — run it alone, under the lock; ``prefecture-small``:
three small counties, seconds) also plant cases that cross county borders (issue 20; truth entries with
``"cross_county": true``).  They are scored again on their own in a ``cross-county`` line per check: recall =
cross-county cases matched / cross-county cases; precision = findings matching a cross-county case / findings
matching a cross-county case or flagging a cross-county near-miss; target recall 1.0, no near-miss flagged.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
OWN_ISSUE = {"collusive_cluster"}  # registered checks outside issue 4's nine (timed, not in the nine's total)
COLLISIONS = {  # issue 17's checks (their own total)
    "ineligible_recipient",
    "imprisoned_recipient",
    "concurrent_benefits",
    "undeclared_kin_benefit",
    "above_standard",
}


def load(size: str, seed: int, messy: bool, workdir: Path) -> tuple[Any, dict[str, Any]]:
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.synth import SIZES, generate

    data = OUT / f"{size}-seed{seed}{'-messy' if messy else ''}"
    truth = data / "truth.json"
    # a prefecture written before it had cross-county cases is generated again
    stale = truth.exists() and SIZES[size].cross and '"cross_county": true' not in truth.read_text("utf-8")
    if not truth.exists() or stale:
        generate(data, size=size, seed=seed, messy=messy)
    store = LadybugStore(workdir / f"{data.name}.db")
    t0 = time.perf_counter()
    ingest(data, store)
    print(f"  {data.name}: ingest {time.perf_counter() - t0:.1f} s", flush=True)
    return store, json.loads((data / "truth.json").read_text(encoding="utf-8"))


def _keys(item: dict[str, Any] | Any) -> set[str]:
    get = item.get if isinstance(item, dict) else (lambda k, d=None: getattr(item, k, d))
    keys = set(get("record_ids") or [])
    keys |= {f"company:{c}" for c in get("company_ids") or []}
    if not isinstance(item, dict):  # a finding: companies on its evidence path count too
        for node in (
            getattr(item, "path", {}).get("nodes", [])
            if isinstance(getattr(item, "path", None), dict)
            else []
        ):
            if node.get("label") == "Company":
                keys.add(f"company:{node.get('id')}")
    return keys


def score(findings: list[Any], truth: dict[str, Any], check: str, cross: bool = False) -> dict[str, Any]:
    """Recall and precision of ``findings`` against the truth's cases of ``check`` (``cross``: against its
    cross-county cases and near-misses only, see the module docstring)."""
    cases = [c for c in truth["cases"] if c["check"] == check and (not cross or c.get("cross_county"))]
    misses = [
        c
        for c in truth.get("near_misses", [])
        if c.get("would_be_check", c.get("check")) == check and (not cross or c.get("cross_county"))
    ]
    found = [_keys(f) for f in findings]
    flagged: set[str] = set().union(*found) if found else set()
    case_keys: set[str] = set().union(*(_keys(c) for c in cases)) if cases else set()
    miss_keys: set[str] = set().union(*(_keys(m) for m in misses)) if misses else set()
    matched_cases = sum(1 for c in cases if _keys(c) & flagged)
    good = sum(1 for k in found if k & case_keys)
    fired_on_miss = sum(1 for m in misses if _keys(m) & flagged)
    judged = sum(1 for k in found if k & (case_keys | miss_keys)) if cross else len(findings)
    return {
        "cases": len(cases),
        "matched": matched_cases,
        "findings": judged,
        "good": good,
        "recall": matched_cases / len(cases) if cases else None,
        "precision": good / judged if judged else None,
        "near_misses": len(misses),
        "near_misses_flagged": fired_on_miss,
    }


def _line(size: str, mode: str, name: str, r: dict[str, Any], tail: str) -> str:
    rec = "-" if r["recall"] is None else f"{r['recall']:.2f}"
    pre = "-" if r["precision"] is None else f"{r['precision']:.2f}"
    return (
        f"{size:9s} {mode:6s} {name:26s} cases {r['cases']:4d} findings {r['findings']:5d} "
        f"recall {rec:>5s} precision {pre:>5s} near-misses flagged "
        f"{r['near_misses_flagged']}/{r['near_misses']}  {tail}"
    )


def main() -> None:
    from graphaudit.checks import CHECKS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    from graphaudit.synth import SIZES

    ap.add_argument("--sizes", nargs="+", default=["township", "county"], choices=list(SIZES))
    ap.add_argument("--modes", nargs="+", default=["clean", "messy"], choices=["clean", "messy"])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            for mode in args.modes:
                store, truth = load(size, args.seed, mode == "messy", Path(tmp))
                total, nine, collide = 0.0, 0.0, 0.0
                xcases = xmatched = xgood = xjudged = xflag = xmiss = 0
                for name, chk in CHECKS.items():
                    t0 = time.perf_counter()
                    findings = chk.run(store, {})
                    secs = time.perf_counter() - t0
                    total += secs
                    collide += secs if name in COLLISIONS else 0.0
                    nine += 0.0 if name in OWN_ISSUE | COLLISIONS else secs
                    r = score(findings, truth, name)
                    r.update(size=size, mode=mode, check=name, seconds=round(secs, 2))
                    results.append(r)
                    print(_line(size, mode, name, r, f"{secs:6.2f} s"), flush=True)
                    x = score(findings, truth, name, cross=True)
                    if x["cases"] or x["near_misses"]:
                        x.update(size=size, mode=mode, check=name, cross_county=True)
                        results.append(x)
                        print(_line(size, mode, name, x, "cross-county"), flush=True)
                        xcases += x["cases"]
                        xmatched += x["matched"]
                        xgood += x["good"]
                        xjudged += x["findings"]
                        xflag += x["near_misses_flagged"]
                        xmiss += x["near_misses"]
                print(
                    f"{size:9s} {mode:6s} the nine checks: {nine:.1f} s; the collision checks: "
                    f"{collide:.1f} s; all checks: {total:.1f} s",
                    flush=True,
                )
                if xcases or xmiss:
                    print(
                        f"{size:9s} {mode:6s} cross-county cases: recall {xmatched}/{xcases}"
                        f" = {xmatched / max(xcases, 1):.2f}, precision {xgood}/{xjudged}"
                        f" = {xgood / max(xjudged, 1):.2f}, near-misses flagged {xflag}/{xmiss}",
                        flush=True,
                    )
                store.close()
    by = defaultdict(list)
    for r in results:
        by[r["check"]].append(r)
    (OUT / "detection.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
