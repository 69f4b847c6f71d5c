"""graphaudit.memory: freed Arrow memory goes back to the operating system (a load's frames are not carried
into the checks run after it in the same process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from graphaudit import memory


def test_release_returns_freed_arrow_memory() -> None:
    # in a child process: this one's heap holds whatever earlier tests left
    code = textwrap.dedent(
        """
        import numpy as np, pyarrow as pa, pyarrow.compute as pc
        from graphaudit import memory
        chunks = [pc.add(pa.array(np.arange(1_000_000, dtype=np.int64)), 1) for _ in range(40)]  # 320 MB
        held = memory.rss_mb()
        del chunks
        kept = memory.rss_mb()
        memory.release()
        print(held, kept, memory.rss_mb())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    held, kept, released = map(float, out.split())
    assert kept > held - 100  # the pool keeps the freed pages ...
    assert released < kept - 200  # ... until release() hands them back


def test_release_is_safe_to_repeat() -> None:
    memory.release()
    memory.release()
    assert memory.rss_mb() > 0
