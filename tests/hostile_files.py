"""Builders of hostile input files for the tests of issue 19: hand-made XLSX parts, a zip rewritten with one
part replaced, and the tiny dataset copied into a folder."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl

TINY = Path(__file__).parent / "fixtures" / "tiny"
SHEET = "xl/worksheets/sheet1.xml"


def tiny_copy(dst: Path, only: Iterable[str] | None = None) -> Path:
    """The tiny dataset (or the files whose names start with one of ``only``) copied into ``dst``."""
    dst.mkdir(parents=True, exist_ok=True)
    for p in TINY.iterdir():
        if only is None or any(p.name.startswith(o) for o in only):
            shutil.copy(p, dst / p.name)
    return dst


def households_rows() -> list[list[str]]:
    text = (TINY / "households.csv").read_text(encoding="utf-8-sig")
    return [line.split(",") for line in text.splitlines() if line]


def write_xlsx(
    path: Path, rows: list[list[object]], title: str = "households", **more: list[list[object]]
) -> Path:
    """An XLSX written by openpyxl: ``rows`` in the first sheet, each keyword another sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for name, extra in more.items():
        other = wb.create_sheet(name)
        for r in extra:
            other.append(r)
    wb.save(path)
    return path


def rezip(
    src: Path,
    dst: Path,
    replace: dict[str, bytes | Callable[[zipfile.ZipFile], None]] | None = None,
    level: int = 6,
) -> Path:
    """``src`` with the parts in ``replace`` replaced (bytes, or a function that writes the part itself)."""
    replace = dict(replace or {})
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout,
    ):
        for info in zin.infolist():
            if info.filename in replace:
                new = replace.pop(info.filename)
                if callable(new):
                    new(zout)
                else:
                    zout.writestr(info.filename, new)
            else:
                zout.writestr(info, zin.read(info.filename))
        for name, new in replace.items():
            if callable(new):
                new(zout)
            else:
                zout.writestr(name, new)
    return dst


def sheet_xml(rows_xml: bytes, dimension: str = "A1") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="' + dimension.encode() + b'"/><sheetData>' + rows_xml + b"</sheetData></worksheet>"
    )


def streamed_sheet(n_rows: int) -> Callable[[zipfile.ZipFile], None]:
    """A worksheet part of ``n_rows`` one-cell rows, written in pieces (never whole in memory)."""

    def write(zout: zipfile.ZipFile) -> None:
        with zout.open(SHEET, "w", force_zip64=True) as fh:
            fh.write(sheet_xml(b"")[: -len(b"</sheetData></worksheet>")])
            buf = io.BytesIO()
            for i in range(1, n_rows + 1):
                buf.write(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i))
                if i % 100_000 == 0:
                    fh.write(buf.getvalue())
                    buf = io.BytesIO()
            fh.write(buf.getvalue() + b"</sheetData></worksheet>")

    return write
