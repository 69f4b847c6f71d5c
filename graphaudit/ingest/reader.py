"""Reading one source file of a dataset folder: CSV/TXT (UTF-8, UTF-8-BOM, GBK, GB18030, UTF-16) and XLSX.

The encoding is detected by strict decoding, never guessed: a file that is neither UTF-8 nor GBK/GB18030 is an
:class:`InputError` naming the line and byte where decoding failed, and the detected encoding travels with the
table so that the load report can show it. Row numbers are those a user sees in the file or spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graphaudit.errors import InputError
from graphaudit.ingest.columns import string_array, to_str_series

__all__ = ["RawTable", "find_source_files", "read_table", "CSV_EXTENSIONS", "XLSX_EXTENSIONS"]

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
_UNSUPPORTED = (
    ".xls",
    ".et",
    ".ods",
    ".numbers",
)  # matched so that they fail loudly instead of being ignored


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


def find_source_files(dataset_dir: Path, source: str) -> list[Path]:
    """Files in ``dataset_dir`` whose name starts with ``source`` (case-insensitive), sorted by name.

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


def read_table(path: Path, source: str) -> RawTable:
    """Read a CSV/TXT or XLSX source file into a :class:`RawTable`; raises :class:`InputError` if it cannot."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext in XLSX_EXTENSIONS:
        return _read_xlsx(path, source)
    if ext in CSV_EXTENSIONS:
        return _read_csv(path)
    if ext in _UNSUPPORTED:
        raise InputError(
            f"不支持的格式 unsupported format {ext}: save the file as .xlsx or UTF-8 CSV", file=path
        )
    raise InputError(
        f"不支持的文件类型 unsupported file type {ext or '(none)'}: expected .csv or .xlsx", file=path
    )


# ------------------------------------------------------------------------------------------------------ CSV


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"无法读取文件 cannot read file: {e.strerror or e}", file=path) from e


def detect_encoding(data: bytes, path: Path) -> tuple[str, str]:
    """(encoding name, decoded text) by BOM, then strict UTF-8, GBK, GB18030; InputError if none decodes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", _strict(data[3:], "utf-8", "utf-8-sig", path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", _strict(data, "utf-16", "utf-16", path)
    if data.startswith(b"PK\x03\x04"):
        raise InputError(
            "这是Excel工作簿 this is an Excel workbook (zip), not a CSV: rename it to .xlsx", file=path
        )
    if b"\x00" in data[:65536]:
        raise InputError(
            "文件含NUL字节 file contains NUL bytes: UTF-16 without BOM or not a text file; "
            "save it as UTF-8 CSV",
            file=path,
        )
    failures: list[UnicodeDecodeError] = []
    for enc in ("utf-8", "gbk", "gb18030"):
        try:
            return enc, data.decode(enc)
        except UnicodeDecodeError as e:
            failures.append(e)
    worst = max(failures, key=lambda e: e.start)  # the reading that got furthest names the real problem
    raise _decode_error(data, worst, path)


def _strict(data: bytes, codec: str, label: str, path: Path) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as e:
        raise _decode_error(data, e, path, label) from e


def _decode_error(data: bytes, e: UnicodeDecodeError, path: Path, label: str | None = None) -> InputError:
    line = data.count(b"\n", 0, e.start) + 1
    bad = data[e.start : e.start + 4].hex(" ")
    what = f"invalid {label}" if label else "not UTF-8 or GBK/GB18030"
    return InputError(
        f"无法解码 cannot decode: {what}; undecodable bytes {bad} at line {line}, byte offset "
        f"{e.start} (read as {e.encoding}); save the file as UTF-8",
        file=path,
        row=line,
    )


