"""``graphaudit serve`` as users run it: a real server process on loopback, with several workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graphaudit.api.auditlog import AuditLog
from graphaudit.api.context import RunLock
from graphaudit.api.state import State
from graphaudit.api.tokens import TokenStore
from graphaudit.checks import CHECKS
from graphaudit.synth import generate
from tests.stores import loaded_store

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _serve(db: Path, workers: int) -> tuple[subprocess.Popen[str], list[str]]:
    """``graphaudit serve`` in a process of its own, once it has announced its URL (and what it printed)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graphaudit.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            str(_free_port()),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if "serving on" in line:
            return proc, lines
    proc.kill()
    raise AssertionError(f"server did not start: {''.join(lines)}")


served_first: dict[int, int] = {}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("serve")
    generate(tmp / "data", "village", seed=2)
    loaded_store(tmp, tmp / "data").close()
    db = tmp / "g.db"
    tokens = {
        role: TokenStore(State(db / "state")).create(f"{role}用户", role)[1]
        for role in ("auditor", "investigator")
    }
    proc, lines = _serve(db, 2)
    base = lines[-1].split("serving on ")[1].split()[0].rstrip("/")
    # the first request after the announcement is answered, with nothing retried
    first = httpx.get(
        base + "/api/stats", headers={"Authorization": f"Bearer {tokens['auditor']}"}, timeout=30
    )
    served_first[2] = first.status_code
    yield base, tokens, db, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_the_url_is_announced_once_every_worker_answers(served) -> None:  # type: ignore[no-untyped-def]
    """Workers build their search index before they take requests: the URL is printed only then."""
    assert served_first[2] == 200


def test_one_worker_announces_the_url_once_it_answers(served) -> None:  # type: ignore[no-untyped-def]
    _, tokens, db, _ = served
    proc, lines = _serve(db, 1)
    try:
        base = lines[-1].split("serving on ")[1].split()[0].rstrip("/")
        r = httpx.get(
            base + "/api/stats", headers={"Authorization": f"Bearer {tokens['auditor']}"}, timeout=30
        )
        assert r.status_code == 200
        assert "building the search index" in "".join(lines[:-1]) and "1 worker," in lines[-1]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def test_two_workers_answer_and_share_the_state(served) -> None:  # type: ignore[no-untyped-def]
    base, tokens, db, proc = served
    workers = _children(proc.pid)
    assert len(workers) >= 2
    audit = AuditLog(State(db / "state"))
    before = audit.read(limit=1)[0]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['investigator']}"}) as c:
        hits = [c.get("/api/search", params={"q": q}) for q in ["王", "李", "张", "刘"] * 10]
        assert all(r.status_code == 200 for r in hits)
        ref = next(h["ref"] for r in hits for h in r.json()["items"] if h["label"] == "Person")
        nb = c.get("/api/graph/neighbourhood", params={"ref": ref})
        # a node reference made by one worker resolves in the other: both use the state folder's key
        assert nb.status_code == 200 and nb.json()["center"]["ref"] == ref
        same = [c.get("/api/graph/neighbourhood", params={"ref": ref}).json() for _ in range(6)]
        assert all(s == nb.json() for s in same)
        # one connection stays with one worker: each masked reference again on a new connection, so that
        # references made by either worker are resolved by either
        refs = sorted({h["ref"] for r in hits for h in r.json()["items"] if h["label"] == "Person"})[:12]
        fresh = [
            httpx.get(base + "/api/graph/neighbourhood", params={"ref": x}, headers=c.headers) for x in refs
        ]
        assert len(refs) >= 8 and [f.status_code for f in fresh] == [200] * len(refs)
    # every request of either worker is in the one log
    assert audit.read(limit=1)[0] == before + 47 + len(refs)
    r = httpx.get(base + "/api/search", params={"q": "王"})
    assert r.status_code == 401


def test_checks_run_through_a_worker_give_the_direct_findings(served) -> None:  # type: ignore[no-untyped-def]
    base, tokens, db, _ = served
    from graphaudit.store.embedded import LadybugStore

    with LadybugStore(db, read_only=True) as s:
        direct = {name: len(CHECKS[name].run(s)) for name in ("deceased_recipient", "collusive_cluster")}
    r = httpx.post(
        base + "/api/checks/run",
        json={"checks": list(direct)},
        timeout=300,
        headers={"Authorization": f"Bearer {tokens['auditor']}"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == direct


def test_one_check_run_at_a_time_across_processes(tmp_path: Path) -> None:
    """The run lock is a lock on a file: a second holder (another worker process) is refused until release."""
    a, b = RunLock(State(tmp_path)), RunLock(State(tmp_path))
    assert a.acquire(blocking=False)
    assert not b.acquire(blocking=False)
    a.release()
    assert b.acquire(blocking=False)
    assert not a.acquire(blocking=False)
    b.release()


def test_stops_cleanly(served) -> None:  # type: ignore[no-untyped-def]
    _, _, _, proc = served
    workers = _children(proc.pid)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0 or proc.returncode in (0, -signal.SIGINT)
    time.sleep(0.5)
    assert not [
        p
        for p in workers
        if Path(f"/proc/{p}").exists() and "zombie" not in Path(f"/proc/{p}/status").read_text().lower()
    ]
