"""``python -m graphaudit.synth OUT_DIR [--size township] [--seed 0] [--messy]``: write a synthetic
dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from graphaudit.synth import SIZES, generate


def main(argv: list[str] | None = None) -> int:
    """Generate a dataset and print what was written."""
    ap = argparse.ArgumentParser(prog="python -m graphaudit.synth", description=__doc__)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--size", choices=list(SIZES), default="township")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--messy", action="store_true", help="write registers the way they really look")
    args = ap.parse_args(argv)
    r = generate(args.out_dir, args.size, args.seed, args.messy)
    for name, n in r.counts.items():
        print(f"{name:<26}{n:>10,}")
    print(f"cases {r.cases}, near-misses {r.near_misses}, {r.seconds:.1f} s → {r.truth_path}")
    for w in r.warnings:
        print("warning:", w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
