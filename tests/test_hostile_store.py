"""Issue 19, crash safety of ingest: a load killed at each step of the embedded store's generation switch
leaves a store that still reads (the old or the new data) and that the next load updates."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graphaudit.ingest.pipeline import ingest
from graphaudit.store.embedded import LadybugStore
from tests.hostile_files import TINY, tiny_copy

ROOT = Path(__file__).resolve().parents[1]

#: Runs in a child: load ``data`` into ``db`` and die (os._exit, as kill -9 would: no cleanup, no finally)
#: at ``step`` of the generation switch.
KILLER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    db, data, step = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    real_rename, real_replace = os.rename, os.replace

    def rename(src, dst, *a, **k):
        if Path(dst).parent == db and Path(dst).name.startswith("gen-"):
            if step == "before_rename":
                os._exit(9)
            real_rename(src, dst, *a, **k)
            if step == "after_rename":
                os._exit(9)
            return
        real_rename(src, dst, *a, **k)

    def replace(src, dst, *a, **k):
        if Path(dst) == db / "CURRENT":
            if step == "before_switch":
                os._exit(9)
            real_replace(src, dst, *a, **k)
            if step == "after_switch":
                os._exit(9)
            return
        real_replace(src, dst, *a, **k)

    os.rename, os.replace = rename, replace
    from graphaudit.ingest.pipeline import ingest
    from graphaudit.store.embedded import LadybugStore
    ingest(Path(data), LadybugStore(db, max_db_size=1 << 30))
    os._exit(0)
    """
)


@pytest.mark.parametrize("step", ["before_rename", "after_rename", "before_switch", "after_switch"])
def test_kill_at_each_step_of_the_switch_leaves_a_store_that_loads_again(tmp_path: Path, step: str) -> None:
    db = tmp_path / "g.db"
    store = LadybugStore(db, max_db_size=1 << 30)
    ingest(TINY, store)
    before = store.stats()
    first = store.data_version()
    store.close()
    month = tiny_copy(tmp_path / "feb", only=["subsidies"])
    (month / "subsidies_2024-01.csv").rename(month / "subsidies_2024-02.csv")
    text = (month / "subsidies_2024-02.csv").read_bytes().replace(b"FF-000", b"FF-020")
    (month / "subsidies_2024-02.csv").write_bytes(text)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-c", KILLER, str(db), str(month), step],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert child.returncode == 9, child.stderr[-2000:]
    killed = LadybugStore(db, max_db_size=1 << 30)
    try:
        after_kill = killed.stats()  # the store still reads: the old data, or the new once CURRENT switched
        switched = killed.data_version() != first
        assert switched == (step == "after_switch")
        assert after_kill["Payment"] == before["Payment"] + (3 if switched else 0)
        ingest(month, killed)  # the next load works (no "Directory not empty")
        assert killed.stats()["Payment"] == before["Payment"] + 3
        assert sorted(p.name for p in db.glob("gen-*"))[-1] == killed.data_version()
        assert not list(db.glob(".gen-*.tmp"))
    finally:
        killed.close()
