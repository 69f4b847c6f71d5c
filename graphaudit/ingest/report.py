"""The load report: what was read from each file, and every row rejected or repaired, with file, row, column —
counted per kind of problem (graphaudit.ingest.issue.REASONS), biggest kinds first."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from graphaudit.ingest.issue import Issue

if TYPE_CHECKING:
    from graphaudit.ingest.matching import MatchStats

__all__ = ["FileRead", "LoadReport", "CSV_COLUMNS"]

ACTION_ZH = {"rejected": "拒收", "repaired": "已修复", "warning": "提示"}

#: The load report CSV, one row per issue: ``code`` and ``reason`` are the same for every issue of one kind,
#: what is particular to the row is in ``household``, ``detail`` and ``value``.
CSV_COLUMNS = ("source", "file", "row", "column", "action", "code", "reason", "household", "detail", "value")


@dataclass
class FileRead:
    source: str
    file: str
    encoding: str
    sheet: str | None
    rows: int
    loaded: int = 0


@dataclass
class Kind:
    """The issues of one kind (code) in a load."""

    code: str
    text: str
    count: int
    actions: dict[str, int]
    files: list[str]
    examples: list[Issue]


@dataclass
class LoadReport:
    files: list[FileRead] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # graph counts after the load
    seconds: float = 0.0
    report_path: Path | None = None
    earlier_issues: int = 0  # issues on rows of files loaded before this load (not listed)
    names: MatchStats | None = None  # how named people and companies were found (graphaudit.ingest.matching)
    unknown_files: list[str] = field(default_factory=list)  # files in the folder that match no source
    # the store's check of the graph it wrote against what it was handed (graphaudit.store.verify)
    verified: dict[str, float] | None = None

    def rejected(self, source: str | None = None) -> int:
        return sum(
            1 for i in self.issues if i.action == "rejected" and (source is None or i.source == source)
        )

    def keep_this_load(self) -> None:
        """Keep the issues of the rows this load read; count, but do not list, those that a rebuild over the
        whole store found again on rows of files loaded before (the household register under next month's
        payments)."""
        read = {f.file for f in self.files} | set(self.unknown_files)
        if self.names is not None:
            self.names.keep(read)
        mine = [i for i in self.issues if i.file in read]
        self.earlier_issues += len(self.issues) - len(mine)
        self.issues = mine

    def kinds(self, examples: int = 3) -> list[Kind]:
        """The issues grouped by kind, biggest first (then by code), each with its first few issues."""
        count = Counter(i.code for i in self.issues)
        by: dict[str, Kind] = {}
        for i in self.issues:
            k = by.get(i.code)
            if k is None:
                k = by[i.code] = Kind(i.code, i.text, count[i.code], {}, [], [])
            k.actions[i.action] = k.actions.get(i.action, 0) + 1
            if i.file not in k.files:
                k.files.append(i.file)
            if len(k.examples) < examples:
                k.examples.append(i)
        return sorted(by.values(), key=lambda k: (-k.count, k.code))

    def write_csv(self, path: Path) -> Path:
        """Every issue as one CSV row (UTF-8 with BOM so Excel opens the Chinese text), grouped by kind, the
        biggest kind first."""
        path.parent.mkdir(parents=True, exist_ok=True)
        order = {k.code: n for n, k in enumerate(self.kinds(examples=0))}
        from graphaudit.export.atomic import atomic_write  # crash-safe; register text stays data
        from graphaudit.export.cells import csv_row

        with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(CSV_COLUMNS)
            for i in sorted(self.issues, key=lambda i: order[i.code]):
                w.writerow(
                    csv_row(
                        [
                            i.source,
                            i.file,
                            i.row if i.row is not None else "",
                            i.column,
                            i.action,
                            i.code,
                            i.text,
                            i.household,
                            i.detail,
                            i.value,
                        ]
                    )
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
            "issues_by_kind": {k.code: k.count for k in self.kinds(examples=0)},
            "earlier_issues": self.earlier_issues,
            "names": self.names.rows() if self.names else [],
            "names_pending_review": len(self.names.pending) if self.names else 0,
            "placeholders": self.names.placeholders if self.names else 0,
            "unknown_files": list(self.unknown_files),
            "report": str(self.report_path) if self.report_path else None,
            "verified": self.verified,
        }

    def print(self, console: Console | None = None, examples: int = 2, max_examples: int = 12) -> None:
        """The report as rich tables: one row per file; the issues counted per kind, biggest first; then a
        few examples of the biggest kinds."""
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
        if self.unknown_files:
            console.print(
                f"[bold yellow]未读取 {len(self.unknown_files)} 个文件（文件名不对应任何来源）[/bold yellow] "
                f"not read, the name matches no source: {', '.join(self.unknown_files)}",
                highlight=False,
            )
        kinds = self.kinds(examples)
        if kinds:
            kt = Table(
                title=f"问题分类 Issues by kind: {len(self.issues):,} in {len(kinds)} kinds",
                title_justify="left",
            )
            kt.add_column("数量 count", justify="right")
            kt.add_column("处理 action")
            kt.add_column("原因 reason")
            kt.add_column("code")
            kt.add_column("文件 files", overflow="fold")
            for k in kinds:
                acts = ", ".join(
                    ACTION_ZH.get(a, a) + (f" {n:,}" if len(k.actions) > 1 else "")
                    for a, n in k.actions.items()
                )
                files = ", ".join(k.files[:3]) + (f" … (+{len(k.files) - 3})" if len(k.files) > 3 else "")
                kt.add_row(f"{k.count:,}", acts, k.text, k.code, files)
            console.print(kt)
            shown = [(k, i) for k in kinds for i in k.examples][:max_examples]
            et = Table(title="示例 Examples (first of each kind)", title_justify="left")
            for col in ("code", "file", "row", "column", "户号 household", "detail", "value"):
                et.add_column(col, overflow="fold")
            for k, i in shown:
                et.add_row(k.code, i.file, str(i.row or ""), i.column, i.household, i.detail, i.value)
            console.print(et)
        if self.names and self.names.counts:
            self._print_names(console)
        if self.earlier_issues:
            console.print(
                f"另有 {self.earlier_issues:,} 条问题属于以前导入的文件，未重复列出 "
                f"{self.earlier_issues:,} more issues are on rows of files loaded before (not listed again)",
                highlight=False,
            )
        if self.verified:
            v = self.verified
            console.print(
                f"图数据已核对：{v['frames']:,} 个表、{v['properties']:,} 个数值/日期属性、"
                f"{v['rows']:,} 行与写入的一致（{v['seconds']:.1f} 秒） "
                f"graph checked against what was written: {v['frames']:,} tables, "
                f"{v['properties']:,} numeric/date properties, {v['rows']:,} rows",
                highlight=False,
            )
        if self.report_path:
            console.print(f"完整报告 Full report: [bold]{self.report_path}[/bold]", highlight=False)

    def _print_names(self, console: Console) -> None:
        """Rows per source and column by how their person or company was found."""
        assert self.names is not None
        nt = Table(title="姓名匹配 Names matched", title_justify="left")
        heads = {
            "id": "按证件号 ID",
            "name": "按姓名 name",
            "variant": "繁简/异体 variant",
            "review": "按核对 review",
            "ambiguous": "待核对 ambiguous",
            "unmatched": "未找到 unmatched",
        }
        nt.add_column("来源 source")
        nt.add_column("列 column")
        for h in heads.values():
            nt.add_column(h, justify="right")
        for r in self.names.rows():
            nt.add_row(r["source"], r["column"], *(f"{r[h]:,}" for h in heads))
        console.print(nt)
        if self.names.placeholders:
            console.print(
                f"{self.names.placeholders:,} 行未能关联到登记的人员或企业，已建临时节点"
                f"（registered = false），逐行列在报告中 "
                f"{self.names.placeholders:,} rows point at a placeholder person or company "
                "(listed in the report)",
                highlight=False,
            )
        if self.names.pending:
            console.print(
                f"{len(self.names.pending):,} 行待核对（同名多人、音同字不同或常见姓名）"
                f"{len(self.names.pending):,} rows wait for review",
                highlight=False,
            )
