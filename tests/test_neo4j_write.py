"""The Neo4j load's scheduler (graphaudit.store.neo4j_write.Writers), at the storage boundary: a recording
write function instead of a server.  What it must guarantee: a relationship part starts only after every
part writing the nodes it needs has finished; two parts holding a common label never overlap; parts with
nothing in common do overlap; the first error stops the rest and is raised; parts added while others run
are taken too; and the driver's retry warnings are counted, not printed."""

from __future__ import annotations

import logging
import threading
import time

import pandas as pd
import pytest

from graphaudit.store.neo4j_write import PART, Writers


class Recorder:
    """A write function that sleeps a little and records when each statement ran, and on which thread."""

    def __init__(self, pause: float = 0.02, fail_on: str | None = None) -> None:
        self.pause, self.fail_on = pause, fail_on
        self.spans: list[tuple[str, float, float, int]] = []
        self.lock = threading.Lock()

    def __call__(self, cypher: str, frame: pd.DataFrame) -> None:
        t0 = time.perf_counter()
        time.sleep(self.pause)
        if cypher == self.fail_on:
            raise RuntimeError(f"{cypher} failed")
        with self.lock:
            self.spans.append((cypher, t0, time.perf_counter(), len(frame)))

    def of(self, name: str) -> list[tuple[float, float]]:
        return [(a, b) for c, a, b, _ in self.spans if c == name]


def rows(n: int) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"x{i}" for i in range(n)]})


def overlap(x: list[tuple[float, float]], y: list[tuple[float, float]]) -> bool:
    return any(a0 < b1 and b0 < a1 for a0, a1 in x for b0, b1 in y)


def test_relationships_wait_for_the_nodes_they_need() -> None:
    rec = Recorder()
    w = Writers(rec, 2)
    w.add("rel person-household", rows(10), needs={"Person", "Household"})
    w.add("person", rows(3 * PART), label="Person")
    w.written("Person")
    time.sleep(0.1)  # Household not announced yet: the relationship part must still wait
    assert not rec.of("rel person-household")
    w.add("household", rows(10), label="Household")
    w.written("Household")
    w.close()
    last_node = max(b for c, _, b, _ in rec.spans if c in ("person", "household"))
    ((start, _),) = rec.of("rel person-household")
    assert start >= last_node
    assert sum(n for c, _, _, n in rec.spans if c == "person") == 3 * PART  # every row, in parts
    assert len(rec.of("person")) == 3


def test_parts_holding_a_label_never_overlap_and_others_do() -> None:
    rec = Recorder(pause=0.05)
    w = Writers(rec, 2)
    w.add("under program", rows(2 * PART), holds={"Program"})
    w.add("in program", rows(2 * PART), holds={"Program"})
    w.close()
    assert not overlap(rec.of("under program"), rec.of("in program"))
    spans = sorted(rec.of("under program"))
    assert not overlap(spans[:1], spans[1:])  # nor two parts of one statement holding it

    rec = Recorder(pause=0.05)
    w = Writers(rec, 2)
    w.add("phone", rows(2 * PART), needs={"Person"})
    w.add("address", rows(2 * PART), needs={"Person"})
    w.close()  # closing announces every label: nothing left to wait for
    spans = rec.of("phone") + rec.of("address")
    assert len(spans) == 4
    assert any(overlap([x], [y]) for i, x in enumerate(spans) for y in spans[i + 1 :])


def test_first_error_stops_the_rest_and_is_raised() -> None:
    rec = Recorder(fail_on="bad")
    w = Writers(rec, 1)
    w.add("bad", rows(1))
    w.add("after", rows(1))
    with pytest.raises(RuntimeError, match="bad failed"):
        w.close()
    assert not rec.of("after")
    with pytest.raises(RuntimeError, match="bad failed"):
        w.add("later", rows(1))  # the adder learns of it at its next frame


def test_close_with_the_adders_error_drops_what_is_queued() -> None:
    rec = Recorder(pause=0.05)
    w = Writers(rec, 1)
    for i in range(5):
        w.add(f"s{i}", rows(1))
    w.close(KeyboardInterrupt())  # no exception of its own: the adder raises its error
    assert len(rec.spans) < 5


def test_parts_added_while_others_run_are_taken() -> None:
    rec = Recorder()
    w = Writers(rec, 2)
    w.add("first", rows(1), label="A")
    time.sleep(0.1)
    w.add("second", rows(1), needs={"A"})
    w.written("A")
    w.close()
    assert rec.of("first") and rec.of("second")


def test_retry_warnings_are_counted_not_shown(caplog: pytest.LogCaptureFixture) -> None:
    def write(cypher: str, frame: pd.DataFrame) -> None:
        logging.getLogger("neo4j.session").warning(
            "Transaction failed and will be retried in %ss (%s)", 1, "x"
        )

    w = Writers(write, 1)
    with caplog.at_level(logging.WARNING, logger="neo4j.session"):
        w.add("s", rows(1))
        w.close()
        assert w.retries == 1
        assert "will be retried" not in caplog.text
        logging.getLogger("neo4j.session").warning("Transaction failed and will be retried in 1s")
    assert "will be retried" in caplog.text  # the filter is gone with the load
