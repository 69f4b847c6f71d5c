"""Ingest a dataset folder into a store: read → normalise → match people → merge → build graph → replace.

The normalised source tables are the store's ground truth.  A load merges the new rows into them by each
source's key (a later row replaces an earlier one with the same key), rebuilds the graph from the merged
tables, and hands both to the store, which swaps them in atomically.  So a load is atomic, loading the same
data twice equals loading it once, and next month's ``subsidies_2022-01.csv`` adds to what is there.

A store that keeps its live graph's frames (the embedded store: ``live_graph()``) gets only the frames whose
sources changed in this load built again (graphaudit.ingest.build.Previous); the others it keeps as they are.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from graphaudit import memory
from graphaudit.errors import InputError
from graphaudit.ingest import matching
from graphaudit.ingest.build import FullGraphNeeded, Previous, build_graph
from graphaudit.ingest.columns import dedupe_sorted
from graphaudit.ingest.filenames import classify_files
from graphaudit.ingest.reader import RawTable, read_table
from graphaudit.ingest.report import FileRead, LoadReport
from graphaudit.ingest.source import FILE, ROW, Issue, adapt
from graphaudit.ingest.sources import SOURCES
from graphaudit.ingest.stream import GraphStream, ReaderFailed
from graphaudit.model import GraphFrames
from graphaudit.store.base import GraphStore

#: source files read at once (graphaudit.ingest.pipeline.read_dataset)
READ_THREADS = 2

__all__ = ["read_dataset", "merge_tables", "ingest", "prepare"]

Progress = Callable[[str], None]


def read_dataset(
    dataset_dir: Path, progress: Progress | None = None
) -> tuple[dict[str, pd.DataFrame], LoadReport]:
    """Every source file in the folder, adapted to canonical frames.  Raises InputError for a file that
    cannot be read at all (undecodable, a required column missing) — the load then changes nothing.  A file
    whose name fits no source is reported (a warning without a source), not read."""
    dataset_dir = Path(dataset_dir)
    found = classify_files(dataset_dir, list(SOURCES))
    report = LoadReport()
    for path, hint in found.unmatched:
        report.unknown_files.append(path.name)
        report.issues.append(
            Issue(
                "",
                path.name,
                None,
                "",
                "warning",
                "文件名不对应任何数据源，未读取 file name fits no source, not read: name it after a source "
                f"({', '.join(SOURCES)}; or 户籍, 亲属关系, 干部, 企业, 股东, 合同, 补贴){hint}",
            )
        )
    if not found.by_source:
        seen = ", ".join(p.name for p, _ in found.unmatched[:5])
        raise InputError(
            f"没有可识别的数据文件 no source files in {dataset_dir} (expected names starting with "
            f"{', '.join(SOURCES)} or Chinese names such as 户籍, 低保; .csv or .xlsx)"
            + (f"; files found: {seen}" if seen else "")
        )
    jobs = [(name, path) for name in SOURCES for path in found.by_source.get(name, [])]

    def read(job: tuple[str, Path]) -> tuple[RawTable, pd.DataFrame, list[Issue]]:
        name, path = job
        if progress:
            progress(f"读取 reading {path.name} → {name}")
        raw = read_table(path, name)
        df, issues = adapt(SOURCES[name], raw)
        return raw, df, issues

    # two files at a time (parsing and numpy work leave the interpreter: a prefecture's files 35 → 23 s);
    # the report lists them in the sources' order whatever order they are read in
    with ThreadPoolExecutor(READ_THREADS, thread_name_prefix="graphaudit-read") as pool:
        done = list(pool.map(read, jobs))
    tables: dict[str, pd.DataFrame] = {}
    frames: dict[str, list[pd.DataFrame]] = {}
    for (name, path), (raw, df, issues) in zip(jobs, done):
        report.files.append(
            FileRead(name, path.name, raw.encoding, raw.sheet, len(raw.frame) + raw.dropped, len(df))
        )
        report.issues += [
            Issue(name, path.name, row, column, action, reason, value)
            for row, column, action, reason, value in raw.notes
        ]
        report.issues += issues
        frames.setdefault(name, []).append(df)
    del done
    for name, dfs in frames.items():
        tables[name] = pd.concat(dfs, ignore_index=True) if len(dfs) > 1 else dfs[0]
    return tables, report


def _require_register(tables: dict[str, pd.DataFrame], dataset_dir: Path, report: LoadReport) -> None:
    """Every source but the household register is optional: without one (in the folder or the store) the
    load stops here, naming the files that were not recognised."""
    hh = tables.get("households")
    if hh is not None and len(hh):
        return
    unread = [i.file for i in report.issues if i.source == ""]
    read = [f.file for f in report.files if f.source == "households"]
    raise InputError(
        "没有户籍数据 no household register: "
        + (
            f"{', '.join(read)} has no loadable row"
            if read
            else "the folder has no households file (households.csv, 户籍.xlsx …) and the store holds none"
        )
        + (f"; not recognised: {', '.join(unread[:5])}" if unread else ""),
        file=dataset_dir,
    )


def _every_source(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables with an empty frame, with every column, for each source the dataset does not have: the
    graph is built from any subset of the sources."""
    out = dict(tables)
    for name, spec in SOURCES.items():
        if name in out:
            continue
        cols: list[str] = []
        for c in spec.columns:
            cols.append(c.name)
            if c.kind in ("pid", "uscc", "party"):
                cols.append(f"{c.name}_issue")
        cols += ["extra", FILE, ROW]
        out[name] = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return out


