"""Give freed memory back to the operating system after a large step (a load, a check run).

A prefecture's load builds ~9 GB of frames in Python and Arrow; once they are freed, glibc's malloc and
Arrow's memory pool keep most of those pages for reuse, so a process that goes on to run the checks
(``graphaudit demo``, the API's load jobs, the benchmarks) carried ~6 GB it no longer used into them.
:func:`release` hands them back: a garbage collection, Arrow's ``release_unused`` and glibc's ``malloc_trim``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache

import pyarrow as pa

__all__ = ["release", "rss_mb"]


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def release() -> None:
    """Collect garbage and return the freed pages of Arrow's pool and of malloc to the operating system."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:  # glibc only (musl, macOS: no such call, nothing to do)
        trim(0)


def rss_mb() -> float:
    """This process's resident memory now, in MiB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
