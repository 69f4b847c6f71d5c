"""Latency of the statistics cockpit (``GET /api/cockpit``) on a county's cases, with disposals under way.

    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/cockpit.py --state PATH/TO/state
    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/cockpit.py   # synth + ingest + check first
    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/cockpit.py --cases 0 --cold  # as checked

The state folder of a county's check run (``graphaudit check --db county.db`` leaves it in
``county.db/state``; without ``--state`` one is made once in ``benchmarks/out/cockpit-county/``, git-ignored)
is copied; its cases are grown by seeded copies to ``--cases`` (default 10,000, a large county: the synthetic
county's check run leaves about 600), first seen over the last twelve months; and a seeded share of them is
taken through the disposal steps (40 % handed off, half of those
with accepted feedback, half of those closed with money recovered), so the figures include disposals.  The
server runs as ``graphaudit serve`` in its own process on 127.0.0.1 over that copy and a village-size
store (the cockpit reads only the state); the clients are threads each sending its next request as soon as
the last one answered.  Reports p50 / p95 / p99 / max; target p95 ≤ 200 ms.  Each server process reuses an
answer until a run, review or disposal step changes the figures; ``--cold`` asks each time for another month
from this one on (each counting every case), so every answer is computed from the cases summed per month
(graphaudit.cases.stats); last, ``--after-change`` times the first answers after a change, when the cases
are read afresh.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "cockpit-county"
GA = [sys.executable, "-m", "graphaudit.cli"]


def county_state(seed: int) -> Path:
    """A county's check-run state folder, made once."""
    db = OUT / "county.db"
    if not (db / "state" / "graphaudit-api.sqlite").exists():
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        data = OUT / "data"
        if not data.exists():
            subprocess.run(
                [*GA, "synth", str(data), "--size", "county", "--seed", str(seed)], check=True, env=env
            )
        subprocess.run([*GA, "ingest", str(data), "--db", str(db)], check=True, env=env)
        subprocess.run(
            [*GA, "check", "--db", str(db), "--out", str(OUT / "findings.json")], check=True, env=env
        )
    return db / "state"


def grow(state: Any, want: int, seed: int) -> int:
    """Seeded copies of the live cases (new ids, the same villages and checks, first seen on a day of the last
    twelve months) until there are ``want``: a large county's case load made from a synthetic county's.
    Returns the number of live cases."""
    rng = random.Random(seed)
    with state.connect() as c:
        rows = [dict(r) for r in c.execute("SELECT * FROM cases WHERE gone = 0 ORDER BY case_id")]
        if not rows or len(rows) >= want:
            return len(rows)
        cols = list(rows[0])
        copies = []
        for k in range(want - len(rows)):
            r = dict(rows[k % len(rows)])
            r["case_id"] = f"{r['case_id']}~{k // len(rows) + 1}"
            day = date.today() - timedelta(days=rng.randrange(365))
            r["first_seen"] = r["last_changed"] = f"{day.isoformat()}T09:00:00+00:00"
            copies.append(tuple(r[x] for x in cols))
        names = ", ".join(f'"{x}"' for x in cols)
        c.executemany(f"INSERT INTO cases ({names}) VALUES ({', '.join('?' * len(cols))})", copies)
        return int(c.execute("SELECT count(*) FROM cases WHERE gone = 0").fetchone()[0])


def with_disposals(source: Path, seed: int, want: int = 0) -> tuple[Path, int, int]:
    """A copy of ``source`` grown to ``want`` cases (:func:`grow`; 0: as it is) with disposals on a seeded
    share of its cases; (folder, cases, disposed)."""
    from graphaudit.cases.disposal import DisposalStore, Method
    from graphaudit.cases.review import Status
    from graphaudit.cases.store import CaseStore
    from graphaudit.state import DB_FILE, State

    target = OUT / "state-bench"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(source / DB_FILE, target / DB_FILE)
    state = State(target)
    if want:
        grow(state, want, seed)
    cases, disposal = CaseStore(state), DisposalStore(state)
    ids = [c["case_id"] for c in cases.query(limit=None)[1] if not c["gone"]]
    rng = random.Random(seed)
    chosen = rng.sample(ids, int(len(ids) * 0.4))
    due = date.today() + timedelta(days=20)
    for i, cid in enumerate(chosen):
        disposal.dispose(cid, Method.verify, "", "基准")
        disposal.handoff(cid, f"第{i % 12 + 1}乡镇纪委", due, "", "基准")
        if i % 2:
            continue
        disposal.feedback(
            cid, facts="核实属实", removed=1, recovered=round(rng.uniform(100, 5000), 2), by="基准"
        )
        disposal.review_feedback(cid, True, "", "基准")
        if i % 4:
            continue
        if cases.get(cid)["status"] != Status.verifying.value:  # type: ignore[index]
            cases.review(cid, Status.verifying, "核查", "基准")
        cases.review(cid, Status.substantiated, "属实", "基准")
        disposal.close(cid, "第一种形态", None, "", "基准")
    return target, len(ids), len(chosen)


