"""Exports: a selection of the graph and its findings in the formats analysts' tools read.

    from graphaudit.export import Selection, export_selection
    export_selection(store, Selection("flagged", min_severity=60), "graphml", "flagged.graphml")

One selection (:mod:`graphaudit.export.selection`) gives one subgraph and its findings; one view
(:mod:`graphaudit.export.view`) masks identifiers and annotates findings once; each format is a module
with ``write(view, out) -> list[Path]``: graphml, gexf, json (:mod:`.nodelink`), csv (:mod:`.neo4j_csv`,
a folder for ``neo4j-admin database import``), xlsx, ftm (FollowTheMoney JSON lines) and html (a
self-contained evidence bundle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from graphaudit.errors import GraphAuditError
from graphaudit.export import ftm, gexf, graphml, html, neo4j_csv, nodelink, xlsx
from graphaudit.export.selection import Selection, SelectionError, select
from graphaudit.export.view import View, make_view
from graphaudit.store.base import GraphStore

__all__ = [
    "FORMATS",
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
]

#: Format name → its module (``SUFFIX`` and ``write``); csv writes a folder.
FORMATS: dict[str, ModuleType] = {
    "graphml": graphml,
    "gexf": gexf,
    "json": nodelink,
    "csv": neo4j_csv,
    "xlsx": xlsx,
    "ftm": ftm,
    "html": html,
}


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
    """Where format ``fmt`` writes for ``--out out``: a folder for csv; for the others ``out`` itself, or
    ``out/export<suffix>`` when ``out`` is an existing folder.  Raises ExportError for a bad format or path."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    path = Path(out)
    if fmt == "csv":
        if path.exists() and not path.is_dir():
            raise ExportError(f"--out {path}: the csv format writes a folder, and this is a file")
        return path
    if path.is_dir():
        path = path / f"export{FORMATS[fmt].SUFFIX}"
    if not path.parent.is_dir():
        raise ExportError(f"--out {path}: folder {path.parent} does not exist")
    return path


def write_view(view: View, fmt: str, out: str | Path) -> list[Path]:
    """Write an already-built view in format ``fmt`` to ``out`` (see :func:`target`); the files written."""
    path = target(fmt, out)
    writer: Callable[[View, Path], list[Path]] = FORMATS[fmt].write
    try:
        return writer(view, path)
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
