"""The load report: what was read from each file, and every row rejected or repaired, with file, row, column."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from graphaudit.ingest.issue import Issue

__all__ = ["FileRead", "LoadReport"]

ACTION_ZH = {"rejected": "拒收", "repaired": "已修复", "warning": "提示"}


@dataclass
class FileRead:
    source: str
    file: str
    encoding: str
    sheet: str | None
    rows: int
    loaded: int = 0


@dataclass
class LoadReport:
    files: list[FileRead] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # graph counts after the load
    seconds: float = 0.0
    report_path: Path | None = None

    def rejected(self, source: str | None = None) -> int:
        return sum(
            1 for i in self.issues if i.action == "rejected" and (source is None or i.source == source)
        )

    def write_csv(self, path: Path) -> Path:
        """Every issue as one CSV row (UTF-8 with BOM so Excel opens the Chinese text)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["source", "file", "row", "column", "action", "reason", "value"])
            for i in self.issues:
                w.writerow(
                    [
                        i.source,
                        i.file,
                        i.row if i.row is not None else "",
                        i.column,
                        i.action,
                        i.reason,
                        i.value,
                    ]
                )
        self.report_path = path
        return path

    def as_dict(self) -> dict[str, object]:
        return {
            "files": [asdict(f) for f in self.files],
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "rejected": self.rejected(),
            "issues": len(self.issues),
            "report": str(self.report_path) if self.report_path else None,
        }

    def print(self, console: Console | None = None, max_issues: int = 15) -> None:
        """The report as rich tables: one row per file, then the first issues."""
        console = console or Console()
        t = Table(title="导入报告 Load report", title_justify="left")
        for col in ("source", "file", "encoding", "rows", "loaded", "rejected", "warnings"):
            t.add_column(
                col, justify="right" if col in ("rows", "loaded", "rejected", "warnings") else "left"
            )
        for f in self.files:
            rej = sum(1 for i in self.issues if i.file == f.file and i.action == "rejected")
            warn = sum(1 for i in self.issues if i.file == f.file and i.action != "rejected")
            enc = f.encoding + (f" [{f.sheet}]" if f.sheet else "")
            t.add_row(f.source, f.file, enc, str(f.rows), str(f.loaded), str(rej), str(warn))
        console.print(t)
        if self.issues:
            it = Table(
                title=f"问题 Issues (first {min(max_issues, len(self.issues))} of {len(self.issues)})",
                title_justify="left",
            )
            for col in ("file", "row", "column", "action", "reason", "value"):
                it.add_column(col, overflow="fold")
            for i in self.issues[:max_issues]:
                it.add_row(
                    i.file, str(i.row or ""), i.column, ACTION_ZH.get(i.action, i.action), i.reason, i.value
                )
            console.print(it)
        if self.report_path:
            console.print(f"Full report: [bold]{self.report_path}[/bold]")
