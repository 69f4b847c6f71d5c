"""Issue 20: the embedded store checks the graph it wrote against what the load handed to it (rows per frame,
numeric/date/yes-no values by an order-independent fingerprint of (key, value) pairs) and refuses a load whose
graph differs — the store stays as it was (graphaudit.store.verify)."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path
from typing import Any

import ladybug
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from graphaudit.ingest.pipeline import ingest
from graphaudit.model import MODEL
from graphaudit.store import embedded, verify
from graphaudit.store import fingerprint as fp
from graphaudit.store.embedded import LadybugStore
from graphaudit.store.fingerprint import fingerprint
from graphaudit.store.verify import Expected, GraphMismatch

TINY = Path(__file__).parent / "fixtures" / "tiny"
SMALL_DB = 1 << 30


def _amounts(store: LadybugStore) -> dict[str, float]:
    got = store.run_columns("MATCH (p:Payment) RETURN p.id AS id, p.amount AS amount")
    return dict(zip(got["id"], got["amount"]))


def _tamper(monkeypatch: pytest.MonkeyPatch, label: Any, change: Any) -> None:
    """COPY gets ``label``'s rows changed by ``change`` (an Arrow table → table), as a bug between the frame
    and the database would; the check still has the frame as it was handed over."""
    copy = embedded._copy_rows

    def tampered(conn: Any, serial: Any, kind: str, key: Any, table: pa.Table) -> None:
        copy(conn, serial, kind, key, change(table) if key == label else table)

    monkeypatch.setattr(embedded, "_copy_rows", tampered)


def _set_column(table: pa.Table, name: str, values: list[Any]) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(i, table.schema.field(i), pa.array(values, table.schema.field(i).type))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the tiny dataset loaded once (copied by each test that loads again)."""
    path = tmp_path_factory.mktemp("verify") / "g.db"
    store = LadybugStore(path, max_db_size=SMALL_DB)
    report = ingest(TINY, store)
    store.close()
    assert report.verified is not None
    return path


def _copy(loaded: Path, tmp_path: Path, **kw: Any) -> LadybugStore:
    shutil.copytree(loaded, tmp_path / "g.db")
    return LadybugStore(tmp_path / "g.db", max_db_size=SMALL_DB, **kw)


def test_a_load_is_checked(loaded: Path, tmp_path: Path) -> None:
    store = _copy(loaded, tmp_path, edit_in_place=False)
    report = ingest(TINY, store)
    v = report.verified
    assert v is not None and report.as_dict()["verified"] == v
    stats = store.stats()
    assert v["rows"] == sum(stats.values()) > 0
    want_props = sum(
        len(fp.checked_properties("node", label))
        for label in MODEL.nodes
        if stats[label]  # a frame with rows and checked properties has them compared
    )
    assert v["properties"] >= want_props > 0
    assert (tmp_path / "g.db" / "gen-000002" / "digest" / verify.VERIFY).exists()
    store.close()


@pytest.mark.parametrize("edit_in_place", [False, True])
def test_an_amount_changed_on_its_way_to_the_graph_fails_the_load(
    loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit_in_place: bool
) -> None:
    store = _copy(loaded, tmp_path, edit_in_place=edit_in_place)
    before = _amounts(store)
    assert before and all(v for v in before.values())
    # the whole graph is COPYed again when not edited in place; edited, only the new rows are COPYed: the
    # edited load brings one payment more (its amount is the one changed on the way)
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    if edit_in_place:
        sub = data / "subsidies_2024-01.csv"
        lines = sub.read_bytes().decode("gbk").splitlines()
        new = next(line for line in lines if line.startswith("FF-0002,")).replace("FF-0002,", "FF-0099,")
        sub.write_bytes("\n".join([*lines, new.replace("600元", "650元")]).encode("gbk") + b"\n")

    def zero(table: pa.Table) -> pa.Table:
        amounts = table.column("amount").to_pylist()
        amounts[0] = 0.0
        return _set_column(table, "amount", amounts)

    _tamper(monkeypatch, "Payment", zero)
    with pytest.raises(GraphMismatch) as e:
        ingest(data, store)
    msg = str(e.value)
    assert msg.startswith("图数据与交给写入的数据不一致，本次载入未生效") and "\n" not in msg
    assert "Payment.amount 至少 1 行不同" in msg and "Payment.amount: at least 1 of" in msg
    assert (store.path / "CURRENT").read_text() == "gen-000001"  # the store as it was
    assert not list(store.path.glob("gen-000002*")) and not list(store.path.glob(".gen-*"))
    assert _amounts(store) == before
    store.close()


