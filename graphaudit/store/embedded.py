"""The embedded store: LadybugDB on disk, no server.

Layout of the store folder (default ./graphaudit.db)::

    CURRENT            name of the live generation
    gen-000007/        one generation: the normalised source tables and the graph built from them
        tables/*.parquet
        graph.lbdb     the LadybugDB database file
        manifest.json  counts and load time

A load builds a new generation beside the live one (bulk COPY from Arrow tables, never row by row), then
switches CURRENT with an atomic rename.  A failed load leaves the live generation untouched; readers that
opened the old generation keep working.  The previous generation is kept until the next load, so a server
that still holds it is not pulled from under it.

Reads are thread-safe: the store opens one read-only Database on the live generation and gives each thread
its own connection on it, so a server's threads query at the same time (LadybugDB runs queries on separate
connections in parallel).  When a load switches CURRENT, the next query waits until the queries running on
the old generation are done, closes it and opens the new one.

Memory: LadybugDB caches the pages it reads and keeps each query's working memory in one buffer pool, by
default 80 % of the machine's memory, and never gives it back while the Database is open — after all checks
over a prefecture (a 3.9 GB graph) a process held 12 GB.  The read-only Database here starts with a pool of
``buffer_pool_mb`` (default :func:`default_buffer_pool_mb`; ``GRAPHAUDIT_BUFFER_POOL_MB`` sets it), evicting
pages it read when full; a query that needs more working memory than the pool holds runs again on a pool
twice the size, up to LadybugDB's default (one warning in the log each time).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import ladybug
import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from graphaudit.errors import StoreError
from graphaudit.ingest.build import BUILD_ID, FullGraphNeeded, Patched, Previous, Reused
from graphaudit.ingest.stream import Written
from graphaudit.model import KEY, MODEL, GraphFrames, ModelError
from graphaudit.store.base import Capabilities, neighbours, walk_subgraph
from graphaudit.store.catalog import query_text
from graphaudit.store.decimals import floats, floats_in_rows, for_copy
from graphaudit.store.ladybug_diff import (
    CHECKSUMS,
    DIGEST,
    FRAMES,
    Edits,
    TooMuchChange,
    apply_frame,
    checksum,
    digest,
    digest_name,
    frame_of,
    read_digest,
    remove_frame,
    same_rows,
    write_digest,
)
from graphaudit.store.verify import Expected, Verification

__all__ = ["LadybugStore"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: the buffer pool a read-only graph opens with when neither the caller nor GRAPHAUDIT_BUFFER_POOL_MB says
DEFAULT_BUFFER_POOL_MB = 4096


def max_buffer_pool_mb() -> int:
    """LadybugDB's own default pool: 80 % of the machine's memory (MiB) — the most a query may grow it to."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 16
    return max(256, int(total * 0.8) >> 20)


def default_buffer_pool_mb() -> int:
    """The starting pool: ``GRAPHAUDIT_BUFFER_POOL_MB`` if set (a whole number of MiB, at least 64), else
    :data:`DEFAULT_BUFFER_POOL_MB`; never more than :func:`max_buffer_pool_mb`."""
    text = os.environ.get("GRAPHAUDIT_BUFFER_POOL_MB", "").strip()
    if text:
        try:
            wanted = int(text)
        except ValueError:
            raise StoreError(
                f"GRAPHAUDIT_BUFFER_POOL_MB={text!r}: 应为整数（MB） (a whole number of MiB, e.g. 4096)"
            ) from None
        if wanted < 64:
            raise StoreError(f"GRAPHAUDIT_BUFFER_POOL_MB={wanted}: 至少 64 MB (at least 64)")
    else:
        wanted = DEFAULT_BUFFER_POOL_MB
    return min(wanted, max_buffer_pool_mb())


ARROW = {
    "string": pa.string(),
    "date": pa.date32(),
    "double": pa.float64(),
    "int64": pa.int64(),
    "bool": pa.bool_(),
}


#: Rows per Arrow batch handed to COPY: LadybugDB scans an Arrow table one batch per thread, so one big batch
#: would be copied on one core.
COPY_BATCH = 65536


