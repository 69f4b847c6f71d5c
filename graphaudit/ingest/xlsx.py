"""Reading an XLSX source file, within bounds.

openpyxl reads a worksheet as it is told: a cell in column XFD makes every row 16,384 cells wide, a row
numbered 2,000,000 makes two million empty rows, and a damaged part raises whatever its XML or zip layer
raises.  So the workbook's zip is scanned first, part by part and never whole in memory (:func:`_scan_xlsx`):
sizes declared and actual, compression ratio, DTD and entity declarations, shared strings, and per worksheet
its rows, its widest column and its formula cells without a cached value.  Only then does openpyxl read the
chosen sheet; other non-empty sheets and formulas without values become notes of the load report.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphaudit.errors import InputError
from graphaudit.ingest.limits import EXCEL_MAX_ROWS, Limits
from graphaudit.ingest.reader import Note, RawTable, _check_cells, _check_width, _col_letter, _table

__all__ = ["read_xlsx"]


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


_ROW_TAG = re.compile(rb"<row\b[^>]*?\br=\"(\d+)\"")
_WIDE_CELL = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{2,})\d+\"")
_FORMULA_NO_VALUE = re.compile(
    rb"<c\b[^>]*?\br=\"([A-Z]+)(\d+)\"[^>]*>\s*<f\b(?:[^>]*/>|[^>]*>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>|</c>)"
)
_CHUNK = 1 << 23


@dataclass
class _SheetScan:
    rows: int = 0  # <row> elements
    last_row: int = 0  # highest row number named
    width: int = 0  # widest column named (only two-letter columns and beyond are looked at)
    formulas: list[tuple[str, int]] = field(default_factory=list)  # (column letters, row) without a value


def _letters_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_xlsx(path: Path, lim: Limits) -> dict[str, _SheetScan]:
    """Check an XLSX's zip before openpyxl reads it: sizes (declared and actual), compression ratio, no DTD
    or entity declaration in any XML part, shared strings, and per worksheet its rows and widest column.
    Returns the scan of each worksheet part by its path in the zip; raises InputError."""

    def bad(why: str) -> InputError:
        return InputError(f"工作簿不可读 workbook refused: {why}", file=path)

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise InputError(
            f"无法打开工作簿 cannot open workbook (encrypted, damaged or not .xlsx): {e}", file=path
        ) from e
    sheets: dict[str, _SheetScan] = {}
    total = 0
    with zf:
        infos = zf.infolist()
        if len(infos) > 10_000:
            raise bad(f"{len(infos):,} parts in the zip")
        for info in infos:
            total += info.file_size
            if total > lim.max_xlsx_bytes:
                raise bad(
                    f"uncompressed size over {lim.max_xlsx_bytes:,} bytes "
                    f"({Limits.env_name('max_xlsx_bytes')} raises it)"
                )
            if info.file_size > (1 << 20) and info.file_size > lim.max_xlsx_ratio * max(
                info.compress_size, 1
            ):
                raise bad(
                    f"part {info.filename} expands {info.file_size // max(info.compress_size, 1):,}-fold"
                )
        total = 0
        for info in infos:
            name = info.filename
            if not name.lower().endswith((".xml", ".rels", ".vml")):
                continue
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            is_strings = name == "xl/sharedStrings.xml"
            scan = _SheetScan() if is_sheet else None
            strings = 0
            rest = b""
            try:
                with zf.open(info) as fh:
                    while True:
                        chunk = fh.read(_CHUNK)
                        total += len(chunk)
                        if total > lim.max_xlsx_bytes:
                            raise bad(
                                f"uncompressed size over {lim.max_xlsx_bytes:,} bytes "
                                f"({Limits.env_name('max_xlsx_bytes')} raises it)"
                            )
                        buf = rest + chunk
                        if chunk:
                            cut = buf.rfind(b">") + 1
                            part, rest = buf[:cut], buf[cut:]
                            if len(rest) > lim.max_cell_chars * 8 + 4096:
                                raise bad(f"part {name}: an element longer than any cell may be")
                        else:
                            part, rest = buf, b""
                        if b"<!DOCTYPE" in part or b"<!ENTITY" in part:
                            raise bad(f"part {name} declares a DTD or entities (not allowed)")
                        if scan is not None:
                            _scan_part(part, scan, path, lim)
                        elif is_strings:
                            strings += part.count(b"<si>") + part.count(b"<si ") + part.count(b":si>")
                            if strings > lim.max_shared_strings:
                                raise bad(
                                    f"more than {lim.max_shared_strings:,} shared strings "
                                    f"({Limits.env_name('max_shared_strings')} raises it)"
                                )
                        if not chunk:
                            break
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as e:
                raise InputError(
                    f"工作簿已损坏 damaged workbook (part {name}: {e}): open it in Excel and save it again",
                    file=path,
                ) from e
            if scan is not None:
                sheets[name] = scan
    return sheets


def _scan_part(part: bytes, scan: _SheetScan, path: Path, lim: Limits) -> None:
    scan.rows += part.count(b"<row ") + part.count(b"<row>")
    at = part.rfind(b"<row ")
    if at >= 0:
        m = _ROW_TAG.match(part, at)
        if m:
            scan.last_row = max(scan.last_row, int(m.group(1)))
    if max(scan.rows, scan.last_row) > min(lim.max_rows, EXCEL_MAX_ROWS):
        raise InputError(
            f"行数过多 too many rows (more than {min(lim.max_rows, EXCEL_MAX_ROWS):,}): split the sheet",
            file=path,
            row=max(scan.rows, scan.last_row),
        )
    for m in _WIDE_CELL.finditer(part):
        scan.width = max(scan.width, _letters_index(m.group(1)))
    if scan.width > lim.max_columns:
        raise InputError(
            f"列数过多 too many columns (a cell in column {_col_letter(scan.width - 1)}, limit "
            f"{lim.max_columns:,}; {Limits.env_name('max_columns')} raises it): "
            "delete the cells at the right",
            file=path,
        )
    if b"<f" in part and len(scan.formulas) < 1000:
        for m in _FORMULA_NO_VALUE.finditer(part):
            scan.formulas.append((m.group(1).decode("ascii"), int(m.group(2))))


def read_xlsx(path: Path, source: str, lim: Limits) -> RawTable:
    """An XLSX source file as a :class:`RawTable`: its zip checked first (:func:`_scan_xlsx`), then read by
    openpyxl in read-only mode; any failure of openpyxl on a damaged part is an InputError."""
    import openpyxl

    scans = _scan_xlsx(path, lim)
    try:
        return _read_xlsx_checked(path, source, lim, scans, openpyxl)
    except InputError:
        raise
    except Exception as e:  # openpyxl on a damaged part: ParseError, IndexError, KeyError, zlib.error …
        raise InputError(
            f"工作簿已损坏 damaged workbook ({type(e).__name__}: {str(e)[:120]}): "
            "open it in Excel and save it again as .xlsx",
            file=path,
        ) from e


def _read_xlsx_checked(
    path: Path, source: str, lim: Limits, scans: dict[str, _SheetScan], openpyxl: Any
) -> RawTable:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    notes: list[Note] = []
    try:
        if not wb.sheetnames:
            raise InputError("工作簿没有工作表 workbook has no sheet", file=path)
        sheet = _pick_sheet(list(wb.sheetnames), source)
        ws = wb[sheet]
        scan = scans.get(str(getattr(ws, "_worksheet_path", "")).lstrip("/"), _SheetScan())
        height = max(scan.rows, scan.last_row)
        if height * max(scan.width, 1) > lim.max_xlsx_cells:
            raise InputError(
                f"工作表过大 sheet too large ({height:,} rows × {scan.width:,} columns, limit "
                f"{lim.max_xlsx_cells:,} cells; {Limits.env_name('max_xlsx_cells')} raises it)",
                file=path,
            )
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # a wrong <dimension> tag must not truncate the sheet
        rows: list[tuple[Any, ...]] = []
        limit_rows = min(lim.max_rows, EXCEL_MAX_ROWS)
        cells = 0  # the scan misses what it cannot see (a namespace prefix on the tags): count while reading
        for r in ws.iter_rows(values_only=True):
            if len(r) > lim.max_columns:
                _check_width(len(r), path, lim, row=len(rows) + 1)
            rows.append(r)
            cells += len(r)
            if len(rows) > limit_rows or cells > lim.max_xlsx_cells:
                raise InputError(
                    f"工作表过大 sheet too large (over {limit_rows:,} rows or {lim.max_xlsx_cells:,} cells)",
                    file=path,
                    row=len(rows),
                )
        for other in wb.sheetnames:
            if other == sheet:
                continue
            filled = sum(
                1
                for r in wb[other].iter_rows(values_only=True)
                if any(v is not None and str(v).strip() for v in r)
            )
            if filled:
                notes.append(
                    (
                        None,
                        "",
                        "warning",
                        f"工作表《{other}》有{filled}行未读取 sheet {other!r} ({filled} rows) not read: only "
                        f"sheet {sheet!r} is read; put each source in a file of its own",
                        other,
                    )
                )
    finally:
        wb.close()
    width = max((len(r) for r in rows), default=0)
    grid_rows = [tuple("" if v is None else v for v in r) + ("",) * (width - len(r)) for r in rows]
    grid = pd.DataFrame.from_records(grid_rows, columns=list(range(width))) if grid_rows else pd.DataFrame()
    grid = grid.astype(object) if len(grid.columns) else grid
    lines = np.arange(1, len(grid) + 1)
    _check_cells(grid, lines, path, lim)
    for letters, row in scan.formulas:
        notes.append(
            (
                row,
                letters,
                "warning",
                "公式单元格没有计算结果，读作空 formula cell without a cached value, read as empty: "
                "open the file in Excel and save it, or paste the values",
                "",
            )
        )
    return _table(path, "xlsx", sheet, grid, lines, None, notes)
