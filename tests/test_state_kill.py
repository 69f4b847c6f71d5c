"""Review writes survive kill -9: a process reviewing a case back and forth is killed mid-stream; the state
database opens, is intact, and holds every review the process had reported as written (WAL, one transaction
per review)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from graphaudit.cases.review import Status
from graphaudit.cases.store import CaseStore
from graphaudit.state import DB_FILE, State
from tests.test_cases import F, ids, record

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from graphaudit.cases.review import Status
    from graphaudit.cases.store import CaseStore
    from graphaudit.state import State

    folder, cid, log = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    store = CaseStore(State(folder))
    n = 0
    with log.open("a") as out:
        while True:  # 核查中 ⇄ 新线索, each one committed review
            to = Status.verifying if n % 2 == 0 else Status.new
            store.review(cid, to, f"第{n}次", "甲")
            n += 1
            out.write(f"{n}\\n")
            out.flush()
    """
)


def test_reviews_written_before_a_kill_are_all_there(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    store = CaseStore(State(folder))
    record(store, 1, F("kin_approved_subsidy", "R", {"P1": 600}))
    (cid,) = ids(store)
    log = tmp_path / "written"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), cid, str(log)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not log.exists() or len(log.read_text().split()) < 40:
            assert proc.poll() is None, "the writer stopped before it was killed"
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    written = int(log.read_text().split()[-1])
    with sqlite3.connect(folder / DB_FILE) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    case = CaseStore(State(folder)).get(cid)
    assert case is not None
    comments = [r["comment"] for r in case["reviews"] if r["comment"].startswith("第")]
    # every review reported written is there, in order (one more may have committed before it was logged)
    assert comments[:written] == [f"第{n}次" for n in range(written)]
    assert len(comments) in (written, written + 1)
    # and the state takes new reviews after the crash
    store = CaseStore(State(folder))
    before = len(case["reviews"])
    last = comments[-1]
    nxt = "新线索" if int(last[1:-1]) % 2 == 0 else "核查中"
    store.review(cid, Status(nxt), "重启后", "乙")
    after = store.get(cid)
    assert after is not None and len(after["reviews"]) == before + 1
