"""The two stores side by side on the same data in the same run: ingest time, then every check's time on each,
with the Neo4j / embedded ratio, and whether the findings are identical (they must be).

    .venv/bin/python benchmarks/stores.py                        # county, seed 1
    .venv/bin/python benchmarks/stores.py --size township --only kin_contract,split_contracts
    flock /tmp/graphaudit-bench.lock .venv/bin/python benchmarks/stores.py --size prefecture --seed 3

Each store is measured in a child process of its own, one after the other, so that the two never hold a
prefecture in memory at once and each child's peak RSS belongs to its store alone: first the embedded store
(ingest into a fresh LadybugDB, then every check), then a throwaway local Neo4j
(graphaudit.neo4j_local.server; jars from `make neo4j`) is started with ``--heap`` and ``--pagecache`` and
the same data is loaded into it and checked.  The findings of each check are written to a file by each
child and compared check by check.

Per store: ingest wall and CPU seconds, each check's wall and CPU seconds (for Neo4j the client's CPU and
the server JVM's CPU, from /proc), the peak RSS of the Python process (VmHWM, for the ingest and for the
checks) and of the Neo4j JVM, the store's size on disk, the load average.  A check that runs longer than
``--check-timeout`` seconds on Neo4j is stopped by the server
(``db.transaction.timeout``, which bounds the load's transactions too) and reported as such.
Targets (issue 3): a county loads into Neo4j in < 3 min; (issue 20) the same findings on both stores at every
size.  Results also go to benchmarks/out/stores-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from ingest import OUT, dataset, input_rows  # noqa: E402  (the ingest benchmark's cached datasets)

# Neo4j memory by size: heap, page cache.  At prefecture size the Python client loading Neo4j holds ~15 GB
# while it builds and sends the graph (5g + 5g took the machine's 24 GiB to its last 0.5 GB and was stopped),
# so the server gets 3g + 2g there: a page cache smaller than the store, as a measured lower bound.
NEO4J_MEMORY = {"township": ("1g", "512m"), "county": ("2g", "1g"), "prefecture": ("3g", "2g")}


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hwm_mb(pid: int | str = "self", reset: bool = False) -> float:
    """Peak resident memory (VmHWM) of a process in MiB; with ``reset`` the peak starts again from now
    (Linux: ``5`` into /proc/<pid>/clear_refs)."""
    mb = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            mb = int(line.split()[1]) / 1024
    if reset:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    return mb


def rss_mb(pid: int | str) -> float:
    """Resident memory (VmRSS) of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def disk_mb(path: Path) -> float:
    """Space the files under ``path`` take on disk, in MiB."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_blocks * 512
            except OSError:
                pass
    return total / 2**20


def worker(store: str, data: str, work: str, names: list[str], timeout: float) -> None:
    """In a child: load ``data`` into ``store``, run the checks, write results and findings under ``work``."""
    from graphaudit.checks import CHECKS
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.model import MODEL
    from graphaudit.store.embedded import LadybugStore
    from graphaudit.store.neo4j_store import Neo4jStore

    server = int(os.environ["GA_NEO4J_PID"]) if store == "neo4j" else None

    def server_cpu() -> float:
        return proc_cpu(server) if server else 0.0

    def clock() -> tuple[float, float, float]:
        return time.perf_counter(), time.process_time(), server_cpu()

    def since(start: tuple[float, float, float]) -> dict[str, float]:
        """Wall, this process's CPU and the server's CPU seconds since ``start`` (a :func:`clock`)."""
        now = clock()
        return {
            "seconds": now[0] - start[0],
            "cpu_seconds": now[1] - start[1],
            "server_cpu_seconds": now[2] - start[2],
        }

    def save_so_far() -> None:
        (Path(work) / f"result-{store}.json").write_text(json.dumps(out, indent=1))

    st: Any = (
        Neo4jStore(os.environ["GA_NEO4J_URI"], os.environ["NEO4J_USER"], os.environ["NEO4J_PASSWORD"])
        if store == "neo4j"
        else LadybugStore(Path(work) / "g.db")
    )
    out: dict[str, Any] = {"store": store, "load_before": os.getloadavg()}
    hwm_mb(reset=True)
    if server:
        out["server_mb_at_start"] = hwm_mb(server, reset=True)
    start = clock()
    w, s = start[0], start[2]

    def progress(what: str) -> None:
        if not what.startswith("reading "):
            print(f"    {time.perf_counter() - w:7.1f} s  {what}", flush=True)

    stop = threading.Event()

    def sample() -> None:  # memory and the server's CPU every minute: a long load shows how it goes
        while not stop.wait(60):
            jvm = f", JVM RSS {rss_mb(server):,.0f} MB, JVM CPU {server_cpu() - s:,.0f} s" if server else ""
            print(f"    {time.perf_counter() - w:7.1f} s  RSS {rss_mb('self'):,.0f} MB{jvm}", flush=True)

    threading.Thread(target=sample, daemon=True).start()
    ingest(Path(data), st, progress)
    stop.set()
    out["ingest"] = {
        **since(start),
        "peak_mb": hwm_mb(reset=True),
        "load": os.getloadavg(),
    }
    if server:
        out["ingest"]["server_peak_mb"] = hwm_mb(server, reset=True)
    stats = st.stats()
    out["stats"] = stats
    out["nodes"] = sum(stats[k] for k in MODEL.nodes)
    out["rels"] = sum(stats[k] for k in MODEL.rels)
    out["checks"] = {}
    save_so_far()
    print(
        f"ingest  {store:8s} {out['ingest']['seconds']:7.1f} s  (cpu {out['ingest']['cpu_seconds']:.0f} s"
        + (f", server cpu {out['ingest']['server_cpu_seconds']:.0f} s" if server else "")
        + f", peak {out['ingest']['peak_mb']:,.0f} MB"
        + (f", server peak {out['ingest']['server_peak_mb']:,.0f} MB" if server else "")
        + f", load {out['ingest']['load'][0]:.1f})  nodes {out['nodes']:,} rels {out['rels']:,}",
        flush=True,
    )
    # the store that ran first: each check's findings are compared with its own as soon as they are found
    theirs = Path(work) / f"findings-{'embedded' if store == 'neo4j' else 'neo4j'}.jsonl"
    before = read_findings(theirs) if theirs.exists() else {}
    with (Path(work) / f"findings-{store}.jsonl").open("w", encoding="utf-8") as fh:
        for name in names:
            at = clock()
            error = None
            try:
                found = [f.to_dict(show_ids=True) for f in CHECKS[name].run(st, {})]
            except Exception as e:  # a timed-out check: reported, the others still run
                found, error = [], f"{type(e).__name__}: {e}"[:300]
            r = {
                **since(at),
                "findings": len(found),
                "error": error,
            }
            out["checks"][name] = r
            line = json.dumps({"check": name, "findings": found}, default=str, sort_keys=True)
            fh.write(line + "\n")
            same = (
                ""
                if name not in before
                else "  same"
                if json.loads(line)["findings"] == before[name]
                else "  DIFFERENT"
            )
            save_so_far()
            print(
                f"  {store:8s} {name:26s} {r['seconds']:8.2f} s  cpu {r['cpu_seconds']:7.1f}"
                + (f"  server cpu {r['server_cpu_seconds']:7.1f}" if server else "")
                + f"  {len(found):7d} findings"
                + (f"  FAILED {error}" if error else "")
                + same,
                flush=True,
            )
    out["checks_peak_mb"] = hwm_mb()
    if server:
        out["checks_server_peak_mb"] = hwm_mb(server)
    # after the checks (not in their peak): the graph's values against the tables (prefecture.values_differ)
    if store == "embedded":
        from prefecture import values_differ

        differing = values_differ(st)
        out["values_differ"] = {k: {"rows": len(v), "first": v[:20]} for k, v in differing.items()}
        print(
            "values in the graph that differ from the tables: "
            + ", ".join(f"{k} {len(v)}" for k, v in differing.items()),
            flush=True,
        )
    out["load_after"] = os.getloadavg()
    st.close()
    if store == "embedded":
        out["disk_mb"] = disk_mb(Path(work) / "g.db")
    save_so_far()


def child(store: str, data: Path, work: Path, names: list[str], timeout: float, env: dict[str, str]) -> dict:
    cmd = [sys.executable, __file__, "--worker", store, str(data), str(work), ",".join(names), str(timeout)]
    subprocess.run(cmd, check=True, env=env)
    return json.loads((work / f"result-{store}.json").read_text())


def difference(embedded: list[dict[str, Any]], neo4j: list[dict[str, Any]]) -> dict[str, Any]:
    """Two stores' findings of one check compared by finding id: those only one store found, and of those both
    found, each one that differs (both versions, the first five); ``order``: the same findings in another
    order."""
    e = {f["finding_id"]: f for f in embedded}
    n = {f["finding_id"]: f for f in neo4j}
    changed = [{"embedded": e[k], "neo4j": n[k]} for k in e if k in n and e[k] != n[k]]
    return {
        "only_embedded": [k for k in e if k not in n],
        "only_neo4j": [k for k in n if k not in e],
        "changed": len(changed),
        "first_changed": changed[:5],
        "order": not changed and e.keys() == n.keys(),
    }


def read_findings(path: Path) -> dict[str, list[Any]]:
    with path.open(encoding="utf-8") as fh:
        return {(d := json.loads(line))["check"]: d["findings"] for line in fh}


def main() -> None:
    from graphaudit.checks import CHECKS
    from graphaudit.neo4j_local.server import LocalNeo4j, ensure_jars

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="county", choices=sorted(NEO4J_MEMORY))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated checks (default: all)")
    ap.add_argument("--heap", default=None, help="Neo4j heap (default by size: 1g, 2g, 3g)")
    ap.add_argument("--pagecache", default=None, help="Neo4j page cache (default by size: 512m, 1g, 2g)")
    ap.add_argument(
        "--first", choices=["embedded", "neo4j"], default="embedded", help="the store measured first"
    )
    ap.add_argument("--check-timeout", type=float, default=1800, help="seconds before Neo4j stops a check")
    args = ap.parse_args()
    heap = args.heap or NEO4J_MEMORY[args.size][0]
    pagecache = args.pagecache or NEO4J_MEMORY[args.size][1]
    names = [n for n in args.only.split(",") if n] or list(CHECKS)
    if args.size == "prefecture":  # generated once, with every county of the city (else it fails)
        from prefecture import dataset as prefecture_dataset

        data = prefecture_dataset(args.seed)
    else:
        data = dataset(args.size, args.seed)
    rows = input_rows(data)
    ensure_jars()
    t_run = time.perf_counter()
    result: dict[str, Any] = {
        "size": args.size,
        "seed": args.seed,
        "input_rows": rows,
        "neo4j_heap": heap,
        "neo4j_pagecache": pagecache,
        "cores": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    print(f"{args.size} seed {args.seed}: {rows:,} input rows; load {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ga-stores-") as tmp:
        work = Path(tmp)
        env = os.environ.copy()

        def embedded() -> None:  # its store is kept until the findings are compared (see below)
            result["embedded"] = child("embedded", data, work, names, args.check_timeout, env)

        def neo4j() -> None:
            server = LocalNeo4j(  # a check that runs away is stopped by the server, not waited for
                work / "neo4j",
                heap=heap,
                initial_heap=heap,
                pagecache=pagecache,
                settings={"db.transaction.timeout": f"{int(args.check_timeout)}s"},
            )
            server.start()
            print(f"neo4j {server.version}: heap {heap}, page cache {pagecache}", flush=True)
            env_n = dict(env)
            try:
                assert server.pid is not None
                env_n.update(
                    GA_NEO4J_PID=str(server.pid),
                    GA_NEO4J_URI=server.uri,
                    NEO4J_USER=server.user,
                    NEO4J_PASSWORD=server.password,
                )
                try:
                    result["neo4j"] = child("neo4j", data, work, names, args.check_timeout, env_n)
                except subprocess.CalledProcessError as err:  # stopped (e.g. SIGTERM): keep what it measured
                    partial = work / "result-neo4j.json"
                    if not partial.exists():
                        raise
                    result["neo4j"] = json.loads(partial.read_text())
                    result["neo4j"]["stopped"] = str(err)
                    print(f"neo4j child stopped ({err}): partial results", flush=True)
                result["neo4j"]["server_peak_mb"] = hwm_mb(server.pid)
                result["neo4j"]["version"] = server.version
            finally:
                server.stop()
            db = work / "neo4j" / "data"
            result["neo4j"]["disk_mb"] = disk_mb(db / "databases" / "neo4j")
            result["neo4j"]["tx_log_mb"] = disk_mb(db / "transactions" / "neo4j")
            shutil_rm(work / "neo4j")

        for run in (neo4j, embedded) if args.first == "neo4j" else (embedded, neo4j):
            run()
        fe, fn = read_findings(work / "findings-embedded.jsonl"), read_findings(work / "findings-neo4j.jsonl")
        differ = [c for c in names if c in fe and c in fn and fe[c] != fn[c]]
        if differ:  # the evidence, to find out why: the embedded store as loaded and both stores' findings
            kept = OUT / f"stores-{args.size}-embedded.db"
            shutil_rm(kept)
            OUT.mkdir(parents=True, exist_ok=True)
            shutil.move(str(work / "g.db"), kept)
            print(f"the findings differ: the embedded store is kept in {kept}", flush=True)
            for c in differ:
                (OUT / f"stores-{args.size}-{c}.json").write_text(
                    json.dumps({"embedded": fe[c], "neo4j": fn[c]}, ensure_ascii=False, indent=1)
                )
        shutil_rm(work / "g.db")
    e, n = result["embedded"], result["neo4j"]
    result["same_graph"] = e["stats"] == n["stats"]
    result["checks"] = {}
    for c in [c for c in names if c in n.get("checks", {})]:
        ce, cn = e["checks"][c], n["checks"][c]
        result["checks"][c] = {
            "embedded_s": ce["seconds"],
            "embedded_cpu_s": ce["cpu_seconds"],
            "neo4j_s": cn["seconds"],
            "neo4j_client_cpu_s": cn["cpu_seconds"],
            "neo4j_server_cpu_s": cn["server_cpu_seconds"],
            "findings": ce["findings"],
            "same": fe[c] == fn[c] and not ce["error"] and not cn["error"],
            # findings whose people were registered in more than one county (ID numbers' first 6 digits): a
            # store per county would not see them
            "cross_county": sum(len({str(p)[:6] for p in f.get("person_ids") or []}) > 1 for f in fe[c]),
        }
        if not result["checks"][c]["same"]:  # which findings differ, by their id, to see why
            result["checks"][c]["difference"] = difference(fe[c], fn[c])
            result["checks"][c]["errors"] = [ce["error"], cn["error"]]
    result["seconds"] = time.perf_counter() - t_run
    result["load_after"] = os.getloadavg()
    report(result)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"stores-{args.size}.json").write_text(json.dumps(result, indent=1))
    if "stopped" in n:
        sys.exit(f"Neo4j was stopped after {len(result['checks'])} of {len(names)} checks")
    if not result["same_graph"] or not all(v["same"] for v in result["checks"].values()):
        sys.exit("the stores disagree")
    if any(v["rows"] for v in e.get("values_differ", {}).values()):
        sys.exit("the embedded graph's values differ from its tables")


def shutil_rm(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def report(r: dict[str, Any]) -> None:
    """The side-by-side table."""
    e, n = r["embedded"], r["neo4j"]
    ie, i4 = e["ingest"], n["ingest"]
    print(
        f"\n{r['size']} seed {r['seed']}, {r['input_rows']:,} input rows, "
        f"{e['nodes']:,} nodes, {e['rels']:,} rels"
    )
    print(f"{'':28s} {'embedded':>12s} {'neo4j':>12s}")
    print(
        f"{'ingest wall s':28s} {ie['seconds']:12.1f} {i4['seconds']:12.1f}  "
        f"({i4['seconds'] / ie['seconds']:.1f}x)"
    )
    print(f"{'ingest CPU s (client)':28s} {ie['cpu_seconds']:12.1f} {i4['cpu_seconds']:12.1f}")
    print(f"{'ingest CPU s (server)':28s} {'':12s} {i4['server_cpu_seconds']:12.1f}")
    print(f"{'peak RSS Python, ingest MB':28s} {ie['peak_mb']:12,.0f} {i4['peak_mb']:12,.0f}")
    print(
        f"{'peak RSS Python, checks MB':28s} {e['checks_peak_mb']:12,.0f} {n.get('checks_peak_mb', 0):12,.0f}"
    )
    print(f"{'peak RSS Neo4j JVM MB':28s} {'':12s} {n['server_peak_mb']:12,.0f}")
    print(
        f"{'store on disk MB':28s} {e['disk_mb']:12,.0f} {n['disk_mb']:12,.0f}  "
        f"(+ tx log {n['tx_log_mb']:,.0f})"
    )
    print(f"{'graph':28s} {'same' if r['same_graph'] else 'DIFFERENT':>25s}\n")
    print(
        f"{'check':26s} {'emb s':>8s} {'emb cpu':>8s} {'neo4j s':>8s} {'srv cpu':>8s} {'ratio':>6s} "
        f"{'found':>7s} same"
    )
    for c, v in r["checks"].items():
        ratio = v["neo4j_s"] / v["embedded_s"] if v["embedded_s"] else 0
        print(
            f"{c:26s} {v['embedded_s']:8.2f} {v['embedded_cpu_s']:8.1f} {v['neo4j_s']:8.2f} "
            f"{v['neo4j_server_cpu_s']:8.1f} {ratio:5.1f}x {v['findings']:7d} {'yes' if v['same'] else 'NO'}"
        )
    te = sum(v["embedded_s"] for v in r["checks"].values())
    tn = sum(v["neo4j_s"] for v in r["checks"].values())
    print(f"{'all checks':26s} {te:8.1f} {'':8s} {tn:8.1f} {'':8s} {tn / te if te else 0:5.1f}x")
    print(
        f"run {r['seconds']:.0f} s; load {r['load_before'][0]:.1f} before, {r['load_after'][0]:.1f} after",
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(","), float(sys.argv[6]))
    else:
        main()
