"""The write side of a Neo4j load: parts of frames on a few write sessions at once.

A load is a list of *parts*: one statement over up to :data:`PART` rows of a frame, sent in batches of the
store's ``batch_size`` rows, one managed write transaction each.  :class:`Writers` runs parts on ``n``
threads, each with a session of its own, as soon as they may run:

- a part that creates relationships *needs* the node labels at its ends: it waits until every part that
  writes nodes of those labels has finished (the nodes it matches are then there);
- a part *holds* the labels whose nodes it makes dense (on average :data:`DENSE` or more new relationships
  each, like a programme every payment is under): two parts holding a common label never run at once, since
  their transactions would queue on the same few nodes' relationship groups and deadlock.

Everything else runs side by side, nodes of one label in several parts at once and relationships of
different types that share a sparse end (a person's address and phone).  Neo4j may still report a deadlock
now and then; the driver retries the transaction (a deadlock is a transient error), and :class:`Writers`
counts the retries instead of letting the driver print a warning for each.

Parts are added while they run (the graph may still be being built, a frame at a time); ``close`` waits for
the rest and raises the first error.  After an error no further part starts.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

__all__ = ["DENSE", "PART", "Writers"]

PART = 25_000
DENSE = 50  # Neo4j's own threshold (db.relationship_grouping_threshold) for a dense node


@dataclass(eq=False)
class _Part:
    cypher: str
    frame: pd.DataFrame
    needs: frozenset[str]
    holds: frozenset[str]
    label: str | None


class _RetryCounter(logging.Filter):
    """Counts (and hides) the driver's "Transaction failed and will be retried" warnings."""

    def __init__(self) -> None:
        super().__init__()
        self.retries = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "will be retried" in record.getMessage():
            self.retries += 1
            return False
        return True


class Writers:
    """Runs write parts on ``n`` threads (see the module's docstring)."""

    def __init__(self, write: Callable[[str, pd.DataFrame], None], n: int) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._queue: list[_Part] = []
        self._left: Counter[str] = Counter()  # node label -> its parts not yet finished
        self._final: set[str] = set()  # node labels all of whose parts have been added
        self._holding: Counter[str] = Counter()
        self._closed = False
        self._error: BaseException | None = None
        self.parts = 0
        self._retries = _RetryCounter()
        logging.getLogger("neo4j.session").addFilter(self._retries)
        self._threads = [
            threading.Thread(target=self._work, name=f"neo4j-write-{i}", daemon=True)
            for i in range(max(1, n))
        ]
        for t in self._threads:
            t.start()

    @property
    def retries(self) -> int:
        """Transactions the driver ran again (deadlocks, lost leaders) during this load."""
        return self._retries.retries

    # -- adding work -----------------------------------------------------------------------------------
    def add(
        self,
        cypher: str,
        frame: pd.DataFrame,
        *,
        needs: Iterable[str] = (),
        holds: Iterable[str] = (),
        label: str | None = None,
    ) -> None:
        """``cypher`` over ``frame`` in parts; ``label``: the node label the statement writes."""
        if not len(frame):
            return
        parts = [
            _Part(cypher, frame.iloc[i : i + PART], frozenset(needs), frozenset(holds), label)
            for i in range(0, len(frame), PART)
        ]
        with self._cond:
            self._raise()
            self._queue.extend(parts)
            self.parts += len(parts)
            if label is not None:
                self._left[label] += len(parts)
            self._cond.notify_all()

    def written(self, label: str) -> None:
        """Every part that writes nodes of ``label`` has been added."""
        with self._cond:
            self._final.add(label)
            self._cond.notify_all()

    def check(self) -> None:
        """Raise the first error of a part, if one failed."""
        with self._cond:
            self._raise()

    def close(self, error: BaseException | None = None) -> None:
        """No more parts: wait for those queued (none more if ``error``, the adder's own failure, is given)
        and the running ones, then raise the first error of a part."""
        with self._cond:
            self._closed = True
            if error is not None:
                self._error = self._error or error
                self._queue.clear()
            self._cond.notify_all()
        for t in self._threads:
            t.join()
        logging.getLogger("neo4j.session").removeFilter(self._retries)
        with self._cond:
            if error is None:
                self._raise()

    # -- the threads -----------------------------------------------------------------------------------
    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _ready(self, part: _Part) -> bool:
        # once closed, every label's parts are in: a label never announced has none left to wait for
        if any((label not in self._final and not self._closed) or self._left[label] for label in part.needs):
            return False
        return not any(self._holding[label] for label in part.holds)

    def _next(self) -> _Part | None:
        """The first part that may run now (holding the condition); None when there will be none."""
        while True:
            if self._error is not None:
                return None
            part = next((p for p in self._queue if self._ready(p)), None)
            if part is not None:
                self._queue.remove(part)
                self._holding.update(part.holds)
                return part
            if self._closed and not self._queue:
                return None
            self._cond.wait()

    def _work(self) -> None:
        while True:
            with self._cond:
                part = self._next()
            if part is None:
                return
            try:
                self._write(part.cypher, part.frame)
            except BaseException as e:
                with self._cond:
                    self._error = self._error or e
            finally:
                with self._cond:
                    self._holding.subtract(part.holds)
                    if part.label is not None:
                        self._left[part.label] -= 1
                    self._cond.notify_all()
