"""Reading one source file of a dataset folder: CSV/TXT (UTF-8, UTF-8-BOM, GBK, GB18030, UTF-16) and XLSX.

The encoding is detected by strict decoding, never guessed: a file that is neither UTF-8 nor GBK/GB18030 is an
:class:`InputError` naming the line and byte where decoding failed, and the detected encoding travels with the
table so that the load report can show it. Row numbers are those a user sees in the file or spreadsheet.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graphaudit.errors import InputError
from graphaudit.ingest.columns import string_array, to_str_series
from graphaudit.ingest.csvfile import CsvFile, scan_csv
from graphaudit.ingest.csvfile import col_letter as _col_letter
from graphaudit.ingest.limits import Limits, limits

__all__ = [
    "RawTable",
    "Note",
    "find_source_files",
    "read_table",
    "check_regular_file",
    "CSV_EXTENSIONS",
    "XLSX_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
]

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
_UNSUPPORTED = (
    ".xls",
    ".et",
    ".ods",
    ".numbers",
)  # matched so that they fail loudly instead of being ignored
SUPPORTED_EXTENSIONS = CSV_EXTENSIONS + XLSX_EXTENSIONS + _UNSUPPORTED

#: Something the reader found in a row: (row, column, action, reason, value); action as in the load report
#: (rejected: the reader dropped the row; repaired; warning).
Note = tuple[int | None, str, str, str, str]


@dataclass
class RawTable:
    """A source file as read, before any mapping of headers or values.

    headers: original header texts (stripped), one per column of ``frame``, "" for an unnamed column.
    frame: columns = headers, de-duplicated with " (2)", " (3)" …; an unnamed column with values is
    "column_N" (N = 1-based position in the file). CSV values are str ("" for empty); XLSX values are native
    Python objects (datetime for date cells, int/float, str, bool) with "" for empty cells.
    row_numbers: per row of ``frame``, the 1-based row number in the file (CSV: physical line, header
    usually 1) or the spreadsheet row (XLSX).
    """

    path: Path
    encoding: str
    sheet: str | None
    headers: list[str]
    frame: pd.DataFrame
    row_numbers: list[int]
    notes: list[Note] = field(default_factory=list)
    dropped: int = 0  # rows the reader rejected (each has a note), not in ``frame``


def find_source_files(dataset_dir: Path, source: str) -> list[Path]:
    """Files in ``dataset_dir`` whose name starts with ``source`` (case-insensitive), sorted by name.  (A load
    finds its files with :func:`graphaudit.ingest.filenames.classify_files`, which also knows Chinese names.)

    Accepted extensions: .csv, .txt, .tsv, .xlsx, .xlsm (and .xls/.et/.ods, which :func:`read_table` rejects
    with a clear message rather than ignoring them). Office lock files (``~$…``) and hidden files are skipped.
    The character right after the source name must not be a letter, so that ``company`` would not match
    ``companies.csv``.
    """
    dataset_dir = Path(dataset_dir)
    if not dataset_dir.is_dir():
        raise InputError(f"dataset folder not found: {dataset_dir}")
    prefix = source.lower()
    found = []
    for p in dataset_dir.iterdir():
        name = p.name
        low = name.lower()
        if name.startswith(("~$", ".")) or not low.startswith(prefix) or not p.is_file():
            continue
        rest = low[len(prefix) :]
        if rest[:1].isalpha():
            continue
        if p.suffix.lower() in CSV_EXTENSIONS + XLSX_EXTENSIONS + _UNSUPPORTED:
            found.append(p)
    return sorted(found, key=lambda p: (p.name.lower(), p.name))


def check_regular_file(path: Path, lim: Limits | None = None) -> int:
    """The size of ``path`` if it is a regular file (a symlink is followed) within the size limit; else
    InputError.  Checked before the file is opened: a FIFO, a device or a folder is never read."""
    lim = lim or limits()
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError(f"无法读取文件 cannot read file: {e.strerror or e}", file=path) from e
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "文件夹 a folder"
            if stat.S_ISDIR(st.st_mode)
            else "管道 a FIFO"
            if stat.S_ISFIFO(st.st_mode)
            else "设备 a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "特殊文件 a special file"
        )
        raise InputError(
            f"不是普通文件 not a regular file but {kind}: put the data file itself in the folder", file=path
        )
    if st.st_size > lim.max_file_bytes:
        raise InputError(
            f"文件过大 file too large ({st.st_size:,} bytes, limit {lim.max_file_bytes:,}; "
            f"{Limits.env_name('max_file_bytes')} raises it): split the file",
            file=path,
        )
    return st.st_size


def read_table(path: Path, source: str) -> RawTable:
    """A CSV/TXT or XLSX source file as a :class:`RawTable`; raises :class:`InputError` if it cannot."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext in _UNSUPPORTED:
        raise InputError(
            f"不支持的格式 unsupported format {ext}: save the file as .xlsx or UTF-8 CSV", file=path
        )
    if ext not in CSV_EXTENSIONS + XLSX_EXTENSIONS:
        raise InputError(
            f"不支持的文件类型 unsupported file type {ext or '(none)'}: expected .csv or .xlsx", file=path
        )
    lim = limits()
    check_regular_file(path, lim)
    if ext in XLSX_EXTENSIONS:
        from graphaudit.ingest.xlsx import read_xlsx  # xlsx.py shapes its grid with this module's helpers

        return read_xlsx(path, source, lim)
    return _read_csv(path, lim)


