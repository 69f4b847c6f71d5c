"""Crash-safe output files: written whole to a temporary file in the same folder, then renamed over the
target.

A kill, a full disk or an exception part-way leaves the previous good file (or no file) — never a CSV cut
after seven rows, a 195-byte XLSX or an empty JSON.  The temporary file is
``.<name>.<pid>.<random>.tmp<suffix>`` beside the target (a rename is only atomic within one file system;
the suffix stays, as some writers check it); one left behind by a killed process is
removed by the next write of the same target.

    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)

    with atomic_path(path) as tmp:       # for writers that want a path (openpyxl, networkx)
        workbook.save(tmp)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "atomic_path", "atomic_text"]


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _sweep(path: Path) -> None:
    """Remove temporary files of ``path`` left by processes that no longer run."""
    end = f".tmp{path.suffix}"
    for old in path.parent.glob(f".{path.name}.*{end}"):
        parts = old.name[len(path.name) + 2 : -len(end)].split(".")
        if len(parts) != 2 or not parts[0].isdigit():
            continue
        pid = int(parts[0])
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            old.unlink(missing_ok=True)
        except OSError:
            pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on a clean exit it is flushed to disk and renamed to
    ``path`` (keeping the mode of the file it replaces), on an exception it is removed."""
    path = Path(path)
    _sweep(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        yield tmp
        mode = path.stat().st_mode & 0o777 if path.exists() else _umask_mode()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", **open_kw: Any) -> Iterator[IO[Any]]:
    """An open file (``open(…, mode, **open_kw)``) whose content replaces ``path`` only when the block ends
    without an exception."""
    if not mode.startswith("w"):
        raise ValueError("atomic_write only writes (mode 'w' or 'wb')")
    with atomic_path(path) as tmp, open(tmp, mode, **open_kw) as fh:
        yield fh


def atomic_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; ``path``."""
    with atomic_write(path, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)