def _person_keys(hh: pd.DataFrame) -> pd.Series:
    """The register's person key: the ID as written, or ~household:name when the row has none."""
    return hh["person_id"].where(hh["person_id"] != "", "~" + hh["household_id"] + ":" + hh["name"])


def _dedupe(df: pd.DataFrame, key: list[str], source: str, issues: list[Issue]) -> pd.DataFrame:
    dup = df.duplicated(key, keep="last")
    for i in df.index[dup]:
        issues.append(
            Issue(
                source,
                str(df.at[i, FILE]),
                int(cast(Any, df.at[i, ROW])),
                key[0],
                "warning",
                "重复记录，以后出现的一行为准 duplicate key, the later row is kept",
                "|".join(str(df.at[i, k]) for k in key),
            )
        )
    return df[~dup]


def merge_tables(
    old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame], issues: list[Issue]
) -> dict[str, pd.DataFrame]:
    """Old tables updated with new rows by each source's key; sorted by key so equal data is equal tables."""
    out = dict(old)
    for name, df in new.items():
        spec = SOURCES[name]
        key = list(spec.key)
        if name == "households":
            df = df.assign(person_key=_person_keys(df))
        df = _dedupe(df, key, name, issues)
        prev = old.get(name)
        merged = pd.concat([prev, df], ignore_index=True) if prev is not None and len(prev) else df
        out[name] = dedupe_sorted(merged, key, key, keep="last", na_position="first")
    return out


def _fill_home(sub: pd.DataFrame, hh: pd.DataFrame) -> None:
    """A payment without household or village takes the recipient's, from the register."""
    blanks = {
        col: (sub[col].isna() | (sub[col] == "")).to_numpy(dtype=bool)
        for col in ("household_id", "village_code")
    }
    if not any(b.any() for b in blanks.values()):
        return
    first = ~hh["person_key"].duplicated().to_numpy()
    index = pd.Index(hh["person_key"].to_numpy(dtype=object)[first], dtype=object)
    at = index.get_indexer(sub["recipient_id"].to_numpy(dtype=object))
    for col, blank in blanks.items():
        fill = np.flatnonzero(blank & (at >= 0))
        if len(fill):
            sub.loc[sub.index[fill], col] = hh[col].to_numpy(dtype=object)[first][at[fill]]


def _match_names(
    tables: dict[str, pd.DataFrame], report: LoadReport, decisions: matching.Decisions | None = None
) -> None:
    """Recipients, approvers and contractors named without a usable ID: matched by name in scopes
    (graphaudit.ingest.matching); a payment without household or village takes its recipient's."""
    report.names = matching.resolve(tables, report.issues, decisions)
    sub, hh = tables.get("subsidies"), tables.get("households")
    if sub is not None and len(sub) and hh is not None and len(hh):
        _fill_home(sub, hh)


def _same(a: pd.DataFrame | None, b: pd.DataFrame | None) -> bool:
    """Whether two versions of a source table hold the same rows (False when unsure)."""
    if a is b:
        return True
    if a is None or b is None:
        return not len(a if a is not None else cast(pd.DataFrame, b))
    return a.shape == b.shape and list(a.columns) == list(b.columns) and a.equals(b)


