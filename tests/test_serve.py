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
    port = _free_port()
    proc = subprocess.Popen(
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
            "2",
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if (
                httpx.get(
                    base + "/api/stats", headers={"Authorization": f"Bearer {tokens['auditor']}"}
                ).status_code
                == 200
            ):
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"server did not start: {proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.3)
    yield base, tokens, db, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


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
    assert audit.read(limit=1)[0] == before + 47  # every request of either worker is in the one log
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
