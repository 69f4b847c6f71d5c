"""Errors a user can act on: each names what failed and, for input, the file, row and column."""

from __future__ import annotations

from pathlib import Path


class GraphAuditError(Exception):
    """Base class: the message is one line a user can act on."""


class InputError(GraphAuditError):
    """A problem with an input file, located by file, row (1-based, as a spreadsheet shows it) and column."""

    def __init__(
        self, reason: str, file: str | Path | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        self.reason = reason
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        super().__init__(self.located())

    def located(self) -> str:
        where = []
        if self.file:
            where.append(Path(self.file).name)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        text = f"{', '.join(where)}: {self.reason}" if where else self.reason
        return _one_line(text)


def _one_line(text: str) -> str:
    """The message on one line: line breaks and other control characters a file's text may carry shown as
    escapes, so that a header or value quoted in the message cannot break it (or a terminal) up."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class StoreError(GraphAuditError):
    """The graph store could not do what was asked (unreachable, locked, wrong credentials …)."""
