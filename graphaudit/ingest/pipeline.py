"""Ingest a dataset folder into a store: read → normalise → match people → merge → build graph → replace.

The normalised source tables are the store's ground truth.  A load merges the new rows into them by each
source's key (a later row replaces an earlier one with the same key), rebuilds the graph from the merged
tables, and hands both to the store, which swaps them in atomically.  So a load is atomic, loading the same
data twice equals loading it once, and next month's ``subsidies_2022-01.csv`` adds to what is there.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from graphaudit.errors import InputError
from graphaudit.ingest.build import build_graph
from graphaudit.ingest.columns import dedupe_sorted
from graphaudit.ingest.reader import CSV_EXTENSIONS, XLSX_EXTENSIONS, find_source_files, read_table
from graphaudit.ingest.report import FileRead, LoadReport
from graphaudit.ingest.source import FILE, ROW, Issue, adapt
from graphaudit.ingest.sources import SOURCES
from graphaudit.ingest.stream import GraphStream, ReaderFailed
from graphaudit.model import GraphFrames
from graphaudit.store.base import GraphStore

__all__ = ["read_dataset", "merge_tables", "ingest", "prepare"]

Progress = Callable[[str], None]


def read_dataset(
    dataset_dir: Path, progress: Progress | None = None
) -> tuple[dict[str, pd.DataFrame], LoadReport]:
    """Every source file in the folder, adapted to canonical frames.  Raises InputError for a file that
    cannot be read at all (undecodable, a required column missing) — the load then changes nothing."""
    dataset_dir = Path(dataset_dir)
    if not dataset_dir.is_dir():
        raise InputError(f"dataset folder not found: {dataset_dir}")
    report = LoadReport()
    tables: dict[str, pd.DataFrame] = {}
    found_any = False
    matched: set[Path] = set()
    for name, spec in SOURCES.items():
        frames = []
        for path in find_source_files(dataset_dir, name):
            found_any = True
            matched.add(path)
            if progress:
                progress(f"reading {path.name}")
            raw = read_table(path, name)
            df, issues = adapt(spec, raw)
            report.files.append(FileRead(name, path.name, raw.encoding, raw.sheet, len(raw.frame), len(df)))
            report.issues += issues
            frames.append(df)
        if frames:
            tables[name] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for path in unknown_files(dataset_dir, matched):
        report.unknown_files.append(path.name)
        report.issues.append(
            Issue(
                "", path.name, None, "", "warning", "文件名不对应任何来源，未读取 file matches no source", ""
            )
        )
    if not found_any:
        raise InputError(
            f"no source files in {dataset_dir} (expected names starting with "
            f"{', '.join(SOURCES)}; .csv or .xlsx)"
        )
    return tables, report


def unknown_files(dataset_dir: Path, matched: set[Path]) -> list[Path]:
    """Table files in the folder (by extension; not hidden, not Office lock files, not a README) that no
    source reads."""
    exts = CSV_EXTENSIONS + XLSX_EXTENSIONS + (".xls", ".et", ".ods", ".numbers")
    return sorted(
        p
        for p in dataset_dir.iterdir()
        if p.is_file()
        and p not in matched
        and not p.name.startswith(("~$", "."))
        and not p.name.lower().startswith("readme")
        and p.suffix.lower() in exts
    )


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
                int(df.at[i, ROW]),
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


def _match_recipients(tables: dict[str, pd.DataFrame], issues: list[Issue]) -> None:
    """Payments whose recipient ID is missing or invalid: match the person by name within the household,
    else by name within the village, where that match is unique (the data contract)."""
    sub, hh = tables.get("subsidies"), tables.get("households")
    if sub is None or not len(sub):
        return
    need = ((sub["recipient_id"] == "") | (sub["recipient_id_issue"] != "")).to_numpy(dtype=bool)
    by_hh: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_vil: dict[tuple[str, str], list[str]] = defaultdict(list)
    if hh is not None and len(hh):
        names = list(set(sub.loc[need, "recipient_name"].tolist()))
        cand = hh[hh["name"].isin(pd.Index(names, dtype=object))] if names else hh.iloc[:0]
        for key, hid, vil, name in zip(
            cand["person_key"].tolist(),
            cand["household_id"].tolist(),
            cand["village_code"].tolist(),
            cand["name"].tolist(),
        ):
            by_hh[(hid, name)].append(key)
            by_vil[(vil, name)].append(key)
    rows = np.flatnonzero(need)
    if len(rows):
        part = sub.iloc[rows]
        new_ids = []
        for name, hid, vil, f, r, rid in zip(
            *(
                part[c].tolist()
                for c in ("recipient_name", "household_id", "village_code", FILE, ROW, "recipient_id")
            )
        ):
            cands = by_hh.get((hid, name)) or by_vil.get((vil, name)) or []
            if len(cands) == 1:
                issues.append(
                    Issue(
                        "subsidies",
                        str(f),
                        int(r),
                        "recipient_id",
                        "repaired",
                        f"领取人按姓名匹配到户籍人员 matched to the register by name ({name})",
                        str(rid),
                    )
                )
                rid = cands[0]
            elif rid == "":
                issues.append(
                    Issue(
                        "subsidies",
                        str(f),
                        int(r),
                        "recipient_id",
                        "warning",
                        f"领取人无证件号码且无法唯一匹配（{len(cands)}人同名）no unique match by name",
                        name or "",
                    )
                )
                rid = f"~{hid or vil}:{name}"
            new_ids.append(rid)
        sub.loc[sub.index[rows], "recipient_id"] = new_ids
    if hh is not None and len(hh):
        _fill_home(sub, hh)


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


def _next_tables(
    old_tables: dict[str, pd.DataFrame], dataset_dir: Path, progress: Progress | None
) -> tuple[dict[str, pd.DataFrame], LoadReport]:
    """Read a dataset and merge it into the store's tables (recipients matched)."""
    new, report = read_dataset(dataset_dir, progress)
    if progress:
        progress("merging")
    tables = merge_tables(old_tables, new, report.issues)
    _match_recipients(tables, report.issues)
    return tables, report


