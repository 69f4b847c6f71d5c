"""A CSV/TXT source file checked in one bounded pass before it is parsed.

:func:`scan_csv` reads the file in chunks of :data:`CHUNK` bytes, never whole: it detects the encoding by
strict decoding (BOM, then UTF-8, GBK, GB18030 — never guessed; Big5 refused), writes a UTF-8 copy to a
temporary file when the file is in another encoding, and on the UTF-8 bytes counts the lines and looks for
what would make parsing costly: more lines than ``max_rows``, a run of characters without a delimiter or line
break longer than a cell may be (``max_cell_chars``), a line with far more delimiters than a file may have
columns (``max_columns``).  Each is an :class:`~graphaudit.errors.InputError` naming the line, raised as soon
as it is seen, so that a hostile file of any size costs one chunk of memory.  The parsers then read the UTF-8
file from disk (:class:`CsvFile`), never from a copy in memory.  The UTF-8 copy of a file in another
encoding goes to the temporary folder (``$TMPDIR``) and is removed once the file is parsed.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graphaudit.errors import InputError
from graphaudit.ingest.limits import Limits

__all__ = ["CsvFile", "scan_csv", "col_letter", "sniff_delimiter", "CHUNK", "FIELDS_PER_COLUMN"]

#: Bytes read at a time.
CHUNK = 1 << 20
#: A physical line may hold this many delimiters per allowed column (quoted values may hold delimiters).
FIELDS_PER_COLUMN = 4
_HEAD = 1 << 18  # bytes kept from the start: delimiter sniffing, the first record, the Big5 test


@dataclass
class CsvFile:
    """What the scan found.  ``utf8``: the file to parse, UTF-8 without BOM (the file itself, or a temporary
    copy that :meth:`close` removes); ``head``: its first characters; ``lines``: physical lines (``\\n``,
    ``\\r\\n`` or a lone ``\\r`` each end one, a last line without an end counts); ``blank``: nothing but
    white space; ``quoted``: a ``"`` occurs."""

    path: Path
    encoding: str
    utf8: Path
    temporary: bool
    head: str
    delimiter: str
    lines: int
    blank: bool
    quoted: bool

    def close(self) -> None:
        if self.temporary:
            self.utf8.unlink(missing_ok=True)


def sniff_delimiter(text: str) -> str:
    """Comma, unless the first non-empty line has more tabs or semicolons."""
    for line in text[: 1 << 16].splitlines():
        if line.strip(" \t,;\"'"):
            counts = {d: line.count(d) for d in (",", "\t", ";")}
            best = max(counts, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","


def scan_csv(path: Path, lim: Limits) -> CsvFile:
    """The bounded pass over ``path`` (module docstring); InputError on the first problem found."""
    try:
        with open(path, "rb") as fh:
            first = fh.read(CHUNK)
    except OSError as e:
        raise InputError(f"无法读取文件 cannot read file: {e.strerror or e}", file=path) from e
    if first.startswith(b"PK\x03\x04"):
        raise InputError(
            "这是Excel工作簿 this is an Excel workbook (zip), not a CSV: rename it to .xlsx", file=path
        )
    if first.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "utf-8-sig")]
    elif first.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        candidates = [("utf-32", "utf-32")]
    elif first.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "utf-16")]
    else:
        if b"\x00" in first[:65536]:
            raise InputError(
                "文件含NUL字节 file contains NUL bytes: UTF-16 without BOM or not a text file; "
                "save it as UTF-8 CSV",
                file=path,
            )
        candidates = [("utf-8", ""), ("gbk", ""), ("gb18030", "")]
    failures: list[tuple[int, InputError]] = []
    for codec, label in candidates:
        try:
            return _Scan(path, codec, lim).run()
        except OSError as e:  # the file cannot be read further, or the temporary copy cannot be written
            raise InputError(
                f"无法读取文件或写入临时文件 cannot read the file or write its UTF-8 copy "
                f"({e.strerror or e}; the copy goes to {tempfile.gettempdir()}, TMPDIR moves it)",
                file=path,
            ) from e
        except _DecodeFailed as f:
            if label:  # a BOM names the encoding: its failure is the error
                raise f.error(label) from None
            failures.append((f.offset, f.error(None)))
    raise max(failures, key=lambda f: f[0])[1]  # the reading that got furthest names the real problem


