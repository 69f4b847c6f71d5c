"""Many loads in a row, each graph compared value by value with the store's own tables (issue 20).

    .venv/bin/python benchmarks/integrity.py --size township --loads 20
    .venv/bin/python benchmarks/integrity.py --size county --loads 10 --buffer-pool 256 --no-guard
    .venv/bin/python benchmarks/integrity.py --size county --loads 5 --monthly
    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/integrity.py --size county --ballast 12

Once, a prefecture load into the embedded store left payment FF141182202408000084 with amount 0.0 (its table
and Neo4j: 14197.91); seven loads of the same data later were right.  This harness tries to make it happen
again where it is cheap: each load is a default ``ingest`` of the dataset into a fresh store (the graph
built in one thread while another COPYs it), and afterwards every value below is read back from the graph
and compared with the store's normalised tables (what the load read, not the graph frames the store's own
check uses):

- Payment ``amount``, ``pay_date`` (subsidies), Contract ``amount``, ``sign_date`` (contracts);
- Person ``birth_date`` of every person the household register holds with a resident ID;
- every frame's rows (the store's ``stats()`` against the load report's counts);
- the amounts deceased_recipient's query collects (``--queries N`` runs of it per load): the wrong amount was
  seen in that query's result, so the query path is compared as well as the stored values.

Options that add pressure: ``--buffer-pool MB`` gives LadybugDB that buffer pool (default: 80 % of the
machine's memory) so pages are evicted while COPY writes; ``--threads N`` bounds LadybugDB's threads;
``--ballast GB`` holds that much touched memory for the whole run (prefecture-like pressure on the page
cache: use it only under ``flock /tmp/graphaudit-bench.lock``).  ``--monthly`` loads ``<data>-base`` then the
month folder ``<data>-subsidies_2024-12`` into the same store (the edit-in-place path).  ``--no-guard``
turns off the store's own check (graphaudit.store.verify) so that a wrong value reaches the comparison
here; with it on, a load the check refuses counts as a detected mismatch.

Datasets: ``benchmarks/out/<size>-seed<seed>`` (generated once), or ``--data DIR``.  Prints one line per
load and writes benchmarks/out/integrity-<size>.json.  Exit status 1 if any load differed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

#: (label, table, key column, [(graph property, table column)]) compared after every load.
COMPARED = [
    ("Payment", "subsidies", "payment_id", [("amount", "amount"), ("pay_date", "pay_date")]),
    ("Contract", "contracts", "contract_id", [("amount", "amount"), ("sign_date", "sign_date")]),
    ("Person", "households", "person_id", [("birth_date", "birth_date")]),
]


def dataset(size: str, seed: int) -> Path:
    from graphaudit.synth import generate

    path = OUT / f"{size}-seed{seed}"
    if not (path / "households.csv").exists():
        generate(path, size=size, seed=seed, messy=False)
    return path


def monthly(data: Path) -> list[Path]:
    """The base folder and the month folder benchmarks/ingest.py --monthly makes from ``data``."""
    base, month = Path(f"{data}-base"), Path(f"{data}-subsidies_2024-12")
    if not base.exists() or not month.exists():
        base.mkdir(exist_ok=True)
        month.mkdir(exist_ok=True)
        for f in data.glob("*.csv"):
            shutil.copy(f, (month if f.name == "subsidies_2024-12.csv" else base) / f.name)
    return [base, month]


def _norm(values: pd.Series) -> np.ndarray:
    """Values as comparable floats (dates as days since 1970; missing as NaN)."""
    out = np.full(len(values), np.nan)
    vals = values.to_numpy(dtype=object)
    for i, v in enumerate(vals):
        if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
            continue
        if hasattr(v, "toordinal"):
            out[i] = v.toordinal()
        else:
            out[i] = float(v)
    return out


def compare_query(store: Any, tables: dict[str, pd.DataFrame], times: int) -> list[dict[str, Any]]:
    """The amounts deceased_recipient's query collects (the query that showed 0.0), ``times`` times, against
    the subsidies table."""
    table = tables.get("subsidies")
    if table is None or not times:
        return []
    want = dict(zip(table["payment_id"].tolist(), _norm(table["amount"]).tolist()))
    wrong = []
    for n in range(times):
        for row in store.run_named("deceased_recipient"):
            for p in row["payments"]:
                got = float("nan") if p["amount"] is None else float(p["amount"])
                w = want.get(p["id"], float("nan"))
                if not (abs(got - w) < 1e-6 or (got != got and w != w)):
                    wrong.append(
                        {"query": "deceased_recipient", "run": n, "key": p["id"], "table": w, "graph": got}
                    )
    return wrong[:20]


def compare(store: Any, report: Any, queries: int = 1) -> list[dict[str, Any]]:
    """Every difference between the graph and the store's tables (see the module's docstring)."""
    tables = store.read_tables()
    wrong: list[dict[str, Any]] = []
    for label, source, key, props in COMPARED:
        table = tables.get(source)
        if table is None or not len(table):
            continue
        table = table[table[key].astype(str) != ""].drop_duplicates(key, keep="first")
        cols = ", ".join(f"n.{p} AS graph_{p}" for p, _ in props)
        got = pd.DataFrame(store.run_columns(f"MATCH (n:{label}) RETURN n.id AS id, {cols}"))
        both = table[[key, *(c for _, c in props)]].merge(got, left_on=key, right_on="id", how="left")
        missing = both["id"].isna().to_numpy()
        for p, c in props:
            a, b = _norm(both[c]), _norm(both[f"graph_{p}"])
            bad = ~(np.isclose(a, b, rtol=0, atol=1e-6) | (np.isnan(a) & np.isnan(b))) | missing
            for i in np.flatnonzero(bad)[:5]:
                wrong.append(
                    {
                        "label": label,
                        "key": both[key].iloc[i],
                        "property": p,
                        "table": str(both[c].iloc[i]),
                        "graph": str(both[f"graph_{p}"].iloc[i]),
                    }  # fmt: skip
                )
            if bad.sum() > 5:
                wrong.append({"label": label, "property": p, "more": int(bad.sum()) - 5})
    wrong += compare_query(store, tables, queries)
    stats = store.stats()
    for name, n in report.counts.items():
        if stats.get(name, n) != n:
            wrong.append({"label": name, "property": "rows", "table": n, "graph": stats.get(name)})
    return wrong


def _pressure(args: argparse.Namespace) -> None:
    """LadybugDB's buffer pool and threads as asked, in every database the embedded store opens."""
    import ladybug

    from graphaudit.store import embedded, verify

    kw = {}
    if args.buffer_pool:
        kw["buffer_pool_size"] = args.buffer_pool << 20
    if args.threads:
        kw["max_num_threads"] = args.threads
    if kw:
        db = functools.partial(ladybug.Database, **kw)
        embedded.ladybug = type("lb", (), {"Database": db, "Connection": ladybug.Connection})  # type: ignore
    if args.no_guard:
        verify.Expected.check = lambda self, *a, **k: None  # type: ignore[method-assign,assignment]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="township", choices=["village", "township", "county"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, help="a dataset folder instead of the generated one")
    ap.add_argument("--loads", type=int, default=10, help="loads in a row (default 10)")
    ap.add_argument(
        "--monthly", action="store_true", help="each load: the base, then a month, into one store"
    )
    ap.add_argument("--buffer-pool", type=int, default=0, metavar="MB", help="LadybugDB's buffer pool")
    ap.add_argument("--threads", type=int, default=0, help="LadybugDB's threads (default: every core)")
    ap.add_argument("--ballast", type=float, default=0, metavar="GB", help="memory held during the run")
    ap.add_argument("--queries", type=int, default=1, help="runs of deceased_recipient's query per load")
    ap.add_argument("--no-guard", action="store_true", help="without the store's own check after a load")
    args = ap.parse_args()

    from graphaudit.ingest.pipeline import ingest
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.store.verify import GraphMismatch

    _pressure(args)
    data = args.data or dataset(args.size, args.seed)
    folders = monthly(data) if args.monthly else [data]
    ballast = np.ones(int(args.ballast * (1 << 30)) // 8) if args.ballast else None
    print(
        f"{data.name}: {args.loads} loads{' (base + month)' if args.monthly else ''}, buffer pool "
        f"{args.buffer_pool or 'default'} MB, threads {args.threads or 'all'}, ballast {args.ballast} GB, "
        f"guard {'off' if args.no_guard else 'on'}; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    runs = []
    for n in range(1, args.loads + 1):
        with tempfile.TemporaryDirectory(prefix="ga-integrity-") as tmp:
            store = LadybugStore(Path(tmp) / "g.db")
            t0 = time.perf_counter()
            refused, wrong, checked = None, [], []
            try:
                for folder in folders:
                    report = ingest(folder, store)
                    checked.append(report.verified)
                wrong = compare(store, report, args.queries)
            except GraphMismatch as e:
                refused = str(e)
            finally:
                store.close()
            secs = time.perf_counter() - t0
        runs.append(
            {
                "load": n,
                "seconds": secs,
                "refused": refused,
                "wrong": wrong,
                "verified": checked,
                "loadavg": os.getloadavg()[0],
            }  # fmt: skip
        )
        guard = f", guard {sum(v['seconds'] for v in checked if v):.2f} s" if any(checked) else ""
        print(
            f"  load {n:3}: {secs:6.1f} s{guard}, "
            + (f"REFUSED by the check: {refused}" if refused else f"{len(wrong)} values differ {wrong[:3]}"),
            flush=True,
        )
    bad = [r for r in runs if r["refused"] or r["wrong"]]
    print(f"{len(bad)} of {len(runs)} loads differed; load {os.getloadavg()[0]:.1f}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"integrity-{args.size}.json").write_text(
        json.dumps(
            {"args": {k: str(v) for k, v in vars(args).items()}, "runs": runs}, ensure_ascii=False, indent=1
        )
    )
    del ballast
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
