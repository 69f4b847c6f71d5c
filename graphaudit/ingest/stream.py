"""A graph handed over frame by frame: one thread builds it while another writes what is built.

:func:`graphaudit.ingest.build.build_graph` fills a :class:`GraphStream` like any :class:`GraphFrames`; a
store that takes streams (the embedded store: ``LadybugStore.takes_graph_stream``) reads
:meth:`GraphStream.arriving` in another thread and COPYs each node table while the rest of the graph is
still being built.  The stream is complete when the builder calls :meth:`GraphStream.finish`; a builder that
fails calls ``finish(error)`` and the reader stops with :class:`GraphAborted`.  A reader that fails calls
:meth:`GraphStream.reader_failed`, and the builder's next frame raises :class:`ReaderFailed`, so that a
load the store has already refused (another load holds it) does not first build the whole graph.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
import pyarrow as pa

from graphaudit.model import MODEL, GraphFrames

__all__ = ["GraphAborted", "GraphStream", "ReaderFailed", "Written"]


class GraphAborted(Exception):
    """The builder of a stream failed or was interrupted: the graph will not be complete."""


class ReaderFailed(Exception):
    """The reader of a stream failed; its error is the ``__cause__``."""


@dataclass(frozen=True)
class Written:
    """A frame the store has written and let go of (:meth:`GraphStream.release`): its number of rows and, of
    a node frame, its keys (to check relationships against if a later COPY fails)."""

    rows: int
    keys: pa.Array | None = None

    def __len__(self) -> int:
        return self.rows


class _Frames(dict):
    """A dict of frames that wakes the stream's reader on every new frame."""

    def __init__(self, stream: GraphStream) -> None:
        super().__init__()
        self._stream = stream

    def __setitem__(self, key: Any, value: pd.DataFrame) -> None:
        with self._stream._cond:
            if self._stream._reader_error is not None:
                raise ReaderFailed("the store stopped reading the graph") from self._stream._reader_error
            super().__setitem__(key, value)
            self._stream._cond.notify_all()


class GraphStream(GraphFrames):
    """GraphFrames whose frames another thread reads, in a fixed order, while they are being added."""

    streaming = True

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._done = False
        self._error: BaseException | None = None
        self._reader_error: BaseException | None = None
        super().__init__(nodes=_Frames(self), rels=_Frames(self))

    # -- builder side ----------------------------------------------------------------------------------
    def finish(self, error: BaseException | None = None) -> None:
        """No more frames: the graph is complete, or (with ``error``) it never will be."""
        with self._cond:
            self._done = True
            if error is not None and self._error is None:
                self._error = error
            self._cond.notify_all()

    # -- reader side -----------------------------------------------------------------------------------
    def _wait(self, ready: Any) -> None:
        """Wait (holding the condition) until ``ready()`` or the stream is finished; raise if aborted."""
        while not ready() and not self._done:
            self._cond.wait()
        self.check()

    def check(self) -> None:
        """Raise :class:`GraphAborted` if the builder failed."""
        if self._error is not None:
            raise GraphAborted(f"the graph was not built: {self._error!r}") from self._error

    def complete(self) -> bool:
        """Wait until the builder is done: True when the graph is complete, False when it was aborted."""
        with self._cond:
            while not self._done:
                self._cond.wait()
            return self._error is None

    def arriving(self) -> Iterator[tuple[str, Any, pd.DataFrame]]:
        """``("node", label, frame)`` for each label of the model, in the model's order, then
        ``("rel", (type, from label, to label), frame)`` in the order they were added, each as soon as it is
        there (a label the builder never adds is skipped once the stream is finished)."""
        for label in MODEL.nodes:
            with self._cond:
                self._wait(lambda label=label: label in self.nodes)
                df = self.nodes.get(label)
            if df is not None:
                yield "node", label, df
        done = 0
        while True:
            with self._cond:
                self._wait(lambda done=done: len(self.rels) > done)
                if len(self.rels) <= done:
                    return
                key = list(self.rels)[done]
                df = self.rels[key]
            yield "rel", key, df
            done += 1

    def finished(self) -> bool:
        """Whether the builder is done (it reads no frame any more), without waiting."""
        with self._cond:
            return self._done

    def release(self, kind: str, key: Any, keys: pa.Array | None = None) -> None:
        """The reader has written a frame and needs it no more: keep only its length (and a node frame's
        ``keys``), so that a large graph does not stay whole in memory until the end of the load.  The
        builder must be done with the frame (it reads back node frames for links, never relationships)."""
        with self._cond:
            frames = self.nodes if kind == "node" else self.rels
            df = dict.get(frames, key)
            if df is not None and not isinstance(df, Written):
                dict.__setitem__(cast(dict[Any, Any], frames), key, Written(len(df), keys))

    def reader_failed(self, error: BaseException) -> None:
        """The reader gives up: the builder's next frame raises :class:`ReaderFailed`."""
        with self._cond:
            self._reader_error = error
            self._cond.notify_all()
