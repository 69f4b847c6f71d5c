"""Exports: a selection of the graph and its findings in the formats analysts' tools read.

    from graphaudit.export import Selection, export_selection
    export_selection(store, Selection("flagged", min_severity=60), "graphml", "flagged.graphml")

One selection (:mod:`graphaudit.export.selection`) gives one subgraph and its findings; one view
(:mod:`graphaudit.export.view`) masks identifiers and annotates findings once; each format is a module
with ``SUFFIX`` and ``write(view, out) -> list[Path]``, declared once in :data:`FORMATS` with its Chinese
title, button label and media type.  The CLI, the API, its schema and the finding page read :data:`FORMATS`;
a format's module is imported only when its suffix or writer is needed (FollowTheMoney and openpyxl are slow
to load).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from graphaudit.errors import GraphAuditError
from graphaudit.export.selection import Selection, SelectionError, select
from graphaudit.export.view import View, make_view
from graphaudit.store.base import GraphStore

__all__ = [
    "FORMATS",
    "Format",
    "FormatDeclarationError",
    "Selection",
    "SelectionError",
    "ExportError",
    "Exported",
    "export_selection",
    "select",
    "make_view",
    "View",
    "write_view",
    "target",
    "format_help",
]

Writer = Callable[[View, Path], list[Path]]
_CJK = re.compile(r"[\u4e00-\u9fff]")


class FormatDeclarationError(GraphAuditError):
    """An export format's declaration is incomplete or inconsistent (raised at import, naming the format)."""


@dataclass(frozen=True)
class Format:
    """An export format, declared once.

    - ``name``: as ``--format`` and ``?format=`` take it
    - ``title``: Chinese, what it is and which tools read it
    - ``label``: the short text of its download button
    - ``media_type``: of an API download
    - ``module``: the writer's module, which holds ``SUFFIX`` (``""``: the format writes a folder) and
      ``write(view, out)``
    - ``download_suffix``: the file name's ending of an API download, when not ``SUFFIX`` (a folder format is
      downloaded as a zip)
    """

    name: str
    title: str
    label: str
    media_type: str
    module: str
    download_suffix: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            problems.append("name must be lower-case letters and digits")
        if not _CJK.search(self.title):
            problems.append("title must be Chinese")
        if not self.label.strip():
            problems.append("label is empty")
        if not re.fullmatch(r"[a-z]+/[\w.+-]+(; ?charset=[\w-]+)?", self.media_type):
            problems.append(f"media type {self.media_type!r} is not type/subtype")
        if importlib.util.find_spec(self.module) is None:
            problems.append(f"writer module {self.module} does not exist")
        if self.download_suffix is not None and not self.download_suffix.startswith("."):
            problems.append("download_suffix must start with '.'")
        if problems:
            raise FormatDeclarationError(f"export format {self.name!r}: " + "; ".join(problems))

    @property
    def suffix(self) -> str:
        """The suffix of the file the writer writes; ``""`` for a folder."""
        return cast(str, importlib.import_module(self.module).SUFFIX)

    @property
    def folder(self) -> bool:
        """The format writes a folder of files (downloaded as a zip)."""
        return self.suffix == ""

    @property
    def download(self) -> str:
        """The file name's ending of an API download."""
        return self.download_suffix or self.suffix

    @property
    def write(self) -> Writer:
        """``write(view, out) -> list[Path]``."""
        return cast(Writer, importlib.import_module(self.module).write)


def _registry(*formats: Format) -> dict[str, Format]:
    out: dict[str, Format] = {}
    for f in formats:
        if f.name in out:
            raise FormatDeclarationError(f"export format {f.name!r} is declared twice")
        out[f.name] = f
    return out


#: The export formats by name, in the order pages and help list them.
FORMATS: dict[str, Format] = _registry(
    Format(
        "html",
        "离线可打开的证据包，单个 HTML 文件，含关系图与线索",
        "证据包 HTML",
        "text/html; charset=utf-8",
        f"{__name__}.html",
    ),
    Format(
        "xlsx",
        "Excel 工作簿：线索、证据、人员、节点、关系各一表",
        "Excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{__name__}.xlsx",
    ),
    Format("gexf", "GEXF 关系图，供 Gephi", "GEXF", "application/gexf+xml", f"{__name__}.gexf"),
    Format(
        "graphml",
        "GraphML 关系图，供 Gephi、yEd、Cytoscape",
        "GraphML",
        "application/graphml+xml",
        f"{__name__}.graphml",
    ),
    Format(
        "json", "节点-关系 JSON，networkx node-link 格式", "JSON", "application/json", f"{__name__}.nodelink"
    ),
    Format(
        "csv",
        "Neo4j 导入 CSV 文件夹，供 neo4j-admin database import，网页下载为 zip",
        "Neo4j CSV",
        "application/zip",
        f"{__name__}.neo4j_csv",
        download_suffix=".neo4j-csv.zip",
    ),
    Format("ftm", "FollowTheMoney 实体 JSON 行，供 Aleph", "FtM", "application/x-ndjson", f"{__name__}.ftm"),
)


def format_help() -> str:
    """The formats as a help text: ``html: 离线可打开的证据包…; xlsx: …; …``."""
    return "; ".join(f"{f.name}: {f.title}" for f in FORMATS.values())


class ExportError(GraphAuditError):
    """An export cannot be written (unknown format, unusable output path)."""


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the files, and the size of the selection."""

    files: list[Path]
    nodes: int
    relationships: int
    findings: int


def target(fmt: str, out: str | Path) -> Path:
    """Where format ``fmt`` writes for ``--out out``: a folder for a folder format (csv); for the others
    ``out`` itself, or ``out/export<suffix>`` when ``out`` is an existing folder.  Raises ExportError for a
    bad format or path."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    path = Path(out)
    if FORMATS[fmt].folder:
        if path.exists() and not path.is_dir():
            raise ExportError(f"--out {path}: the {fmt} format writes a folder, and this is a file")
        return path
    if path.is_dir():
        path = path / f"export{FORMATS[fmt].suffix}"
    if not path.parent.is_dir():
        raise ExportError(f"--out {path}: folder {path.parent} does not exist")
    return path


def write_view(view: View, fmt: str, out: str | Path) -> list[Path]:
    """Write an already-built view in format ``fmt`` to ``out`` (see :func:`target`); the files written."""
    path = target(fmt, out)
    try:
        return FORMATS[fmt].write(view, path)
    except OSError as e:
        raise ExportError(f"--out {path}: cannot write ({e.strerror or e})") from e


def export_selection(
    store: GraphStore, selection: Selection, fmt: str, out: str | Path, show_ids: bool = False
) -> Exported:
    """Select from ``store``, build the view (identifiers masked unless ``show_ids``) and write it in
    format ``fmt`` to ``out``.  Raises :class:`SelectionError` / :class:`ExportError` (GraphAuditError)
    with one line naming what is wrong; the format and path are checked before the store is queried."""
    target(fmt, out)
    g, findings = select(store, selection)
    view = make_view(g, findings, show_ids=show_ids)
    files = write_view(view, fmt, out)
    return Exported(files, view.graph.number_of_nodes(), view.graph.number_of_edges(), len(findings))
