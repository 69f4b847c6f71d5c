"""A problem found in an input row, and the bookkeeping columns every adapted row carries."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Issue", "ROW", "FILE"]

ROW = "_row"  # 1-based row number in the file, as a spreadsheet shows it
FILE = "_file"  # file name the row came from


@dataclass(frozen=True)
class Issue:
    """A problem found in an input row. action: rejected (row not loaded), repaired, or warning."""

    source: str
    file: str
    row: int | None
    column: str
    action: str
    reason: str
    value: str = ""