def _batches(table: pa.Table) -> pa.Table:
    """The table as batches of COPY_BATCH rows (slices, no copy)."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=COPY_BATCH), table.schema)


def _arrow(kind: str, key: Any, df: pd.DataFrame) -> pa.Table:
    """A graph frame as the Arrow table COPY reads (the model's types)."""
    if kind == "node":
        fields = {p: ARROW[t] for p, t in MODEL.nodes[key].properties.items()}
    else:
        fields = {
            "from": pa.string(),
            "to": pa.string(),
            **{p: ARROW[t] for p, t in MODEL.rels[key[0]].properties.items()},
        }
    return pa.Table.from_pandas(df, schema=pa.schema(list(fields.items())), preserve_index=False)


def _forget_copy(conn: ladybug.Connection) -> None:
    """Drop the statements ladybug's Python API keeps per connection after a ``COPY … FROM frame``: the one it
    prepared holds the frame's Arrow buffers (exported when it bound them) until the connection closes, so
    every frame of a load stayed in memory to its end (a county's load peaked at 1.8 GB with them, 1.45 GB
    without; ladybug 0.22.0's ``_pybind_implicit_prepared_cache``)."""
    cache = getattr(conn, "_pybind_implicit_prepared_cache", None)
    if isinstance(cache, dict):
        cache.clear()


def _copy_rows(
    conn: ladybug.Connection, serial: ladybug.Connection, kind: str, key: Any, table: pa.Table
) -> None:
    """COPY rows of a frame into their table (empty or not)."""
    if kind == "node":
        _copy_nodes(conn, serial, key, table)
    else:
        rtype, a, b = key
        frame = _batches(for_copy(kind, key, table))  # noqa: F841 - ``COPY … FROM frame`` reads it by name
        conn.execute(f"COPY {rtype} FROM frame (from='{a}', to='{b}')")
        _forget_copy(conn)


def _copy_nodes(conn: ladybug.Connection, serial: ladybug.Connection, label: str, table: pa.Table) -> None:
    """COPY node rows into their table (empty or not).  Rows whose key is plain ASCII are copied on every
    core (``conn``); rows whose key has any other character (Chinese addresses, ``~household:name`` keys) on
    one thread (``serial``, a connection on the same database limited to one thread).

    LadybugDB 0.22.0's primary-key index builder deadlocks (two workers waiting in
    ``IndexBuilderGlobalQueues::maybeConsumeIndex``, no CPU used) when a COPY on several threads inserts a
    few hundred thousand distinct non-ASCII STRING keys: 300k Chinese keys hang every time, 160k now and
    then, while 3M ASCII keys (resident IDs, USCCs) and 3M INT64 keys load; the batch size does not matter
    and one thread never hangs (benchmarks/repro_ladybug_copy_hang.py).  Copying those rows on one thread
    costs little: they are a few tables' keys (addresses), not the people."""
    table = for_copy("node", label, table)
    ascii_key = pc.fill_null(pc.string_is_ascii(table.column(KEY)), True)
    n_ascii = pc.sum(ascii_key).as_py() or 0
    if n_ascii == len(table):
        parts = [(table, conn)]
    else:
        parts = [(table.filter(ascii_key), conn), (table.filter(pc.invert(ascii_key)), serial)]
    for part, on in parts:
        if len(part):
            frame = _batches(part)  # noqa: F841 - ``COPY … FROM frame`` reads this local by its name
            on.execute(f"COPY {label} FROM frame")
            _forget_copy(on)


def _text_array(values: pd.Series | pa.Array | pa.ChunkedArray | np.ndarray) -> pa.Array:
    """Keys or relationship ends as one Arrow large_string array (a missing value null)."""
    if isinstance(values, pd.Series):
        values = (
            values.array if isinstance(values.dtype, (pd.StringDtype, pd.ArrowDtype)) else values.to_numpy()
        )
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        try:
            values = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = pa.array([None if v is None or v != v else str(v) for v in values], pa.large_string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type != pa.large_string():
        values = pc.cast(values, pa.large_string())
    return values


#: The form of the digests a generation's frames.json vouches for (ladybug_diff.digest: a 128-bit row hash;
#: form 3: fingerprint.text_hashes128, not pandas' SipHash of each row as a Python string; form 4: the graph
#: written without compression; form 5: compressed again, every double a DECIMAL (graphaudit.store.decimals)
#: — a generation of an older form is written whole once, so that no column of another type is edited on).
DIGEST_FORM = 5


def open_for_writing(file: Path, max_db_size: int) -> ladybug.Database:
    """A graph database opened to be written, compressed (LadybugDB's default).

    LadybugDB 0.22.0 reads a compressed **DOUBLE** column wrong when a query scans the nodes under a
    semi-mask (a MATCH that reaches them from a filtered other side, e.g. payments from the people with a
    death date): a value the column's float compression (ALP) keeps as an exception comes back 0.0, while a
    full scan and a lookup by key give it.  A filter written into the query and pushed into the scan does the
    same (132 of a prefecture's 1.3M amounts under ``WHERE n.pay_date = date('…')``).  Which values depends on
    how COPY laid the rows out, so it came and went between loads of the same prefecture: one payment of
    14,197.91 元 read as 0 in ``deceased_recipient`` in two of ~10 loads
    (``benchmarks/repro_ladybug_alp_mask.py`` reproduces it with no graphaudit code).  So the store keeps no
    DOUBLE column: every model double is a ``DECIMAL(18, n)`` (model.yaml ``double(n)``), an integer inside,
    which reads right on those paths (graphaudit.store.decimals; tests/test_store_double_scan.py).  Written
    uncompressed instead (graphaudit 2026-12-07) the graph file was ~2.5× as big and a prefecture's load and
    checks ~25 % slower."""
    return ladybug.Database(str(file), max_db_size=max_db_size)


def _frames_info(generation: Path) -> dict[str, Any] | None:
    """A generation's digest/frames.json, if its digests have the form this code writes (None: a generation
    of an older graphaudit, whose graph is written whole once)."""
    try:
        info = json.loads((generation / DIGEST / FRAMES).read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and info.get("digest") == DIGEST_FORM else None


def _all_among(values: pa.Array, keys: pa.Array) -> bool:
    """Whether every value is among the keys, for a few values among many keys (a month's payments' ends
    among a county's people): the keys looked up among the distinct values, not a table of every key built
    for each frame.  False (a value missing, or too many values for this to pay) sends the caller to look
    value by value."""
    if len(values) * 8 > len(keys) or values.null_count:
        return False
    distinct = pc.unique(values)
    found = keys.filter(pc.is_in(keys, value_set=distinct))
    return int(pc.count_distinct(found).as_py()) == len(distinct)


#: The file a copy made ahead holds locked while a load may use it (LadybugStore._start_prefetch).
_IN_USE = ".in-use"


def _remove_copy(folder: Path, lock: IO[str]) -> None:
    """Remove a copy made ahead and let go of its lock."""
    shutil.rmtree(folder, ignore_errors=True)
    lock.close()


def _in_use(folder: Path) -> bool:
    """Whether a process holds the copy made ahead in ``folder`` (its :data:`_IN_USE` file locked)."""
    try:
        with open(folder / _IN_USE, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # the folder is gone (removed this instant): nothing to keep
        return False
    return False


def _copy_database(generation: Path, folder: Path) -> None:
    """Copy a generation's database files (``graph.lbdb`` and any beside it) into ``folder``."""
    for f in sorted(generation.glob("graph.lbdb*")):
        shutil.copyfile(f, folder / f.name)


def _checkpoint(conn: ladybug.Connection) -> None:
    """Write an edited load's changes into the database file (its only checkpoint)."""
    conn.execute("CHECKPOINT")


def _link(src: Path, dst: Path) -> None:
    """``dst`` as a hard link to ``src`` (a copy on a file system without them)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


class LadybugStore:
    """GraphStore on LadybugDB.  ``max_db_size`` bounds the virtual memory LadybugDB reserves (tests that
    open many stores should pass a small one).  ``query_threads``: threads one query may use (0: LadybugDB's
    default, every core); the API server passes 1, as it runs many small queries at once and spreading each
    over the cores cost it a third more CPU per query.  ``edit_in_place``: a load edits a copy of the live
    graph where the new graph differs from it (False: every load COPYs the whole graph)."""

    dialect = "ladybug"
    #: ``replace`` COPYs each frame of a graph still being built as it comes, and takes Arrow-backed columns.
    capabilities = Capabilities(graph_stream=True)

    def __init__(
        self,
        path: Path,
        read_only: bool = False,
        max_db_size: int = 1 << 36,
        query_threads: int = 0,
        edit_in_place: bool = True,
        buffer_pool_mb: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.edit_in_place = edit_in_place
        self.read_only = read_only
        self.max_db_size = max_db_size
        self.query_threads = query_threads
        self.buffer_pool_mb = buffer_pool_mb if buffer_pool_mb is not None else default_buffer_pool_mb()
        self._db_pool_mb = 0  # the buffer pool _db was opened with
        self._db: ladybug.Database | None = None
        self._gen: str | None = None
        self._conns: list[ladybug.Connection] = []  # every thread's connection on _db
        self._epoch = (
            0  # bumped each time _db is (re)opened; a thread's connection of an older epoch is stale
        )
        self._local = threading.local()
        # the generation read_tables last read and its frames (weakly: the store does not keep them alive)
        self._tables_read: tuple[str | None, dict[str, weakref.ref[pd.DataFrame]]] = (None, {})
        self._cond = threading.Condition()
        self._active = 0  # queries running on _db
        self._solo: int | None = None  # the thread running a query alone (no other query starts meanwhile)
        #: What the check after the last load compared (graphaudit.store.verify).
        self.last_verification: Verification | None = None
        #: A copy of the live generation's database being made for the load that asked for the live graph
        #: (its generation, the folder, the copy), ready by the time that load edits it.
        self._prefetch: tuple[str, Path, Future[None], IO[str]] | None = None

    # -- generations ---------------------------------------------------------------------------------
    def _current(self) -> str | None:
        cur = self.path / "CURRENT"
        return cur.read_text().strip() if cur.exists() else None

    @contextmanager
    def _connection(self) -> Iterator[ladybug.Connection]:
        """This thread's connection on the live generation, for one query."""
        gen = self._current()
        if gen is None:
            raise StoreError(
                f"{self.path}: empty store (no data loaded) — load data first with "
                "`graphaudit ingest DATASET_DIR`"
            )
        with self._cond:
            while self._solo is not None and self._solo != threading.get_ident():
                self._cond.wait()  # a query runs alone
            if self._db is None or gen != self._gen or self._db_pool_mb != self.buffer_pool_mb:
                while self._active:  # queries on the old generation (or the smaller pool) finish first
                    self._cond.wait()
                if self._db is None or gen != self._gen or self._db_pool_mb != self.buffer_pool_mb:
                    self._close_db()
                    while self._db is None:
                        try:
                            self._db = ladybug.Database(
                                str(self.path / gen / "graph.lbdb"),
                                read_only=True,
                                max_db_size=self.max_db_size,
                                buffer_pool_size=self.buffer_pool_mb << 20,
                            )
                        except RuntimeError as e:
                            if "buffer pool is full" in str(e) and self._grow_pool(self.buffer_pool_mb):
                                continue
                            raise StoreError(f"{self.path}: cannot open the graph ({e})") from e
                    self._gen = gen
                    self._db_pool_mb = self.buffer_pool_mb
                    self._epoch += 1
            mine = getattr(self._local, "conn", None)
            if mine is None or mine[0] != self._epoch:
                mine = (self._epoch, ladybug.Connection(self._db, num_threads=self.query_threads))
                self._local.conn = mine
                self._conns.append(mine[1])
            self._active += 1
        try:
            yield mine[1]
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise StoreError(f"{self.path}: another load is writing to this store") from e
            yield

    # -- GraphStore --------------------------------------------------------------------------------------
    def read_tables(self) -> dict[str, pd.DataFrame]:
        gen = self._current()
        if gen is None:
            return {}
        files = sorted((self.path / gen / "tables").glob("*.parquet"))
        # three files at a time, the largest first (decoding leaves the interpreter: a county's 0.26 → 0.17 s)
        largest = sorted(files, key=lambda f: -f.stat().st_size)
        with ThreadPoolExecutor(3, thread_name_prefix="graphaudit-tables") as pool:
            read = dict(zip(largest, pool.map(pd.read_parquet, largest)))
        tables = {f.stem: read[f] for f in files}
        # a load that hands back one of these frames unchanged gets its file linked, not written again
        self._tables_read = (gen, {name: weakref.ref(df) for name, df in tables.items()})
        return tables

    def last_check(self) -> dict[str, Any] | None:
        """The check of the graph the last load wrote (graphaudit.store.verify); None before one."""
        return self.last_verification.as_dict() if self.last_verification is not None else None

    def live_graph(self) -> Previous | None:
        """The live graph's frames and their rows, for a load that builds only what changed (None: the store
        does not edit in place, or the live generation does not say — then everything is built).  The load
        that asks will edit a copy of the live database: the copy starts now, beside the load's reading and
        building (:meth:`_start_prefetch`)."""
        gen = self._current()
        if gen is None or not self.edit_in_place:
            return None
        info = _frames_info(self.path / gen)
        if info is None:
            return None
        rows = {frame_of(name)[1]: int(n) for name, n in info["rows"].items()}
        folder = self.path / gen / DIGEST
        ahead = self._start_prefetch(gen)

        def column(kind: str, key: Any, name: str) -> pa.Array | None:
            path = folder / digest_name(kind, key)
            if not path.exists():
                return None
            return pq.read_table(path, columns=[name]).column(name).combine_chunks()

        previous = Previous(
            gen,
            info.get("build"),
            rows,
            keys=lambda label: column("node", label, KEY),
            froms=lambda key: column("rel", key, "from"),
        )
        if ahead is not None:  # a load that ends without writing (it failed) lets go of the copy with it
            weakref.finalize(previous, self._drop_prefetch, ahead)
        return previous

    def _start_prefetch(self, gen: str) -> Path | None:
        """Start copying the live generation's database (the first step of a load that edits it) in a
        thread of its own while the load reads its files and builds the graph: the copy is in the kernel, so
        it costs the load little but the disk.  Not waited for: :meth:`_take_prefetch` takes it, or it is
        removed (:meth:`_drop_prefetch`: the load wrote the graph whole, failed, or the store closed).  The
        folder holds a locked file (:data:`_IN_USE`) while this process may use it: one a killed process left
        is unlocked, and the next load removes it (:meth:`_recover`).  Returns the folder."""
        self._drop_prefetch()
        if self.read_only:
            return None
        folder = self.path / f".prefetch-{gen}-{os.getpid()}-{threading.get_ident()}"
        try:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            lock = open(folder / _IN_USE, "w")  # noqa: SIM115 - held until the copy is taken or removed
            fcntl.flock(lock, fcntl.LOCK_EX)
        except OSError as e:  # the load copies when it writes, as without this
            log.info("no copy of the live graph made ahead (%s)", e)
            return None
        done: Future[None] = Future()

        def copy() -> None:
            try:
                _copy_database(self.path / gen, folder)
            except BaseException as e:  # the load copies for itself then
                done.set_exception(e)
            else:
                done.set_result(None)

        threading.Thread(target=copy, name="graphaudit-prefetch", daemon=True).start()
        self._prefetch = (gen, folder, done, lock)
        return folder

    def _take_prefetch(self, live: Path, folder: Path) -> bool:
        """Move the copy of ``live``'s database :meth:`_start_prefetch` made into ``folder`` (waiting for it
        to be complete); False when there is none of that generation or it failed (the caller copies)."""
        mine = self._prefetch
        if mine is None or mine[0] != live.name or live.parent != self.path:
            self._drop_prefetch()
            return False
        self._prefetch = None
        _, made, done, lock = mine
        try:
            done.result()
            for f in made.glob("graph.lbdb*"):
                os.rename(f, folder / f.name)
        except Exception as e:
            log.info("copy of the live graph made ahead failed (%s); copying now", e)
            for f in folder.glob("graph.lbdb*"):
                f.unlink()
            return False
        finally:
            _remove_copy(made, lock)
        return True

    def _drop_prefetch(self, folder: Path | None = None) -> None:
        """Remove the copy made ahead (only if it is the one in ``folder``, when given) once it is complete:
        at once, or by the thread copying it when it ends."""
        mine = self._prefetch
        if mine is None or (folder is not None and mine[1] != folder):
            return
        self._prefetch = None
        mine[2].add_done_callback(lambda _: _remove_copy(mine[1], mine[3]))

    def replace(self, tables: dict[str, pd.DataFrame], graph: GraphFrames) -> None:
        """Write the tables (Parquet, in a thread of their own) and the graph (LadybugDB's COPY) as a new
        generation, then switch to it.  A whole graph is validated before anything is written.  A graph that
        is still being built and edits the live one is validated, in a thread of its own, once it is
        complete; one written whole into a new database is not validated twice: COPY refuses a duplicate key
        and a relationship whose end is not a node itself, and only when a COPY fails is the graph validated
        (once it is complete), so that the model's error is raised in preference to LadybugDB's."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        streamed = graph.streaming
        if not streamed:
            self._validate(graph)
        with self._write_lock():
            old = self._current()
            self._recover(old)
            n = int(old.split("-")[1]) + 1 if old else 1
            gen = f"gen-{n:06d}"
            tmp = self.path / f".{gen}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                (tmp / "tables").mkdir(parents=True)
                with ThreadPoolExecutor(2, thread_name_prefix="graphaudit-replace") as pool:
                    parquet = pool.submit(self._write_tables, tmp / "tables", tables, old)
                    edits = old is not None and self._edits(self.path / old)
                    check = pool.submit(self._validate_complete, graph) if streamed and edits else None
                    how = "copied"
                    try:
                        # nothing validates the frames after they are written: let them go as they are
                        release = streamed and check is None
                        how = self._build(tmp, graph, self.path / old if old else None, release)
                    except BaseException as e:
                        if streamed and check is None and isinstance(e, Exception):
                            # the builder goes on until the graph is complete, then it is validated
                            check = pool.submit(self._validate_complete, graph)
                            check.exception()
                        if streamed:
                            graph.reader_failed(e)  # type: ignore[attr-defined]
                        failed: BaseException | None = e
                    else:
                        failed = None
                    for error in (check.exception() if check else None, failed, parquet.exception()):
                        if error is not None:
                            raise error
                if streamed:
                    graph.check()  # type: ignore[attr-defined]  # not aborted since it was complete
                (tmp / "manifest.json").write_text(
                    json.dumps(
                        {
                            "generation": gen,
                            "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                            "counts": graph.counts(),
                            "graph": how,
                        },
                        ensure_ascii=False,
                        indent=1,
                    ),
                    encoding="utf-8",
                )
                os.rename(tmp, self.path / gen)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            finally:
                self._drop_prefetch()  # a copy made ahead that this load did not take
            self._tables_read = (None, {})
            pointer = self.path / ".CURRENT.tmp"
            pointer.write_text(gen)
            os.replace(pointer, self.path / "CURRENT")
            for d in self.path.glob("gen-*"):
                if d.name not in (gen, old):
                    shutil.rmtree(d, ignore_errors=True)

    def _recover(self, live: str | None) -> None:
        """Remove what a load killed part-way left behind (caller holds the write lock): a generation renamed
        into place but never named by CURRENT (it would block the next load's rename of the same name), a
        half-written ``.gen-*.tmp`` and a ``.CURRENT.tmp`` pointer.  The live generation is never touched."""
        for d in self.path.glob("gen-*"):
            if d.name != live and (live is None or d.name > live):
                shutil.rmtree(d, ignore_errors=True)
        for d in self.path.glob(".gen-*.tmp"):
            shutil.rmtree(d, ignore_errors=True)
        for d in self.path.glob(".prefetch-*"):  # copies made ahead by loads that ended without taking them
            if not _in_use(d):
                shutil.rmtree(d, ignore_errors=True)
        (self.path / ".CURRENT.tmp").unlink(missing_ok=True)

    def _edits(self, live: Path) -> bool:
        """Whether a load edits a copy of the live generation's database (else it COPYs the graph whole)."""
        # a generation written before frames.json has digests of another form: it is not edited
        return self.edit_in_place and _frames_info(live) is not None

    def _build(self, folder: Path, graph: GraphFrames, live: Path | None, release: bool = False) -> str:
        """The graph of a new generation in ``folder``: the live generation's database edited where the graph
        differs from it ("edited"; graphaudit.store.ladybug_diff), or, without a live generation or with too
        much change, a new database with everything COPYed ("copied")."""
        if live is not None and self._edits(live):
            try:
                self._write_graph(folder, graph, live)
                return "edited"
            except TooMuchChange:  # a graph with Reused frames cannot be written whole: FullGraphNeeded
                for f in folder.glob("graph.lbdb*"):
                    f.unlink()
                shutil.rmtree(folder / DIGEST, ignore_errors=True)
        self._write_graph(folder, graph, None, release)
        return "copied"

    def _write_graph(
        self, folder: Path, graph: GraphFrames, live: Path | None, release: bool = False
    ) -> None:
        """Write the graph and its digest into ``folder``: from scratch (``live`` None: one COPY per node
        label, in the model's order, then one per relationship frame, in the graph's order — each frame as it
        arrives, for a stream), or as a copy of the live generation's database with only the differences.
        ``release``: a stream's frames are let go once written (a relationship frame at once, a node frame
        once the builder is done: it reads node frames back for links)."""
        file = folder / "graph.lbdb"
        if live is not None and not self._take_prefetch(live, folder):
            _copy_database(live, folder)
        (folder / DIGEST).mkdir()
        expect = Expected(live)  # what the graph must hold when written (graphaudit.store.verify)
        db = open_for_writing(file, self.max_db_size)
        aside = ThreadPoolExecutor(1, thread_name_prefix="graphaudit-digest")
        try:
            conn = ladybug.Connection(db)
            serial = ladybug.Connection(db, num_threads=1)
            if live is None:
                for stmt in MODEL.ladybug_ddl():
                    conn.execute(stmt)
            else:
                # LadybugDB checkpoints after every statement by default, ~0.3 s each on a county's file: an
                # edit (a few small COPYs) checkpoints once, at the end
                conn.execute("CALL auto_checkpoint=false")
            edits = Edits()
            sums: dict[str, str] = {}
            rows: dict[str, int] = {}
            old_sums = json.loads((live / DIGEST / CHECKSUMS).read_text()) if live is not None else {}
            written: list[tuple[str, Any, pa.ChunkedArray | None]] = []  # to release
            hashing: Future[None] | None = None
            pending: list[Future[None]] = []

            def later(write: Callable[..., None], *args: Any) -> None:
                """An edited load's digest file, written on the helper thread (Parquet leaves the
                interpreter) while the edits go on: waited for after the checkpoint."""
                pending.append(aside.submit(write, *args))

            for kind, key, df in graph.arriving():
                name = digest_name(kind, key)
                rows[name] = len(df)
                if isinstance(df, (Reused, Patched)):  # the live graph's frame, as it is or patched
                    if live is None or live.name != df.generation or name not in old_sums:
                        raise FullGraphNeeded(f"{name}: not the live graph's frame")
                    if isinstance(df, Reused):
                        expect.reused(kind, key, len(df))
                        sums[name] = old_sums[name]
                        _link(live / DIGEST / name, folder / DIGEST / name)
                    else:
                        rows_of = _arrow(kind, key, df.rows)
                        expect.patched(kind, key, rows_of, df.keys, len(df))
                        sums[name] = self._patch_frame(
                            conn, serial, folder, live, kind, key, df, rows_of, old_sums, edits, later
                        )
                    continue
                if kind == "node":  # the columns (and the pair of labels): keys and ends COPY checks
                    GraphFrames.validate_node(key, df.iloc[:0])
                else:
                    GraphFrames.validate_rel(key, df.iloc[:0], {})
                table = _arrow(kind, key, df)
                expect.whole(kind, key, table)

                def copy(rows: pa.Table, kind: str = kind, key: Any = key) -> None:
                    _copy_rows(conn, serial, kind, key, rows)

                if live is None:
                    # the frame's checksum and digest (for the next load) on a helper thread while COPY
                    # writes it (COPY leaves the interpreter); one frame at a time, so frames are not held
                    if hashing is not None:
                        hashing.result()
                    hashing = aside.submit(self._hash_frame, folder, kind, key, table, sums)
                    if len(table):
                        copy(table)
                    if release:
                        written.append((kind, key, table.column(KEY) if kind == "node" else None))
                        while written and (written[-1][0] == "rel" or graph.finished()):  # type: ignore[attr-defined]
                            graph.release(*written.pop())  # type: ignore[attr-defined]
                        del table, df
                else:
                    sums[name] = checksum(table)
                    if old_sums.get(name) == sums[name]:  # the same rows: nothing to write
                        _link(live / DIGEST / name, folder / DIGEST / name)
                        continue
                    dg = digest(kind, table)
                    later(write_digest, dg, folder / DIGEST / name)
                    old = read_digest(live / DIGEST, kind, key)
                    apply_frame(conn, kind, key, table, dg, old, edits, copy)
            if hashing is not None:
                hashing.result()
            if live is not None:
                for name in sorted(set(old_sums) - set(sums)):
                    kind, key = frame_of(name)
                    remove_frame(conn, kind, key, pq.read_table(live / DIGEST / name), edits)
            (folder / DIGEST / CHECKSUMS).write_text(json.dumps(sums, indent=0, sort_keys=True))
            (folder / DIGEST / FRAMES).write_text(
                json.dumps({"digest": DIGEST_FORM, "build": BUILD_ID, "rows": rows}, indent=0)
            )
            if live is not None:
                _checkpoint(conn)
            for done in pending:  # the digest files written beside the edits and the checkpoint
                done.result()
            serial.close()
            conn.close()
        finally:
            aside.shutdown(wait=True, cancel_futures=True)
            db.close()
        self.last_verification = expect.check(file, folder / DIGEST, self.max_db_size)

    @staticmethod
    def _hash_frame(folder: Path, kind: str, key: Any, table: pa.Table, sums: dict[str, str]) -> None:
        """A frame's checksum (into ``sums``) and its digest file, for the next load to compare with."""
        name = digest_name(kind, key)
        sums[name] = checksum(table)
        write_digest(digest(kind, table), folder / DIGEST / name)

    @staticmethod
    def _patch_frame(
        conn: ladybug.Connection,
        serial: ladybug.Connection,
        folder: Path,
        live: Path,
        kind: str,
        key: Any,
        patch: Patched,
        table: pa.Table,
        old_sums: dict[str, str],
        edits: Edits,
        later: Callable[..., None],
    ) -> str:
        """Write a :class:`Patched` frame (``table``: its rows as Arrow): the rows of the patch's keys (a
        node's key, a relationship's ``from``) edited like a frame of their own
        (graphaudit.store.ladybug_diff.apply_frame), the digest the live one with those rows replaced.
        Returns the frame's checksum: one of the patch, which no whole frame's checksum equals (the next
        load compares its rows)."""
        name = digest_name(kind, key)
        old = read_digest(live / DIGEST, kind, key)
        assert old is not None
        dg = digest(kind, table)
        end = old.column(KEY if kind == "node" else "from")
        mine = pc.fill_null(pc.is_in(end, value_set=pa.array(patch.keys.tolist(), pa.string())), False)
        if same_rows(old.column("row").filter(mine), dg.column("row")):
            # the patch's keys hold the rows they held (a month's recipients, as they were): nothing to
            # write, and the frame is the live one — its digest linked and its checksum kept
            _link(live / DIGEST / name, folder / DIGEST / name)
            return old_sums[name]

        def copy(rows: pa.Table) -> None:
            _copy_rows(conn, serial, kind, key, rows)

        apply_frame(conn, kind, key, table, dg, old.filter(mine), edits, copy)
        later(
            write_digest,
            pa.concat_tables([old.filter(pc.invert(mine)), dg.cast(old.schema)]),
            folder / DIGEST / name,
        )
        return "patched-" + checksum(
            pa.table({"was": [old_sums[name]], "rows": [checksum(table)], "keys": [len(patch.keys)]})
        )

    def _write_tables(self, folder: Path, tables: dict[str, pd.DataFrame], live: str | None) -> None:
        """The tables as Parquet files; a table read from the live generation and handed back as it was is
        linked to its file there."""
        gen, read = self._tables_read
        for name, df in tables.items():
            was = read.get(name)
            if live is not None and gen == live and was is not None and was() is df:
                _link(self.path / live / "tables" / f"{name}.parquet", folder / f"{name}.parquet")
            else:
                df.to_parquet(folder / f"{name}.parquet", index=False)

    @classmethod
    def _validate_complete(cls, graph: GraphFrames) -> None:
        """Validate a streamed graph once it is complete (not one whose builder failed)."""
        if graph.complete():  # type: ignore[attr-defined]
            cls._validate(graph)

    @staticmethod
    def _validate(graph: GraphFrames) -> None:
        """:meth:`GraphFrames.validate` for the frames built in this load, on Arrow arrays (no Python object
        per key): a :class:`Reused` frame is the live graph's, validated when it was built (the builder
        builds every label a new relationship frame ends at, so those are checked against the new nodes); of
        a :class:`Patched` frame, the rows of the keys patched."""
        ids: dict[str, pa.Array] = {}
        for label, df in graph.nodes.items():
            if isinstance(df, Reused):
                continue
            if isinstance(df, Written):  # COPY took it: its keys are unique
                if df.keys is not None:
                    ids[label] = _text_array(df.keys)
                continue
            rows = df.rows if isinstance(df, Patched) else df
            graph.validate_node(label, rows.iloc[:0])  # the columns
            keys = _text_array(rows[KEY])
            if pc.count_distinct(keys, mode="all").as_py() != len(keys):
                dup = rows[KEY].duplicated()
                raise ModelError(f"graph frame {label}: duplicate key {rows[KEY][dup].iloc[0]!r}")
            # a patch's other keys are the live frame's, none of them among the patched ones
            if isinstance(df, Patched) and df.every_key is not None:
                keys = _text_array(df.every_key)
            ids[label] = keys
        empty = pa.array([], pa.large_string())
        for key, df in graph.rels.items():
            if isinstance(df, (Reused, Written)):  # Written: COPY found every end
                continue
            if isinstance(df, Patched):
                df = df.rows
            graph.validate_rel(key, df.iloc[:0], {})  # the pair of labels and the columns
            for side, label in (("from", key[1]), ("to", key[2])):
                if not len(df):
                    continue
                ends = _text_array(df[side])
                among = ids.get(label, empty)
                if _all_among(ends, among):
                    continue
                found = pc.fill_null(pc.is_in(ends, value_set=among), False)
                if not pc.all(found).as_py():
                    missing = ends.filter(pc.invert(found)).to_pylist()
                    shown = sorted({v for v in missing if v is not None})[:3]
                    shown += [None] if None in missing and len(shown) < 3 else []
                    raise ModelError(f"graph frame {key[0]}: {side} {shown} not among {label} nodes")

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._rows(cypher, params, cypher)

    def _rows(self, cypher: str, params: dict[str, Any] | None, what: str) -> list[dict[str, Any]]:
        """:meth:`run`, with ``what`` the query's name or text for the log."""

        def rows(conn: ladybug.Connection) -> list[dict[str, Any]]:
            res = conn.execute(cypher, params or {})
            assert not isinstance(res, list), "one statement, one result"
            cols = res.get_column_names()
            rows = floats_in_rows(res.get_all(), res.get_column_data_types())
            return [dict(zip(cols, row)) for row in rows]

        return self._query(rows, what)

    def run_columns(self, cypher: str, params: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        def columns(conn: ladybug.Connection) -> dict[str, list[Any]]:
            res = conn.execute(cypher, params or {})
            assert not isinstance(res, list), "one statement, one result"
            table = floats(res.get_as_arrow())
            return {c: table.column(c).to_pylist() for c in table.column_names}

        return self._query(columns, cypher)

    def _query(self, fetch: Callable[[ladybug.Connection], _T], what: str) -> _T:
        """``fetch`` on this thread's connection (``what``: the query's name or text, for the log).  A query
        the buffer pool was too small for runs again: alone on the same pool if other queries shared it (the
        pool is the database's, not the query's: two checks at once can fill it together), else on a pool
        twice the size (up to LadybugDB's own default, 80 % of the machine's memory)."""
        solo = False
        try:
            while True:
                with self._connection() as conn:
                    pool = self._db_pool_mb
                    try:
                        return fetch(conn)
                    except RuntimeError as e:
                        if "buffer pool is full" not in str(e):
                            raise StoreError(f"query failed: {e}") from e
                        full, crowded = e, self._active > 1
                if not solo and crowded:
                    solo = True
                    self._run_alone()
                elif not self._grow_pool(pool, what):
                    raise StoreError(f"query failed: {full}") from full
        finally:
            if solo:
                with self._cond:
                    self._solo = None
                    self._cond.notify_all()

    def _run_alone(self) -> None:
        """Let this thread's next query run alone: no other query starts, those running end first."""
        me = threading.get_ident()
        with self._cond:
            while self._solo is not None and self._solo != me:
                self._cond.wait()
            self._solo = me
            while self._active:
                self._cond.wait()

    def _grow_pool(self, used: int, what: str = "") -> bool:
        """Double the pool a query found too small (``used``: the pool it ran on; ``what``: the query's name
        or text, for the log); False at the most."""
        with self._cond:
            if self.buffer_pool_mb != used:  # another thread grew it already
                return True
            most = max_buffer_pool_mb()
            if used >= most:
                return False
            self.buffer_pool_mb = min(most, used * 2)
            log.warning(
                "%s: 查询 %s 所需内存超出缓冲池 %d MB，扩大到 %d MB 后重试 (a query needs a larger pool)",
                self.path,
                " ".join(what.split())[:80] or "(打开数据库)",
                used,
                self.buffer_pool_mb,
            )
            return True

    def run_named(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> list[dict[str, Any]]:
        return self._rows(query_text(name, self.dialect, bounds), params, name)

    def run_named_table(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> pa.Table:
        def table(conn: ladybug.Connection) -> pa.Table:
            res = conn.execute(query_text(name, self.dialect, bounds), params or {})
            assert not isinstance(res, list), "one statement, one result"
            return floats(res.get_as_arrow())

        return self._query(table, name)

    def run_named_columns(
        self, name: str, params: dict[str, Any] | None = None, *, bounds: Mapping[str, int] | None = None
    ) -> dict[str, list[Any]]:
        return self.run_columns(query_text(name, self.dialect, bounds), params)

    def subgraph(
        self, node_ids: list[str], hops: int = 1, rel_types: list[str] | None = None, limit: int = 5000
    ) -> nx.MultiDiGraph:
        return walk_subgraph(
            self.run,
            "MATCH (n) WHERE n.id IN $ids RETURN n",
            "MATCH (a)-[r]-(b) WHERE a.id IN $ids RETURN a, r, b",
            node_ids,
            hops,
            rel_types,
            limit,
        )

    def neighbours(
        self, label: str, node_id: str, types: list[str] | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        # LadybugDB: label() for types and labels; a relationship's _SRC is the internal id of its start
        return neighbours(self.run, ("label(r)", "label(b)", "id(a)"), label, node_id, types, limit)

    def data_version(self) -> str | None:
        """The live generation's name: it changes with every load (None for an empty store)."""
        return self._current()

    def stats(self) -> dict[str, int]:
        with self._connection():  # a clear error for an empty or missing store
            pass
        out = {}
        for label in MODEL.nodes:
            out[label] = self.run(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]
        for rtype in MODEL.rels:
            out[rtype] = self.run(f"MATCH ()-[r:{rtype}]->() RETURN count(r) AS c")[0]["c"]
        return out

    def _close_db(self) -> None:
        """Close every connection and the Database (caller holds _cond and no query runs)."""
        for conn in self._conns:
            conn.close()
        self._conns = []
        if self._db is not None:
            self._db.close()
        self._db = self._gen = None

    def close(self) -> None:
        self._drop_prefetch()
        with self._cond:
            while self._active:
                self._cond.wait()
            self._close_db()

    def __enter__(self) -> LadybugStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
