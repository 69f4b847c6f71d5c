"""Issue 20: LadybugDB 0.22.0 deadlocks in a parallel COPY of a few hundred thousand distinct non-ASCII STRING
primary keys (benchmarks/repro_ladybug_copy_hang.py).  300,000 Chinese addresses hung every run under the old
load (one parallel COPY per label); the store must load them.  The load runs in a child process under a
timeout, so a hang fails the test instead of blocking the suite."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROWS = 300_000
TIMEOUT = 90  # the load takes ~3 s; a hang never returns

LOAD = textwrap.dedent(
    """
    import random, sys
    from pathlib import Path
    import pandas as pd
    from graphaudit.model import MODEL, GraphFrames
    from graphaudit.store.embedded import LadybugStore

    rows = int(sys.argv[2])
    rng = random.Random(1)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    keys = set()
    while len(keys) < rows:
        keys.add("".join(rng.choice(han) for _ in range(4)))
    keys = list(keys)
    def frame(label, ids):
        return pd.DataFrame({p: ids if p == "id" else None for p in MODEL.nodes[label].properties})
    people = [f"11010119800101{i:04d}" for i in range(1000)]
    graph = GraphFrames(
        nodes={"Address": frame("Address", keys), "Person": frame("Person", people + ["~户1:张三"])},
        rels={("HAS_ADDRESS", "Person", "Address"): pd.DataFrame({"from": people, "to": keys[:1000]})},
    )
    store = LadybugStore(Path(sys.argv[1]), max_db_size=1 << 31)
    store.replace({}, graph)
    s = store.stats()
    print(s["Address"], s["Person"], s["HAS_ADDRESS"])
    """
)


def test_many_chinese_keys_load_without_hanging(tmp_path: Path) -> None:
    try:
        out = subprocess.run(
            [sys.executable, "-c", LOAD, str(tmp_path / "g.db"), str(ROWS)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"COPY of {ROWS:,} Chinese keys did not finish in {TIMEOUT} s (hang)") from e
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(ROWS), "1001", "1000"]
