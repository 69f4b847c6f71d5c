"""Numbers with decimals in the embedded store: declared ``double(n)`` in model.yaml, rounded to n places by
the ingest, kept as DECIMAL(18, n) by LadybugDB and read back as the very floats that went in
(graphaudit.store.decimals)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from graphaudit.ingest.normalize import parse_amount, parse_share
from graphaudit.model import MODEL, ModelError, _types, ladybug_type
from graphaudit.store.decimals import floats, floats_in_rows, to_decimal
from graphaudit.store.embedded import LadybugStore


def test_every_double_of_the_model_declares_its_decimals_and_is_a_decimal_column() -> None:
    doubles = [(n.name, p) for n in MODEL.nodes.values() for p, t in n.properties.items() if t == "double"]
    doubles += [(r.name, p) for r in MODEL.rels.values() for p, t in r.properties.items() if t == "double"]
    assert ("Payment", "amount") in doubles and ("PAID_TO", "match_score") in doubles
    for name, p in doubles:
        spec = MODEL.nodes.get(name) or MODEL.rels[name]
        assert p in spec.decimals
    ddl = "\n".join(MODEL.ladybug_ddl())
    assert "DOUBLE" not in ddl and "amount DECIMAL(18, 2)" in ddl and "share DECIMAL(18, 6)" in ddl
    assert ladybug_type("double", 3) == "DECIMAL(18, 3)" and ladybug_type("date") == "DATE"


def test_a_double_without_decimals_is_refused_by_the_model() -> None:
    with pytest.raises(ModelError, match="declares its decimals"):
        _types("node X", {"id": "string", "amount": "double"})
    with pytest.raises(ModelError, match="unknown types"):
        _types("node X", {"id": "string", "amount": "float"})
    assert _types("node X", {"id": "string", "amount": "double(4)"}) == (
        {"id": "string", "amount": "double"},
        {"amount": 4},
    )


def test_the_ingest_keeps_money_to_the_fen_and_shares_to_six_places() -> None:
    assert parse_amount("1,234.565") == 1234.57  # 四舍五入
    assert parse_amount(1234.5600000000001) == 1234.56  # Excel's float
    assert parse_amount("¥-0.005") == -0.01
    assert parse_amount("1.23456万元") == 12345.6
    assert parse_amount("3600") == 3600.0
    assert parse_share("33.33333%") == 0.333333
    assert parse_share(0.1234565) == 0.123457


def test_to_decimal_holds_each_value_exactly_and_floats_gives_it_back() -> None:
    rng = np.random.default_rng(7)
    cents = rng.integers(-(10**13), 10**13, 50_000)
    x = np.concatenate([cents / 100, [0.0, -0.0, 0.01, 999_999_999_999.99, 14197.91]])
    arr = pa.array(x, mask=np.arange(len(x)) % 17 == 3)
    for part in (arr, arr.slice(5, 1000)):  # a slice: its own rows and nulls
        dec = to_decimal(part, 2)
        assert dec.type == pa.decimal128(18, 2) and dec.null_count == part.null_count
        # the integer inside is round(x·100): the text of each decimal is the float's shortest text
        assert [str(v) if v is not None else None for v in dec.to_pylist()[:50]] == [
            f"{v:.2f}" if v is not None else None for v in part.to_pylist()[:50]
        ]
        back = floats(pa.table({"a": dec})).column("a")
        assert back.type == pa.float64() and back.to_pylist() == [
            v + 0.0 if v is not None else None for v in part.to_pylist()
        ]


def test_a_value_with_more_places_than_declared_is_refused_not_rounded() -> None:
    with pytest.raises(ModelError, match=r"Payment\.amount.*0\.125"):
        to_decimal(pa.array([1.5, 0.125]), 2, "Payment.amount")
    with pytest.raises(ModelError, match="18 digits"):
        to_decimal(pa.array([1e17]), 2, "x")
    with pytest.raises(ModelError):  # not a number is no decimal (a null is)
        to_decimal(pa.array([1.5, float("nan")], from_pandas=False), 2, "x")
    assert to_decimal(pa.array([0.125]), 3).to_pylist() == [Decimal("0.125")]


def test_floats_turns_nested_decimals_into_floats_and_leaves_other_columns() -> None:
    d = pa.decimal128(18, 2)
    amounts = pa.array([Decimal("14197.91"), None, Decimal("0.10")], d)
    lists = pa.array([[Decimal("1.05"), None], None, []], pa.list_(d))
    structs = pa.array(
        [[{"a": Decimal("2.20"), "s": "x"}], [{"a": None, "s": "y"}], None],
        pa.list_(pa.struct([("a", d), ("s", pa.string())])),
    )
    t = pa.table({"n": [1, 2, 3], "a": amounts, "l": lists, "s": structs})
    got = floats(t)
    assert got.column("n").equals(t.column("n"))
    assert got.column("a").to_pylist() == [14197.91, None, 0.1]
    assert got.column("l").to_pylist() == [[1.05, None], None, []]
    assert got.column("s").to_pylist() == [[{"a": 2.2, "s": "x"}], [{"a": None, "s": "y"}], None]
    plain = pa.table({"n": [1]})
    assert floats(plain) is plain
    empty = floats(pa.Table.from_batches([], schema=t.schema))  # no chunk at all
    assert empty.num_rows == 0 and empty.schema.field("a").type == pa.float64()
    assert empty.schema.field("s").type == got.schema.field("s").type


def test_floats_in_rows_walks_nodes_lists_and_structs() -> None:
    path = {
        "_nodes": [{"amount": Decimal("4.10"), "_id": {"offset": 1}}],
        "_rels": [{"share": Decimal("0.5")}],
    }
    rows = [[Decimal("1.50"), {"amount": Decimal("2.25"), "id": "p"}, [{"a": Decimal("3.00")}], "x", path]]
    got = floats_in_rows(
        rows, ["DECIMAL(18, 2)", "NODE", "STRUCT(a DECIMAL(18, 2))[]", "STRING", "RECURSIVE_REL"]
    )
    want_path = {"_nodes": [{"amount": 4.1, "_id": {"offset": 1}}], "_rels": [{"share": 0.5}]}
    assert got == [[1.5, {"amount": 2.25, "id": "p"}, [{"a": 3.0}], "x", want_path]]
    floats_seen = (got[0][0], got[0][1]["amount"], got[0][2][0]["a"], got[0][4]["_nodes"][0]["amount"])
    assert all(type(v) is float for v in floats_seen + (got[0][4]["_rels"][0]["share"],))
    assert type(got[0][4]["_nodes"][0]["_id"]["offset"]) is int


def test_the_store_answers_every_query_path_with_floats(tiny: LadybugStore) -> None:
    rows = tiny.run("MATCH (p:Payment) RETURN p.amount AS a, p AS node, collect(p.amount) AS l ORDER BY a")
    assert rows and all(type(r["a"]) is float for r in rows if r["a"] is not None)
    assert all(type(r["node"]["amount"]) is float for r in rows if r["node"]["amount"] is not None)
    assert all(type(v) is float for r in rows for v in r["l"] if v is not None)
    cols = tiny.run_columns("MATCH (p:Payment) RETURN p.id AS id, p.amount AS a ORDER BY id")
    by_row = {r["id"]: r["a"] for r in tiny.run("MATCH (p:Payment) RETURN p.id AS id, p.amount AS a")}
    assert dict(zip(cols["id"], cols["a"])) == by_row
    table = tiny.run_named_table("record_payments", {"ids": list(by_row)})
    assert table.schema.field("amount").type == pa.float64()
    assert tiny.run_columns("MATCH (p:Payment) WHERE p.id = 'none' RETURN p.amount AS a") == {"a": []}
    assert tiny.run("MATCH (p:Payment) WHERE p.id = 'none' RETURN p.amount AS a") == []
