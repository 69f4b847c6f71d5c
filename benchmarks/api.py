"""API latency under concurrent clients: search, neighbourhood and findings at county size, embedded store.

    .venv/bin/python benchmarks/api.py                # county, seed 1, 20 clients, 300 requests per kind
    .venv/bin/python benchmarks/api.py --clients 5 --requests 100 --think 0.5

The county is generated once (``graphaudit.synth.generate(out, "county", seed=1)``) and loaded into
``benchmarks/out/api-county/`` (git-ignored); the checks are run once and their findings kept in the state
folder there.  The server runs as ``graphaudit serve`` in its own process on 127.0.0.1; the clients are
threads with their own httpx connection, each sending its next request as soon as the last one answered
(``--think`` adds a pause), so 20 clients keep 20 requests in flight.  Reports p50 / p95 / p99 / max per
endpoint and the rate; target p95 < 200 ms.  ``--workers`` is passed to ``graphaudit serve`` (default: its
own, one per core).  Also measures the embedded store read from 4 threads, serialised by a lock and in
parallel (each thread its own connection), with the same answers (``threads`` line).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "api-county"


def prepare(size: str, seed: int) -> tuple[Path, Path]:
    """The dataset and the loaded store (made once)."""
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.synth import generate

    data, db = OUT / "data", OUT / "graph.db"
    if not (data / "truth.json").exists():
        t0 = time.perf_counter()
        generate(data, size, seed=seed)
        print(f"synth {size}: {time.perf_counter() - t0:.0f} s", flush=True)
    if not (db / "CURRENT").exists():
        t0 = time.perf_counter()
        with LadybugStore(db) as s:
            ingest(data, s)
        print(f"ingest: {time.perf_counter() - t0:.0f} s", flush=True)
    return data, db


def findings_and_token(db: Path) -> str:
    """Run the checks once into the state folder; a fresh auditor token for this run."""
    from graphaudit.api.findingstore import FindingStore
    from graphaudit.api.state import State
    from graphaudit.api.tokens import TokenStore
    from graphaudit.checks import CHECKS
    from graphaudit.store.embedded import LadybugStore

    state = State(db / "state")
    tokens = TokenStore(state)
    token_id, token = tokens.create("benchmark", "auditor")
    store = FindingStore(state)
    if not store.summary()["by_check"]:
        who = tokens.verify(token)
        assert who is not None
        with LadybugStore(db, read_only=True) as s:
            for name, check in CHECKS.items():
                t0 = time.perf_counter()
                try:
                    found = check.run(s)
                except Exception as e:  # noqa: BLE001 - a broken check must not stop the benchmark
                    print(f"  check {name} failed: {type(e).__name__}: {e}", flush=True)
                    continue
                secs = time.perf_counter() - t0
                store.save_run({name: found}, {}, who, secs)  # each check kept as soon as it is done
                print(f"  check {name}: {len(found)} findings, {secs:.1f} s", flush=True)
    return token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workload(data: Path, n: int, rng: random.Random) -> list[tuple[str, str, dict[str, Any]]]:
    """``n`` requests of each kind, shuffled: (kind, path, params)."""
    hh = pd.read_csv(data / "households.csv", dtype=str, usecols=["person_id", "name"]).dropna()
    cadres = pd.read_csv(data / "cadres.csv", dtype=str, usecols=["person_id", "title"]).dropna()
    heads = cadres[cadres.title.str.contains("书记|主任")].person_id.tolist()
    people = hh.sample(n=n, random_state=rng.randrange(1 << 30))
    out: list[tuple[str, str, dict[str, Any]]] = []
    for i, (pid, name) in enumerate(zip(people.person_id, people.name)):
        q = [name, name, name, name[:1], pid, pid[:10]][i % 6]
        out.append(("search", "/api/search", {"q": q, "limit": 20}))
        centre = rng.choice(heads) if i % 2 else pid
        out.append(
            (
                "neighbourhood",
                "/api/graph/neighbourhood",
                {"ref": f"Person:{centre}", "hops": 1, "limit": 50, "offset": 50 * (i % 5 == 4)},
            )
        )
        filters = [
            {},
            {"check": "kin_approved_subsidy"},
            {"min_severity": 60},
            {"status": "新线索"},
            {"org": pid[:9]},
            {"sort": "-amount"},
            {"offset": 50},
        ][i % 7]
        out.append(("findings", "/api/findings", {"limit": 50, **filters}))
    rng.shuffle(out)
    return out


def drive(
    base: str, token: str, tasks: list[tuple[str, str, dict[str, Any]]], clients: int, think: float
) -> tuple[dict[str, list[float]], int, float]:
    """Run the tasks from ``clients`` threads, each with its own keep-alive connection; (latencies in ms per
    kind, errors, seconds).  The clients use the standard library's http.client: they share the machine's two
    cores with the server, and httpx costs about ten times more CPU per request."""
    lat: dict[str, list[float]] = {}
    errors = [0]
    lock = threading.Lock()
    it = iter(tasks)
    host, port = base.split("://", 1)[1].split(":")
    headers = {"Authorization": f"Bearer {token}", "Connection": "keep-alive"}

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            while True:
                with lock:
                    task = next(it, None)
                if task is None:
                    return
                kind, path, params = task
                url = f"{path}?{urllib.parse.urlencode(params, doseq=True)}"
                t0 = time.perf_counter()
                conn.request("GET", url, headers=headers)
                r = conn.getresponse()
                body = r.read()
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    lat.setdefault(kind, []).append(ms)
                    if r.status != 200:
                        errors[0] += 1
                        if errors[0] <= 3:
                            print(f"  {r.status} {path} {params}: {body[:200]!r}", flush=True)
                if think:
                    time.sleep(think)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, errors[0], time.perf_counter() - t0


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def lock_experiment(db: Path, data: Path) -> str:
    """The neighbour query from 4 threads on one embedded connection, with and without a lock."""
    from graphaudit.api.walk import walk
    from graphaudit.store.embedded import LadybugStore

    ids = pd.read_csv(data / "households.csv", dtype=str, usecols=["person_id"]).person_id.head(200).tolist()
    with LadybugStore(db, read_only=True) as s:
        want = {i: sorted(walk(s, [("Person", i)], 1).graph.nodes) for i in ids}
        out = []

        def work(part: list[str], guard: threading.Lock | None, got: dict[str, list[str]]) -> None:
            for i in part:
                if guard is not None:
                    with guard:
                        got[i] = sorted(walk(s, [("Person", i)], 1).graph.nodes)
                else:
                    got[i] = sorted(walk(s, [("Person", i)], 1).graph.nodes)

        for locked in (True, False):
            guard = threading.Lock() if locked else None
            got: dict[str, list[str]] = {}
            threads = [threading.Thread(target=work, args=(ids[k::4], guard, got)) for k in range(4)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            out.append(
                f"{'serialised' if locked else 'in parallel'} {time.perf_counter() - t0:.2f} s "
                f"({'same' if got == want else 'DIFFERENT'} answers)"
            )
    return "threads: 200 neighbourhoods from 4 threads on one store: " + ", ".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="county")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=300, help="requests per endpoint kind")
    ap.add_argument("--think", type=float, default=0.0, help="seconds each client waits between requests")
    ap.add_argument("--workers", type=int, default=None, help="server worker processes (default: serve's)")
    args = ap.parse_args()
    data, db = prepare(args.size, args.seed)
    token = findings_and_token(db)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    from graphaudit.cli.serve import default_workers

    workers = args.workers or default_workers()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graphaudit.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        t0 = time.perf_counter()
        while True:
            try:
                r = httpx.get(
                    base + "/api/search",
                    params={"q": "王"},
                    timeout=120,
                    headers={"Authorization": f"Bearer {token}"},
                )
                if r.status_code == 200:
                    print(
                        f"server up (search index and hubs loaded) in {time.perf_counter() - t0:.1f} s",
                        flush=True,
                    )
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(
                    f"server did not start: {server.stderr.read().decode() if server.stderr else ''}"
                )
            time.sleep(0.5)
        stats = httpx.get(base + "/api/stats", headers={"Authorization": f"Bearer {token}"}).json()
        people = next(n["count"] for n in stats["nodes"] if n["name"] == "Person")
        total = sum(stats["findings"]["by_check"].values())
        print(
            f"{args.size}: {people:,} people, {total:,} findings; {args.clients} clients, "
            f"{args.requests} requests per endpoint, think {args.think} s, {workers} server workers",
            flush=True,
        )
        tasks = workload(data, args.requests, random.Random(args.seed))
        drive(base, token, tasks[:60], args.clients, 0)  # warm-up
        cpu0 = time.process_time()
        lat, errors, secs = drive(base, token, tasks, args.clients, args.think)
        client_cpu = time.process_time() - cpu0
        report = {}
        for kind in ("search", "neighbourhood", "findings"):
            xs = lat[kind]
            report[kind] = {
                "n": len(xs),
                "p50": round(statistics.median(xs), 1),
                "p95": round(pct(xs, 95), 1),
                "p99": round(pct(xs, 99), 1),
                "max": round(max(xs), 1),
            }
            r = report[kind]
            flag = "ok" if r["p95"] < 200 else "OVER TARGET"
            print(
                f"  {kind:14s} n={r['n']:4d}  p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
                f"p99 {r['p99']:7.1f} ms  max {r['max']:7.1f} ms  [{flag}]",
                flush=True,
            )
        n = sum(len(v) for v in lat.values())
        print(
            f"  {n} requests in {secs:.1f} s = {n / secs:.0f} req/s, {errors} errors; the clients' own CPU "
            f"{client_cpu:.1f} s",
            flush=True,
        )
        hop2 = [
            ("neighbourhood-2hop", "/api/graph/neighbourhood", {**p, "hops": 2, "offset": 0})
            for k, _, p in tasks
            if k == "neighbourhood"
        ][:60]
        lat2, _, _ = drive(base, token, hop2, min(args.clients, 5), 0)
        xs = lat2["neighbourhood-2hop"]
        print(
            f"  2-hop neighbourhood (5 clients, n={len(xs)}): p50 {statistics.median(xs):.0f} ms, "
            f"p95 {pct(xs, 95):.0f} ms",
            flush=True,
        )
        print(json.dumps(report))
    finally:
        server.terminate()
        server.wait(10)
    print(lock_experiment(db, data), flush=True)


if __name__ == "__main__":
    main()