# ------------------------------------------------------------------------------------------------------ CSV


def _field_count(text: str, delim: str, max_lines: int | None = 1) -> int:
    """Maximum number of fields per record (of the first non-empty record only if ``max_lines`` is 1)."""
    n = 1
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # long cells are refused later, with a place
    reader = csv.reader(io.StringIO(text[: 1 << 16] if max_lines == 1 else text), delimiter=delim)
    try:
        for rec in reader:
            if max_lines == 1 and not any(f.strip() for f in rec):
                continue
            n = max(n, len(rec))
            if max_lines == 1:
                break
    except csv.Error:
        pass
    return n


def _parse_csv_arrow(
    payload: bytes | Path, delim: str, ncols: int, quoted: bool | None = None
) -> pd.DataFrame | None:
    """The grid :func:`_parse_csv` gives, for a plain CSV, parsed by Arrow's multi-threaded reader.

    Plain: no quote character at all (pandas and Arrow read a quote inside a field differently), and
    ``ncols`` fields on every line.  Anything else (a short or long row, a blank line among several columns)
    gives None, and pandas' reader reads the file, with its own error messages."""
    if quoted if quoted is not None else isinstance(payload, bytes) and b'"' in payload:
        return None
    names = [str(i) for i in range(ncols)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload) if isinstance(payload, bytes) else str(payload),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    index = pd.RangeIndex(table.num_rows)
    return pd.DataFrame({i: to_str_series(table.column(i), index) for i in range(ncols)}, index=index)


