"""run_checks runs checks several at a time when asked (graphaudit.checks.run_checks): the same findings as
one after another, in the order asked for, the Leiden clusters started first, and a failing check stops the
run."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from graphaudit.checks import CHECKS, CheckParamError, check_threads, run_checks
from graphaudit.ingest.pipeline import ingest
from graphaudit.store.base import GraphStore
from graphaudit.store.embedded import LadybugStore
from graphaudit.synth import generate


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    tmp = tmp_path_factory.mktemp("runchecks")
    generate(tmp / "data", "village", seed=5)
    s = LadybugStore(tmp / "g.db")
    ingest(tmp / "data", s)
    return s


def _ids(results: dict) -> dict[str, list[tuple]]:
    return {n: [(f.finding_id, f.severity, f.amount) for f in fs] for n, fs in results.items()}


def test_two_at_a_time_find_what_one_at_a_time_finds(store: GraphStore) -> None:
    names = list(CHECKS)
    serial = run_checks(store, names, threads=1)
    started: list[str] = []
    ended: list[tuple[str, float]] = []
    lock = threading.Lock()

    def on_check(n: str) -> None:
        with lock:
            started.append(n)

    def on_done(n: str, secs: float) -> None:
        with lock:
            ended.append((n, secs))

    both = run_checks(store, names, on_check=on_check, on_done=on_done, threads=2)
    assert list(both) == names  # the order asked for, whatever order they ended in
    assert _ids(both) == _ids(serial)
    assert sum(len(v) for v in serial.values()) > 0
    assert started[0] == "collusive_cluster"  # runs_long: started first
    assert sorted(started) == sorted(names)
    assert sorted(n for n, _ in ended) == sorted(names)
    assert all(s >= 0 for _, s in ended)


def test_a_failing_check_stops_the_run(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["deceased_recipient", "above_standard", "duplicate_payment", "shared_account", "split_contracts"]
    started: list[str] = []
    slow_find = CHECKS["deceased_recipient"].find

    def slow(*a: object) -> list:
        time.sleep(1.0)
        return slow_find(*a)  # type: ignore[arg-type]

    def boom(*_a: object) -> list:
        raise RuntimeError("查询失败")

    monkeypatch.setitem(
        CHECKS, "deceased_recipient", dataclasses.replace(CHECKS["deceased_recipient"], find=slow)
    )
    monkeypatch.setitem(CHECKS, "above_standard", dataclasses.replace(CHECKS["above_standard"], find=boom))
    t0 = time.perf_counter()
    with pytest.raises(RuntimeError, match="查询失败"):
        run_checks(store, names, on_check=started.append, threads=2)
    assert time.perf_counter() - t0 >= 1.0  # the check already running was let finish
    # the failure stopped the checks not yet started (the second thread may have taken one more meanwhile)
    assert started[:2] == ["deceased_recipient", "above_standard"]
    assert len(started) <= 3


def test_check_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRAPHAUDIT_CHECK_THREADS", raising=False)
    assert check_threads() == 1
    monkeypatch.setenv("GRAPHAUDIT_CHECK_THREADS", "2")
    assert check_threads() == 2
    monkeypatch.setenv("GRAPHAUDIT_CHECK_THREADS", "many")
    with pytest.raises(CheckParamError, match="GRAPHAUDIT_CHECK_THREADS"):
        check_threads()
