"""Spreadsheet cells that stay data: register text can never become a formula in a file we write.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, WPS and
LibreOffice as a formula (``=HYPERLINK(…)``, ``@SUM(…)``, DDE).  In CSV such text gets a leading ``'`` (the
spreadsheet convention for "this is text"; :func:`csv_cell`); in XLSX it stays exactly as it is, stored as
a string with the *quote prefix* style (:func:`neutralise_workbook`), so nothing is lost.  Numbers stay
numbers: ints, floats and text that is a plain number (``-3``, ``+1.5e3``) are left alone.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["RISKY", "risky", "csv_cell", "csv_row", "neutralise_workbook"]

#: First characters that make a spreadsheet read text as a formula.
RISKY = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def risky(text: str) -> bool:
    """Whether ``text`` would be read as a formula (and is not a plain number)."""
    return text.startswith(RISKY) and not _NUMBER.fullmatch(text)


def csv_cell(v: Any) -> Any:
    """A CSV cell value: risky text (:func:`risky`) with a leading ``'``, anything else unchanged."""
    return "'" + v if isinstance(v, str) and risky(v) else v


def csv_row(row: Any) -> Any:
    """:func:`csv_cell` on every value of a row (a list or a dict)."""
    if isinstance(row, dict):
        return {k: csv_cell(v) for k, v in row.items()}
    return [csv_cell(v) for v in row]


def neutralise_workbook(wb: Any) -> int:
    """Make every text cell of an openpyxl workbook that a spreadsheet would run as a formula plain text:
    stored as a string with the quote-prefix style, its value unchanged.  The number of cells changed.
    Call it last, just before saving (assigning a value starting with ``=`` makes a formula again)."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if not isinstance(v, str):
                    continue
                if c.data_type == "f" or risky(v):
                    c.data_type = "s"
                    c.quotePrefix = True
                    changed += 1
    return changed