def _parse_csv(payload: bytes | Path, delim: str, ncols: int) -> pd.DataFrame:
    """pandas' reader; a record with more fields than ``ncols`` (pandas would drop them with a warning) is a
    ParserError."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return _read_with_pandas(payload, delim, ncols)
        except pd.errors.ParserWarning as e:
            raise pd.errors.ParserError(
                f"a record has more fields than the {ncols} found: check the quotes and delimiters ({e})"
            ) from None


def _read_with_pandas(payload: bytes | Path, delim: str, ncols: int) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(payload) if isinstance(payload, bytes) else payload,
        sep=delim,
        header=None,
        names=list(range(ncols)),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        encoding="utf-8",
        index_col=False,
        low_memory=False,
    )


def _read_csv(path: Path, lim: Limits) -> RawTable:
    """Scanned in one bounded pass (:func:`graphaudit.ingest.csvfile.scan_csv`), then parsed from the UTF-8
    file on disk: the file is never held whole in memory, only the grid it gives."""
    f = scan_csv(path, lim)
    try:
        if f.blank:
            return RawTable(path, f.encoding, None, [], pd.DataFrame(), [])
        return _parse_scanned(f, lim)
    finally:
        f.close()


def _parse_scanned(f: CsvFile, lim: Limits) -> RawTable:
    path, delim, src = f.path, f.delimiter, f.utf8
    ncols = _field_count(f.head, delim)
    _check_width(ncols, path, lim, row=None)
    fast = _parse_csv_arrow(src, delim, ncols, f.quoted)
    counts: np.ndarray | None = None
    try:
        try:
            grid = fast if fast is not None else _parse_csv(src, delim, ncols)
        except pd.errors.ParserError:
            width = _max_fields(src, delim)
            _check_width(width, path, lim, row=None)
            grid = _parse_csv(src, delim, width)
        if fast is None:
            counts = _record_widths(src, delim, len(grid))
    except pd.errors.ParserError as e:
        m = re.search(r"EOF inside string starting at row (\d+)", str(e))
        if m:  # pandas counts records from 0
            line = int(m.group(1)) + 1
            raise InputError(
                f"CSV格式错误 malformed CSV: 引号未闭合 unclosed quote starting on line {line}",
                file=path,
                row=line,
            ) from e
        raise InputError(f"CSV格式错误 malformed CSV: {str(e).strip()}", file=path) from e
    except (ValueError, pd.errors.EmptyDataError, OverflowError, MemoryError) as e:
        raise InputError(f"CSV格式错误 malformed CSV: {e}", file=path) from e
    grid = grid.fillna("")
    line_numbers = _line_numbers(f.lines, grid)
    _check_cells(grid, line_numbers, path, lim)
    notes: list[Note] = []
    # as many records as physical lines: no value spans lines, none to look for
    drop = _split_rows(grid, line_numbers, delim, notes) if f.lines != len(grid) else None
    return _table(path, f.encoding, None, grid, line_numbers, counts, notes, drop)


def _table(
    path: Path,
    encoding: str,
    sheet: str | None,
    grid: pd.DataFrame,
    lines: np.ndarray,
    counts: np.ndarray | None,
    notes: list[Note],
    drop: np.ndarray | None = None,
) -> RawTable:
    headers, frame, rows, dropped = _shape(grid, lines, path, counts, notes, drop)
    return RawTable(path, encoding, sheet, headers, frame, rows, notes, dropped)


def _check_width(ncols: int, path: Path, lim: Limits, row: int | None) -> None:
    if ncols > lim.max_columns:
        raise InputError(
            f"列数过多 too many columns ({ncols:,}, limit {lim.max_columns:,}; "
            f"{Limits.env_name('max_columns')} raises it): delete the empty columns at the right",
            file=path,
            row=row,
        )


def _csv_records(src: Path, delim: str) -> Iterator[list[str]]:
    """The records of the UTF-8 file ``src`` as Python's csv module reads them, one at a time."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # the scan bounded the cells already
    with open(src, encoding="utf-8-sig", newline="") as fh:
        yield from csv.reader(fh, delimiter=delim, strict=False)


def _max_fields(src: Path, delim: str) -> int:
    """The largest number of fields of any record of ``src``."""
    n = 1
    try:
        for rec in _csv_records(src, delim):
            n = max(n, len(rec))
    except csv.Error:
        pass
    return n


def _record_widths(src: Path, delim: str, n: int) -> np.ndarray | None:
    """Fields per record as Python's csv module reads them (0 for a blank line); None if its records do not
    line up with the parsed grid's."""
    try:
        widths = [len(rec) for rec in _csv_records(src, delim)]
    except csv.Error:
        return None
    while len(widths) > n and widths[-1] == 0:
        widths.pop()
    return np.array(widths, dtype=np.int64) if len(widths) == n else None