def small_store() -> Path:
    """A village-size store for the server to open (the cockpit itself reads only the state), made once."""
    db = OUT / "village.db"
    if not (db / "CURRENT").exists():
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        data = OUT / "village-data"
        subprocess.run(
            [*GA, "synth", str(data), "--size", "village"], check=True, env=env, capture_output=True
        )
        subprocess.run([*GA, "ingest", str(data), "--db", str(db)], check=True, env=env, capture_output=True)
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", type=Path, default=None, help="a county's check-run state folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--requests", type=int, default=200, help="requests in all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cold", action="store_true", help="each request for another month: no answer is reused")
    ap.add_argument(
        "--after-change",
        type=int,
        default=10,
        help="then this many changes (a history entry each), timing the answers right after each",
    )
    ap.add_argument(
        "--cases",
        type=int,
        default=10_000,
        help="grow the county's cases to this many by seeded copies (0: as the check run left them)",
    )
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    source = args.state or county_state(args.seed)
    t0 = time.perf_counter()
    state, n_cases, n_disposed = with_disposals(source, args.seed, args.cases)
    print(f"{n_cases} cases, {n_disposed} with disposals (prepared in {time.perf_counter() - t0:.1f} s)")
    from graphaudit.api.tokens import TokenStore
    from graphaudit.state import State

    token = TokenStore(State(state)).create("benchmark", "investigator")[1]
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    server = subprocess.Popen(
        [
            *GA,
            "serve",
            "--db",
            str(small_store()),
            "--state",
            str(state),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    month = date.today().isoformat()[:7]
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/api/cockpit", headers=headers, timeout=60).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(
                    f"server did not start: {server.stderr.read().decode() if server.stderr else ''}"
                )
            time.sleep(0.3)
        fig = httpx.get(base + "/api/cockpit", headers=headers, params={"month": month}).json()
        t = fig["totals"]
        print(
            f"cockpit {month}: {t['cases']} cases, {len(fig['by_township'])} townships, "
            f"{sum(len(x['villages']) for x in fig['by_township'])} villages, recovered {t['recovered']:,.2f}"
        )
        lat: list[float] = []
        lock = threading.Lock()
        per = args.requests // args.clients

        # this month and the 23 after it: each counts every case, and no answer is reused
        y0, m0 = int(month[:4]), int(month[5:7]) - 1
        months = [f"{y0 + (m0 + k) // 12}-{(m0 + k) % 12 + 1:02d}" for k in range(24)]

        def client() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                for i in range(per):
                    s = time.perf_counter()
                    r = c.get("/api/cockpit", params={"month": months[i % 24] if args.cold else month})
                    ms = (time.perf_counter() - s) * 1000
                    assert r.status_code == 200, r.text
                    with lock:
                        lat.append(ms)

        for _ in range(5):  # warm-up
            httpx.get(base + "/api/cockpit", headers=headers, params={"month": month})
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        t1 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        secs = time.perf_counter() - t1
        p95 = pct(lat, 95)
        print(
            f"  /api/cockpit{' (cold)' if args.cold else ''} n={len(lat)} clients={args.clients} "
            f"workers={args.workers}  "
            f"p50 {statistics.median(lat):.1f} ms  p95 {p95:.1f} ms  p99 {pct(lat, 99):.1f} ms  "
            f"max {max(lat):.1f} ms  {len(lat) / secs:.1f} req/s  [{'ok' if p95 <= 200 else 'OVER TARGET'}]"
        )
        # the first answer after a change (a review, a disposal step): every figure read afresh
        from graphaudit.state import State

        fresh: list[float] = []
        with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
            for i in range(args.after_change):
                with State(state).connect() as db:
                    db.execute(
                        "INSERT INTO case_history (case_id, run_id, at, kind, text) "
                        "VALUES (?, NULL, ?, ?, ?)",
                        ("bench", date.today().isoformat(), "基准", f"变化 {i}"),
                    )
                for _ in range(args.workers):  # each worker process reads once after the change
                    s = time.perf_counter()
                    assert c.get("/api/cockpit", params={"month": month}).status_code == 200
                    fresh.append((time.perf_counter() - s) * 1000)
        if fresh:
            print(
                f"  /api/cockpit after a change n={len(fresh)}  p50 {statistics.median(fresh):.1f} ms  "
                f"p95 {pct(fresh, 95):.1f} ms  max {max(fresh):.1f} ms"
            )
        print(f"  load average {os.getloadavg()[0]:.2f}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
