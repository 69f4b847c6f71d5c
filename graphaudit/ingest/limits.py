"""Bounds on what a source file may hold, so that a hostile or broken file fails fast with a clear message
instead of exhausting memory or time.

Each limit has a default that real county and prefecture registers stay far below, and an environment variable
that overrides it (read at every load, so a test or a user can raise one for a single run)::

    GRAPHAUDIT_MAX_FILE_BYTES      a source file on disk (CSV or XLSX)              4 GiB
    GRAPHAUDIT_MAX_ROWS            rows of one CSV file or one XLSX sheet            50,000,000
    GRAPHAUDIT_MAX_COLUMNS         columns of a file or sheet                        1,000
    GRAPHAUDIT_MAX_CELL_CHARS      characters in one cell (Excel's own limit)        32,767
    GRAPHAUDIT_MAX_XLSX_CELLS      rows × columns of one XLSX sheet                  30,000,000
    GRAPHAUDIT_MAX_XLSX_BYTES      uncompressed size of all parts of an XLSX         2 GiB
    GRAPHAUDIT_MAX_XLSX_RATIO      uncompressed : compressed size of one XLSX part   250
    GRAPHAUDIT_MAX_SHARED_STRINGS  shared strings of an XLSX                         20,000,000

An XLSX sheet also has Excel's own bounds: 1,048,576 rows and 16,384 columns (A … XFD).  A CSV is checked
against the row, cell and column limits while it is scanned a chunk at a time (graphaudit.ingest.csvfile),
before it is parsed.  Documented for users in docs/data-contract.md ("Limits").
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

__all__ = ["Limits", "limits", "EXCEL_MAX_ROWS"]

EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 4 << 30
    max_rows: int = 50_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 32_767
    max_xlsx_cells: int = 30_000_000
    max_xlsx_bytes: int = 2 << 30
    max_xlsx_ratio: int = 250
    max_shared_strings: int = 20_000_000

    @staticmethod
    def env_name(field: str) -> str:
        return "GRAPHAUDIT_" + field.upper()


def limits() -> Limits:
    """The limits in force: the defaults, each overridden by its environment variable (a whole number > 0)."""
    values: dict[str, int] = {}
    for f in fields(Limits):
        raw = os.environ.get(Limits.env_name(f.name), "").strip().replace("_", "").replace(",", "")
        if raw:
            try:
                n = int(raw)
            except ValueError:
                continue
            if n > 0:
                values[f.name] = n
    return Limits(**values)