def _sniff_delimiter(text: str) -> str:
    """Comma, unless the first non-empty line has more tabs or semicolons."""
    for line in text[: 1 << 16].splitlines():
        if line.strip(" \t,;\"'"):
            counts = {d: line.count(d) for d in (",", "\t", ";")}
            best = max(counts, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","


def _field_count(text: str, delim: str, max_lines: int | None = 1) -> int:
    """Maximum number of fields per record (of the first non-empty record only if ``max_lines`` is 1)."""
    n = 1
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


def _parse_csv_arrow(payload: bytes, delim: str, ncols: int) -> pd.DataFrame | None:
    """The grid :func:`_parse_csv` gives, for a plain CSV, parsed by Arrow's multi-threaded reader.

    Plain: no quote character at all (pandas and Arrow read a quote inside a field differently), and
    ``ncols`` fields on every line.  Anything else (a short or long row, a blank line among several columns)
    gives None, and pandas' reader reads the file, with its own error messages."""
    if b'"' in payload:
        return None
    names = [str(i) for i in range(ncols)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
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


def _parse_csv(payload: bytes, delim: str, ncols: int) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(payload),
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


def _read_csv(path: Path) -> RawTable:
    data = _read_bytes(path)
    encoding, text = detect_encoding(data, path)
    if encoding == "utf-8":
        payload = data
    elif encoding == "utf-8-sig":
        payload = data[3:]
    else:
        text = text.lstrip("\ufeff")
        payload = text.encode("utf-8")
    delim = _sniff_delimiter(text)
    if not text.strip():
        return RawTable(path, encoding, None, [], pd.DataFrame(), [])
    ncols = _field_count(text, delim)
    fast = _parse_csv_arrow(payload, delim, ncols)
    try:
        try:
            grid = fast if fast is not None else _parse_csv(payload, delim, ncols)
        except pd.errors.ParserError:
            grid = _parse_csv(payload, delim, _field_count(text, delim, max_lines=None))
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
    except (ValueError, pd.errors.EmptyDataError) as e:
        raise InputError(f"CSV格式错误 malformed CSV: {e}", file=path) from e
    grid = grid.fillna("")
    lines = _line_numbers(payload, grid)
    headers, frame, rows = _shape(grid, lines, path)
    return RawTable(path, encoding, None, headers, frame, rows)


def _newlines(s: str) -> int:
    return s.count("\n") + s.count("\r") - s.count("\r\n")


def _line_numbers(payload: bytes, grid: pd.DataFrame) -> np.ndarray:
    """Physical line (1-based) on which each record starts; differs from record order only when quoted
    fields span lines."""
    n = len(grid)
    physical = payload.count(b"\n")
    if b"\r" in payload:
        physical += payload.count(b"\r") - payload.count(b"\r\n")
    physical += 0 if payload.endswith((b"\n", b"\r")) else 1
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


# ----------------------------------------------------------------------------------------------------- XLSX


def _pick_sheet(names: list[str], source: str) -> str:
    """The sheet named after the source (exactly, then by prefix, case-insensitive), else the first sheet."""
    src = source.lower()
    for n in names:
        if n.strip().lower() == src:
            return n
    for n in names:
        if n.strip().lower().startswith(src):
            return n
    return names[0]


def _read_xlsx(path: Path, source: str) -> RawTable:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as e:
        raise InputError(
            f"无法打开工作簿 cannot open workbook (encrypted, damaged or not .xlsx): {e}", file=path
        ) from e
    try:
        if not wb.sheetnames:
            raise InputError("工作簿没有工作表 workbook has no sheet", file=path)
        sheet = _pick_sheet(list(wb.sheetnames), source)
        ws = wb[sheet]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # a wrong <dimension> tag must not truncate the sheet
        rows = [r for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    grid_rows = [tuple("" if v is None else v for v in r) + ("",) * (width - len(r)) for r in rows]
    grid = pd.DataFrame.from_records(grid_rows, columns=list(range(width))) if grid_rows else pd.DataFrame()
    grid = grid.astype(object) if len(grid.columns) else grid
    headers, frame, numbers = _shape(grid, np.arange(1, len(grid) + 1), path)
    return RawTable(path, "xlsx", sheet, headers, frame, numbers)


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


def _shape(grid: pd.DataFrame, lines: np.ndarray, path: Path) -> tuple[list[str], pd.DataFrame, list[int]]:
    """Header = first non-empty row; drop empty rows and unnamed empty columns; name and de-duplicate."""
    if grid.empty:
        return [], pd.DataFrame(), []
    keep = ~_blank_rows(grid)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return [], pd.DataFrame(), []
    head = int(idx[0])
    data_idx = idx[1:]
    header_cells = [_header_text(v) for v in grid.iloc[head].tolist()]
    contiguous = len(data_idx) == len(grid) - head - 1
    body = grid.iloc[head + 1 :] if contiguous else grid.iloc[data_idx]
    cols: list[int] = []
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
    return headers, frame, [int(x) for x in lines[data_idx]]