def _next_tables(
    old_tables: dict[str, pd.DataFrame],
    dataset_dir: Path,
    progress: Progress | None,
    decisions: matching.Decisions | None = None,
) -> tuple[dict[str, pd.DataFrame], LoadReport, frozenset[str]]:
    """Read a dataset and merge it into the store's tables (recipients matched); also the sources whose
    tables changed: those this load read (their issues are reported again) and those matching changed."""
    new, report = read_dataset(dataset_dir, progress)
    if progress:
        progress("合并 merging")
    tables = merge_tables(old_tables, new, report.issues)
    _require_register(tables, dataset_dir, report)
    _match_names(tables, report, decisions)
    changed = set(new) | {name for name in SOURCES if not _same(tables.get(name), old_tables.get(name))}
    return tables, report, frozenset(changed)


def prepare(
    old_tables: dict[str, pd.DataFrame],
    dataset_dir: Path,
    progress: Progress | None = None,
    decisions: matching.Decisions | None = None,
) -> tuple[dict[str, pd.DataFrame], GraphFrames, LoadReport]:
    """Read a dataset and compute the store's next tables and graph, without touching any store.  The graph is
    validated by the store's ``replace``, before it writes anything."""
    t0 = time.perf_counter()
    tables, report, _ = _next_tables(old_tables, dataset_dir, progress, decisions)
    if progress:
        progress("计算图谱 building graph")
    graph, kin_issues = build_graph(_every_source(tables))
    report.issues += kin_issues
    report.keep_this_load()
    report.counts = graph.counts()  # the store validates the graph before it writes anything
    report.seconds = time.perf_counter() - t0
    return tables, graph, report


def ingest(
    dataset_dir: Path,
    store: GraphStore,
    progress: Progress | None = None,
    decisions: matching.Decisions | None = None,
) -> LoadReport:
    """Load a dataset folder into a store; the store is unchanged if anything fails.

    A store that takes a graph while it is being built (both stores do) writes each frame as soon as it is
    built, in a thread of its own; others get the whole graph.  The memory the load's frames took is given
    back to the operating system before it returns (:func:`graphaudit.memory.release`)."""
    try:
        return _ingest(dataset_dir, store, progress, decisions)
    finally:
        memory.release()


def _ingest(
    dataset_dir: Path,
    store: GraphStore,
    progress: Progress | None,
    decisions: matching.Decisions | None,
) -> LoadReport:
    t0 = time.perf_counter()
    if store.capabilities.graph_stream:
        live = store.live_graph()
        old_tables = store.read_tables()
        tables, report, changed = _next_tables(old_tables, dataset_dir, progress, decisions)
        if progress:
            progress("计算并写入图谱 building graph, writing store")
        previous = (
            dataclasses.replace(live, changed=changed, before={s: old_tables.get(s) for s in changed})
            if live is not None
            else None
        )
        try:
            graph, kin_issues = _build_while_writing(tables, store, previous)
        except FullGraphNeeded:  # the store writes the whole graph after all (a large change)
            if progress:
                progress("计算并写入整个图谱 building the whole graph, writing store")
            graph, kin_issues = _build_while_writing(tables, store)
        report.issues += kin_issues
        report.keep_this_load()
        report.counts = graph.counts()
    else:
        tables, graph, report = prepare(store.read_tables(), dataset_dir, progress, decisions)
        if progress:
            progress("写入数据库 writing store")
        store.replace(tables, graph)
    report.verified = store.last_check()  # the graph as written, checked (store/verify.py)
    report.seconds = time.perf_counter() - t0
    return report


def _build_while_writing(
    tables: dict[str, pd.DataFrame], store: GraphStore, previous: Previous | None = None
) -> tuple[GraphFrames, list[Issue]]:
    """build_graph here (of what changed since ``previous``, see build_graph) while ``store.replace`` writes
    each frame in another thread.  The store validates the graph once it is complete and switches to it only
    then; if either side fails, the other stops and the first error is raised, the store unchanged."""
    stream = GraphStream()
    failed: list[BaseException] = []

    def write() -> None:
        try:
            store.replace(tables, stream)
        except BaseException as e:  # raised again by the building thread
            failed.append(e)
            stream.reader_failed(e)

    writer = threading.Thread(target=write, name="graphaudit-writer", daemon=True)
    writer.start()
    try:
        # the embedded store hands frames to Arrow as they are; Neo4j's diff wants plain object columns
        graph, issues = build_graph(
            _every_source(tables), into=stream, plain=store.capabilities.plain_frames, previous=previous
        )
    except BaseException as e:
        stream.finish(e)
        writer.join()
        if isinstance(e, ReaderFailed) and failed:
            raise failed[0] from None
        raise
    stream.finish()
    try:
        writer.join()
    except BaseException as e:  # interrupted while the store finishes: it must not switch to the new graph
        stream.finish(e)
        raise
    if failed:
        raise failed[0]
    return graph, issues