class _DecodeFailed(Exception):
    def __init__(self, path: Path, codec: str, offset: int, line: int, bad: bytes) -> None:
        self.path, self.codec, self.offset, self.line, self.bad = path, codec, offset, line, bad

    def error(self, label: str | None) -> InputError:
        what = f"invalid {label}" if label else "not UTF-8 or GBK/GB18030"
        return InputError(
            f"无法解码 cannot decode: {what}; undecodable bytes {self.bad.hex(' ')} at line {self.line}, "
            f"byte offset {self.offset} (read as {self.codec}); save the file as UTF-8",
            file=self.path,
            row=self.line,
        )


class _Scan:
    """One pass reading ``path`` as ``codec``."""

    def __init__(self, path: Path, codec: str, lim: Limits) -> None:
        self.path, self.codec, self.lim = path, codec, lim
        self.max_run = 4 * lim.max_cell_chars + 2  # UTF-8 bytes of the longest cell, and its quotes
        self.max_delims = FIELDS_PER_COLUMN * lim.max_columns
        self.newlines = 0  # line ends seen in the UTF-8 bytes
        self.span = 0  # bytes since the last delimiter or line end
        self.delims = 0  # delimiters since the last line end
        self.last_cr = False  # the previous chunk ended with \r
        self.ended = True  # the text so far ends with a line end (or is empty)
        self.quoted = False
        self.blank = True
        self.head = ""
        self.delim = b""

    def run(self) -> CsvFile:  # noqa: C901 - one loop, kept whole so that it reads as the pass it is
        transcode = self.codec != "utf-8"
        out = None
        tmp: Path | None = None
        if transcode:
            fd, name = tempfile.mkstemp(prefix="graphaudit-", suffix=".csv")
            out, tmp = os.fdopen(fd, "wb"), Path(name)
        decoder = codecs.getincrementaldecoder(self.codec)("strict")
        raw_head = b""
        fed = raw_newlines = 0
        ok = False
        try:
            with open(self.path, "rb") as fh:
                while True:
                    chunk = fh.read(CHUNK)
                    final = not chunk
                    if len(raw_head) < _HEAD:
                        raw_head += chunk[: _HEAD - len(raw_head)]
                    buffered = len(decoder.getstate()[0])
                    try:
                        text = decoder.decode(chunk, final=final)
                    except UnicodeDecodeError as e:
                        line = raw_newlines + bytes(e.object[: e.start]).count(b"\n") + 1
                        bad = bytes(e.object[e.start : e.start + 4])
                        raise _DecodeFailed(
                            self.path, self.codec, fed - buffered + e.start, line, bad
                        ) from None
                    fed += len(chunk)
                    raw_newlines += chunk.count(b"\n")
                    if not self.head and text and text[0] == "\ufeff" and self.codec != "utf-8":
                        text = text[1:]  # a BOM the codec keeps (GB18030's)
                    if not self.delim:
                        self.delim = sniff_delimiter(text).encode()  # the first chunk holds ≥ 256K characters
                    if len(self.head) < _HEAD:
                        self.head += text[: _HEAD - len(self.head)]
                    data = text.encode("utf-8") if transcode else chunk
                    if transcode and out is not None:
                        out.write(data)
                    if self.blank and text.strip():
                        self.blank = False
                    self._bytes(data)
                    if final:
                        break
            if self.codec in ("gbk", "gb18030"):
                _refuse_big5(raw_head, raw_head.decode(self.codec, errors="ignore"), self.path)
            lines = self.newlines + (0 if self.ended else 1)
            if lines > self.lim.max_rows + 1:
                self._too_many_lines()
            ok = True
        finally:
            if out is not None:
                out.close()
            if not ok and tmp is not None:
                tmp.unlink(missing_ok=True)  # refused or failed: no copy left behind
        return CsvFile(
            path=self.path,
            encoding=self.codec,
            utf8=tmp or self.path,
            temporary=tmp is not None,
            head=self.head,
            delimiter=self.delim.decode() or ",",
            lines=lines,
            blank=self.blank,
            quoted=self.quoted,
        )

    def _bytes(self, data: bytes) -> None:
        """Count the line ends of ``data`` and refuse it where a run or a line is too long."""
        if not data:
            return
        a = np.frombuffer(data, dtype=np.uint8)
        if not self.quoted and b'"' in data:
            self.quoted = True
        lf, cr = a == 10, a == 13
        ends = lf | cr
        if self.last_cr and a[0] == 10:
            ends[0] = False  # the \n of a \r\n split between chunks
        if len(a) > 1:
            ends[1:] &= ~(cr[:-1] & lf[1:])  # \r\n is one line end
        d = a == self.delim[0]
        cut = np.flatnonzero(ends | d)
        if len(cut):
            runs = np.diff(cut) - 1
            if self.span + int(cut[0]) > self.max_run:
                self._too_long_cell(a, ends, d, 0)
            if len(runs) and int(runs.max()) > self.max_run:
                self._too_long_cell(a, ends, d, int(cut[int(runs.argmax())]) + 1)
            self.span = len(a) - int(cut[-1]) - 1
        else:
            self.span += len(a)
        if self.span > self.max_run:
            self._too_long_cell(a, ends, d, len(a) - self.span if self.span < len(a) else 0)
        at = np.flatnonzero(ends)
        if len(at):
            # delimiters before each line end (a line end is no delimiter: which side does not matter)
            dpos = np.flatnonzero(d)
            before = np.searchsorted(dpos, at)
            per = np.diff(np.concatenate(([0], before)))
            per[0] += self.delims
            if int(per.max()) > self.max_delims:
                self._too_many_fields(self.newlines + int(per.argmax()) + 1, int(per.max()))
            self.delims = len(dpos) - int(before[-1])
        else:
            self.delims += int(d.sum())
        if self.delims > self.max_delims:
            self._too_many_fields(self.newlines + int(ends.sum()) + 1, self.delims)
        self.newlines += int(ends.sum())
        if self.newlines > self.lim.max_rows + 1:
            self._too_many_lines()
        self.last_cr = bool(cr[-1])
        self.ended = bool(lf[-1] or cr[-1])

    def _too_many_lines(self) -> None:
        raise InputError(
            f"行数过多 too many lines (over {self.lim.max_rows:,}; "
            f"{Limits.env_name('max_rows')} raises it): split the file",
            file=self.path,
        )

    def _too_long_cell(self, a: np.ndarray, ends: np.ndarray, d: np.ndarray, start: int) -> None:
        """Refuse the run starting at ``start`` of this chunk (0: it began in an earlier one), naming its
        line and column (columns counted by delimiters, as if nothing were quoted)."""
        before = np.flatnonzero(ends[:start])
        line = self.newlines + len(before) + 1
        column = int(d[before[-1] + 1 if len(before) else 0 : start].sum()) + (
            0 if len(before) else self.delims
        )
        raise InputError(
            f"单元格过长 cell too long (over {self.lim.max_cell_chars:,} characters; "
            f"{Limits.env_name('max_cell_chars')} raises it): a broken quote or a pasted document?",
            file=self.path,
            row=line,
            column=col_letter(column),
        )

    def _too_many_fields(self, line: int, n: int) -> None:
        raise InputError(
            f"列数过多 too many fields on one line ({n + 1:,}, limit {self.lim.max_columns:,} columns; "
            f"{Limits.env_name('max_columns')} raises it): delete the empty columns at the right",
            file=self.path,
            row=line,
        )