def test_a_value_moved_to_another_row_fails_the_load(
    loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two payments' dates swapped: every sum over the column is the same, the (key, value) pairs are not."""
    store = _copy(loaded, tmp_path, edit_in_place=False)

    def swap(table: pa.Table) -> pa.Table:
        dates = table.column("pay_date").to_pylist()
        first = next(i for i, d in enumerate(dates) if d != dates[0])
        dates[0], dates[first] = dates[first], dates[0]
        return _set_column(table, "pay_date", dates)

    _tamper(monkeypatch, "Payment", swap)
    with pytest.raises(GraphMismatch, match=r"Payment\.pay_date 至少 2 行不同"):
        ingest(TINY, store)
    assert (store.path / "CURRENT").read_text() == "gen-000001"
    store.close()


def test_a_relationship_lost_fails_the_load(
    loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _copy(loaded, tmp_path, edit_in_place=False)
    n = store.stats()["PAID_TO"]
    _tamper(monkeypatch, ("PAID_TO", "Payment", "Person"), lambda t: t.slice(1))
    with pytest.raises(GraphMismatch, match=rf"PAID_TO\(Payment→Person\) 图中 {n - 1} 行，应为 {n} 行"):
        ingest(TINY, store)
    assert store.stats()["PAID_TO"] == n
    store.close()


def test_an_edited_load_checks_the_frames_it_kept(
    loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monthly load keeps the frames no changed source feeds (Reused): the new generation's copy of them
    is checked against the fingerprint the live generation stored."""
    store = _copy(loaded, tmp_path)
    data = tmp_path / "month"
    data.mkdir()
    shutil.copy(TINY / "subsidies_2024-01.csv", data)
    sub = data / "subsidies_2024-01.csv"
    sub.write_bytes(sub.read_bytes().decode("gbk").replace("600元", "700元").encode("gbk"))
    kept = "HOLDS"  # cadres' posts: not fed by the subsidies
    check = Expected.check

    def damaged(self: Expected, database: Path, *args: Any, **kw: Any) -> Any:
        assert self.frames[f"{kept}(Person→Org)"].stored is not None  # kept, with the live fingerprint
        db = ladybug.Database(str(database), max_db_size=SMALL_DB)
        conn = ladybug.Connection(db)
        conn.execute(f"MATCH ()-[r:{kept}]->() WITH r LIMIT 1 SET r.start_date = date('1999-09-09')")
        conn.close()
        db.close()
        return check(self, database, *args, **kw)

    monkeypatch.setattr(Expected, "check", damaged)
    with pytest.raises(GraphMismatch, match=rf"{kept}\(Person→Org\)\.start_date"):
        ingest(data, store)
    assert (store.path / "CURRENT").read_text() == "gen-000001"
    monkeypatch.setattr(Expected, "check", check)
    report = ingest(data, store)  # undamaged, the same load passes
    assert report.verified is not None and (store.path / "CURRENT").read_text() == "gen-000002"
    assert sorted(_amounts(store).values()) != sorted(_amounts(LadybugStore(loaded)).values())
    store.close()


# -- the fingerprint itself ---------------------------------------------------------------------------------


def _payments(n: int = 1000, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = [f"FF1411822024{m:02d}{i:06d}" for i, m in zip(range(n), rng.integers(1, 13, n))]
    amounts = rng.integers(0, 2_000_000, n) / 100
    dates = [datetime.date(2024, 1, 1) + datetime.timedelta(days=int(d)) for d in rng.integers(0, 366, n)]
    fields = {p: embedded.ARROW[t] for p, t in MODEL.nodes["Payment"].properties.items()}
    cols: dict[str, Any] = {p: pa.nulls(n, t) for p, t in fields.items()}
    cols.update(id=pa.array(ids), amount=pa.array(amounts), pay_date=pa.array(dates, pa.date32()))
    return pa.table(cols, schema=pa.schema(list(fields.items())))


def _same(a: fp.Print, b: fp.Print) -> bool:
    return a.rows == b.rows and not fp.differing(a, b)


def test_the_fingerprint_does_not_depend_on_row_order_or_batches() -> None:
    t = _payments()
    shuffled = t.take(pa.array(np.random.default_rng(1).permutation(len(t))))
    batched = pa.Table.from_batches(shuffled.to_batches(max_chunksize=77))
    a, b, c = (fingerprint("node", "Payment", x) for x in (t, shuffled, batched))
    assert _same(a, b) and _same(a, c) and a.totals() == c.totals()


@pytest.mark.parametrize(
    "change",
    [
        lambda v: [0.0, *v[1:]],  # one amount 0.0
        lambda v: [None, *v[1:]],  # one amount gone
        lambda v: [v[1], v[0], *v[2:]],  # two amounts swapped
        lambda v: [v[0] + 0.01, *v[1:]],  # a cent
    ],
)
def test_the_fingerprint_sees_one_value_changed(change: Any) -> None:
    t = _payments()
    amounts = t.column("amount").to_pylist()
    bad = _set_column(t, "amount", change(amounts))
    a, b = fingerprint("node", "Payment", t), fingerprint("node", "Payment", bad)
    assert [p for p, _ in fp.differing(a, b)] == ["amount"]
    assert _same(
        fingerprint("node", "Payment", t, keys=np.array(["x"])),
        fingerprint("node", "Payment", bad, keys=np.array(["x"])),
    )


def test_the_fingerprint_counts_rows_per_bucket() -> None:
    """k rows changed in different buckets: at least k rows reported (a bucket holds 1/256 of the keys)."""
    t = _payments(5000)
    amounts = t.column("amount").to_pylist()
    for i in range(0, 50, 10):
        amounts[i] += 1
    got = dict(
        fp.differing(
            fingerprint("node", "Payment", t),
            fingerprint("node", "Payment", _set_column(t, "amount", amounts)),
        )
    )
    assert 4 <= got["amount"] <= 5
    # zero and minus zero are one amount; a text key hashes the same chunked or not, sliced or not
    z = _set_column(t, "amount", [0.0] * len(t))
    mz = _set_column(t, "amount", [-0.0] * len(t))
    assert _same(fingerprint("node", "Payment", z), fingerprint("node", "Payment", mz))
    keys = pc.cast(t.column("id"), pa.string())
    assert (fp.text_hashes(keys.slice(10)) == fp.text_hashes(keys)[10:]).all()


def test_text_hashes_tell_every_one_byte_change_apart() -> None:
    """The digest's 128-bit row hash (two lanes over Arrow's buffers): each string of every length from 0 to
    40 bytes, and each of those with one byte changed at each place, or one byte more or less, hashes
    differently in each lane; the first lane is the fingerprint's key hash; a null hashes as ""; slices
    and chunks hash as the whole."""
    base = ["".join(chr(97 + (i * 7 + j) % 26) for j in range(n)) for n, i in zip(range(41), range(41))]
    variants = set(base)
    for s in base:
        for at in range(len(s)):
            variants.add(s[:at] + "Z" + s[at + 1 :])
            variants.add(s[:at] + s[at + 1 :])
        variants |= {s + "\x00", s + "王", "王" + s}
    values = sorted(variants)
    arr = pa.array(values, pa.string())
    both = fp.text_hashes128(arr)
    assert both.shape == (len(values), 2)
    for lane in (0, 1):
        assert len(set(both[:, lane].tolist())) == len(values)
    assert (both[:, 0] == fp.text_hashes(arr)).all()
    assert (both[:, 0] != both[:, 1]).all()
    assert (fp.text_hashes128(arr.slice(37)) == both[37:]).all()
    chunked = pa.chunked_array([arr.slice(0, 100), arr.slice(100)])
    assert (fp.text_hashes128(chunked) == both).all()
    nulls = fp.text_hashes128(pa.array([None, "", "x"], pa.string()))
    assert (nulls[0] == nulls[1]).all() and not (nulls[0] == nulls[2]).any()
    assert fp.text_hashes128(pa.array([], pa.string())).shape == (0, 2)