def _check_cells(grid: pd.DataFrame, lines: np.ndarray, path: Path, lim: Limits) -> None:
    """InputError naming the first cell longer than the cell limit."""
    for j, c in enumerate(grid.columns):
        col = grid[c]
        arr = string_array(col)
        if arr is not None:
            longest = pc.max(pc.utf8_length(arr)).as_py() or 0
            if longest <= lim.max_cell_chars:
                continue
            lengths = np.asarray(pc.utf8_length(arr).fill_null(0).to_numpy(zero_copy_only=False))
        else:
            lengths = np.fromiter(
                (len(v) if isinstance(v, str) else 0 for v in col.tolist()), dtype=np.int64, count=len(col)
            )
            if not len(lengths) or lengths.max() <= lim.max_cell_chars:
                continue
        i = int(np.argmax(lengths > lim.max_cell_chars))
        raise InputError(
            f"单元格过长 cell too long ({int(lengths[i]):,} characters, limit {lim.max_cell_chars:,}; "
            f"{Limits.env_name('max_cell_chars')} raises it): a broken quote or a pasted document?",
            file=path,
            row=int(lines[i]),
            column=_col_letter(j),
        )


def _split_rows(grid: pd.DataFrame, lines: np.ndarray, delim: str, notes: list[Note]) -> np.ndarray | None:
    """Rows with a value spanning lines.  A value that holds line breaks and the delimiter is what an unclosed
    quote makes of the rows after it: the row is rejected; a value that only spans lines is reported."""
    drop = np.zeros(len(grid), dtype=bool)
    for j, c in enumerate(grid.columns):
        arr = string_array(grid[c])
        if arr is None:
            continue
        multi = np.asarray(
            pc.match_substring_regex(arr, r"[\r\n]").fill_null(False).to_numpy(zero_copy_only=False),
            dtype=bool,
        )
        for i in np.flatnonzero(multi).tolist():
            v = str(grid[c].iat[i])
            where = f"{_col_letter(j)}"
            if delim in v:
                drop[i] = True
                notes.append(
                    (
                        int(lines[i]),
                        where,
                        "rejected",
                        f"值跨越{_newlines(v) + 1}行且含分隔符 a value spans {_newlines(v) + 1} lines "
                        "and holds the delimiter: an unclosed quote swallowed the rows after it? "
                        "check the quotes",
                        v[:80],
                    )
                )
            else:
                notes.append(
                    (
                        int(lines[i]),
                        where,
                        "warning",
                        f"值跨越{_newlines(v) + 1}行 a value spans {_newlines(v) + 1} lines "
                        "(line breaks kept)",
                        v[:80],
                    )
                )
    return drop if drop.any() else None


def _newlines(s: str) -> int:
    return s.count("\n") + s.count("\r") - s.count("\r\n")


def _line_numbers(physical: int, grid: pd.DataFrame) -> np.ndarray:
    """Physical line (1-based) on which each record starts, of a file of ``physical`` lines; differs from
    record order only when quoted fields span lines."""
    n = len(grid)
    if physical == n:
        return np.arange(1, n + 1)
    extra = np.zeros(n, dtype=np.int64)
    for c in grid.columns:
        col = grid[c]
        has = col.str.contains("[\r\n]", regex=True)
        if has.any():
            extra[has.to_numpy()] += col[has].map(_newlines).to_numpy()
    starts = np.empty(n, dtype=np.int64)
    starts[0:1] = 1
    if n > 1:
        starts[1:] = 1 + np.cumsum(1 + extra[:-1])
    return starts


# ------------------------------------------------------------------------------------------- shared shaping


def _filled(vals: np.ndarray) -> np.ndarray:
    """Per cell: True if it holds something other than empty/whitespace text."""
    return np.fromiter(
        ((bool(v.strip()) if isinstance(v, str) else v is not None) for v in vals),
        dtype=bool,
        count=len(vals),
    )


# A character that str.strip() keeps: anything but the code points str.isspace() is true for.
_NOT_SPACE = (
    r"[^\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
    r"\x{205f}\x{3000}]"
)