def prepare(
    old_tables: dict[str, pd.DataFrame], dataset_dir: Path, progress: Progress | None = None
) -> tuple[dict[str, pd.DataFrame], GraphFrames, LoadReport]:
    """Read a dataset and compute the store's next tables and graph, without touching any store.  The graph is
    validated by the store's ``replace``, before it writes anything."""
    t0 = time.perf_counter()
    tables, report = _next_tables(old_tables, dataset_dir, progress)
    if progress:
        progress("building graph")
    graph, kin_issues = build_graph(tables)
    report.issues += kin_issues
    report.keep_this_load()
    report.counts = graph.counts()  # the store validates the graph before it writes anything
    report.seconds = time.perf_counter() - t0
    return tables, graph, report


def ingest(dataset_dir: Path, store: GraphStore, progress: Progress | None = None) -> LoadReport:
    """Load a dataset folder into a store; the store is unchanged if anything fails.

    A store that takes a graph while it is being built (both stores do) writes each frame as soon as it is
    built, in a thread of its own; others get the whole graph."""
    t0 = time.perf_counter()
    if store.capabilities.graph_stream:
        tables, report = _next_tables(store.read_tables(), dataset_dir, progress)
        if progress:
            progress("building graph, writing store")
        graph, kin_issues = _build_while_writing(tables, store)
        report.issues += kin_issues
        report.keep_this_load()
        report.counts = graph.counts()
    else:
        tables, graph, report = prepare(store.read_tables(), dataset_dir, progress)
        if progress:
            progress("writing store")
        store.replace(tables, graph)
    report.seconds = time.perf_counter() - t0
    return report


def _build_while_writing(
    tables: dict[str, pd.DataFrame], store: GraphStore
) -> tuple[GraphFrames, list[Issue]]:
    """build_graph here while ``store.replace`` writes each frame in another thread.  The store validates the
    graph once it is complete and switches to it only then; if either side fails, the other stops and the
    first error is raised, the store unchanged."""
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
        graph, issues = build_graph(tables, into=stream, plain=store.capabilities.plain_frames)
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