def col_letter(j: int) -> str:
    """Spreadsheet letters of the 0-based column ``j`` (0 → A, 26 → AA)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


# ------------------------------------------------------------------------------------------------- Big5


def _gb2312_share(text: str) -> tuple[int, float]:
    """(number of distinct non-ASCII characters, share of them in GB 2312) over the first 256 KB of text."""
    chars = {c for c in text[:_HEAD] if ord(c) > 0x7F}
    if not chars:
        return 0, 1.0
    return len(chars), sum(_in_gb2312(c) for c in chars) / len(chars)


def _refuse_big5(data: bytes, text: str, path: Path) -> None:
    """Big5 (Traditional Chinese) bytes mostly decode as GBK too, into rare characters, kana and Cyrillic
    (低保 → 玂…).  Registers written in GBK use GB 2312 characters almost only; a text that does not, and that
    decodes cleanly as Big5 into GB 2312-like common characters, is refused rather than loaded garbled."""
    n, share = _gb2312_share(text)
    if n < 8 or share >= 0.75:
        return
    try:
        big5 = data[:_HEAD].decode("big5", errors="strict")
    except UnicodeDecodeError as e:
        if e.start < _HEAD - 4:
            return
        big5 = data[: e.start].decode("big5")
    sample = next((c for c in text if ord(c) > 0x7F and not _in_gb2312(c)), "")
    raise InputError(
        f"编码疑似Big5（繁体）the file looks Big5-encoded (read as GBK it gives garbled text such as "
        f"{sample!r}; as Big5: {big5.strip()[:12]!r}): save it as UTF-8",
        file=path,
    )


def _in_gb2312(c: str) -> bool:
    try:
        c.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False