def _filled_at(col: pd.Series, rows: np.ndarray) -> np.ndarray:
    """:func:`_filled` of the cells ``rows`` of a column; a text column is checked in Arrow, not per cell."""
    arr = string_array(col)
    if arr is None:
        return _filled(col.to_numpy(dtype=object)[rows])
    if len(rows) != len(arr):
        arr = arr.take(pa.array(rows))
    found = pc.match_substring_regex(arr, _NOT_SPACE).fill_null(True)  # a missing cell is not text: filled
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _blank_rows(grid: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty; checks a column only for rows not yet known to hold something."""
    n = len(grid)
    unresolved = np.arange(n)
    for c in grid.columns:
        if not len(unresolved):
            break
        unresolved = unresolved[~_filled_at(grid[c], unresolved)]
    blank = np.zeros(n, dtype=bool)
    blank[unresolved] = True
    return blank


def _header_text(v: Any) -> str:
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return "" if v is None else str(v).strip()


def _dedupe(names: list[str]) -> list[str]:
    """Repeated headers get " (2)", " (3)" … without colliding with any other header."""
    taken = set(names)
    used: set[str] = set()
    out = []
    for h in names:
        name = h
        if name in used:
            k = 2
            while f"{h} ({k})" in taken or f"{h} ({k})" in used:
                k += 1
            name = f"{h} ({k})"
        used.add(name)
        out.append(name)
    return out


def _shape(
    grid: pd.DataFrame,
    lines: np.ndarray,
    path: Path,
    counts: np.ndarray | None = None,
    notes: list[Note] | None = None,
    drop: np.ndarray | None = None,
) -> tuple[list[str], pd.DataFrame, list[int], int]:
    """Header = first non-empty row; drop empty rows and unnamed empty columns; name and de-duplicate.

    ``counts``: fields per record as written (CSV), to report rows shorter than the header (read as empty,
    reported) and rows longer than it with values beyond (rejected: a delimiter inside a value); ``drop``:
    rows the caller already rejected.  Returns headers, frame, row numbers and the number of rows dropped."""
    if grid.empty:
        return [], pd.DataFrame(), [], 0
    keep = ~_blank_rows(grid)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return [], pd.DataFrame(), [], 0
    head = int(idx[0])
    data_idx = idx[1:]
    reject = np.zeros(len(grid), dtype=bool) if drop is None else drop.copy()
    reject[head] = False
    if counts is not None and notes is not None:
        _uneven_rows(grid, lines, counts, head, data_idx, reject, notes)
    dropped = int(reject[data_idx].sum())
    if dropped:
        data_idx = data_idx[~reject[data_idx]]
    header_cells = [_header_text(v) for v in grid.iloc[head].tolist()]
    contiguous = len(data_idx) == len(grid) - head - 1
    body = grid.iloc[head + 1 :] if contiguous else grid.iloc[data_idx]
    cols: list[Any] = []
    headers: list[str] = []
    names: list[str] = []
    for j, h in enumerate(header_cells):
        c = grid.columns[j]
        if h == "":
            if not _filled_at(body[c], np.arange(len(body))).any():
                continue
            names.append(f"column_{j + 1}")
        else:
            names.append(h)
        headers.append(h)
        cols.append(c)
    frame = body[cols].set_axis(_dedupe(names), axis=1).reset_index(drop=True)
    return headers, frame, [int(x) for x in lines[data_idx]], dropped


def _uneven_rows(
    grid: pd.DataFrame,
    lines: np.ndarray,
    counts: np.ndarray,
    head: int,
    data_idx: np.ndarray,
    reject: np.ndarray,
    notes: list[Note],
) -> None:
    width = int(counts[head])
    for i in data_idx[(counts[data_idx] != width) & (counts[data_idx] > 0)]:
        n = int(counts[i])
        if n < width:
            notes.append(
                (
                    int(lines[i]),
                    _col_letter(n),
                    "warning",
                    f"本行只有{n}个字段，表头有{width}个 row has {n} fields, the header {width}: "
                    "the missing values are read as empty",
                    "",
                )
            )
            continue
        beyond = [grid.iat[i, j] for j in range(width, n)]
        if not any(isinstance(v, str) and v.strip() for v in beyond):
            continue  # trailing empty fields: harmless
        reject[i] = True
        notes.append(
            (
                int(lines[i]),
                _col_letter(width),
                "rejected",
                f"本行有{n}个字段，表头只有{width}个 row has {n} fields, the header only {width}: "
                "a delimiter inside a value? quote the value",
                "|".join(str(v) for v in beyond)[:80],
            )
        )
