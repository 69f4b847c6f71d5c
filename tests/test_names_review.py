"""The name review queue (graphaudit.ingest.review, ``graphaudit names review``): items from a load, decisions
kept in the state and applied by the next load, asked again when the record changes, all in the audit log."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from typer.testing import CliRunner

from graphaudit.cli import app
from graphaudit.ingest.pipeline import prepare
from graphaudit.ingest.review import NameReviews
from graphaudit.state import State
from tests.test_matching import C, county  # noqa: F401  (the fixture)


def paid(graph: object) -> dict[str, dict[str, object]]:
    df = graph.rels[("PAID_TO", "Payment", "Person")]  # type: ignore[attr-defined]
    return {r["from"]: r for r in df.to_dict("records")}


def test_decision_applies_on_the_next_load_until_the_record_changes(county: Path, tmp_path: Path) -> None:  # noqa: F811
    reviews = NameReviews(State(tmp_path / "state"))
    _, graph, rep = prepare({}, county, decisions=reviews.decisions())
    assert paid(graph)["P7"]["matched_by"] == "ambiguous"
    assert rep.names is not None and reviews.save_queue(rep.names.pending) == 1
    (item,) = reviews.items()
    assert (item["name"], item["reason"], [c["key"] for c in item["candidates"]]) == (
        "刘玮",
        "soundalike",
        [C],
    )
    assert item["rows"] == [["subsidies", "subsidies_2024-01.csv", 8]]

    assert reviews.decide(item["item_id"], "是同一人", "张三") == [C]
    assert reviews.items() == [] and len(reviews.items(open_only=False)) == 1
    _, graph, rep = prepare({}, county, decisions=reviews.decisions())
    p7 = paid(graph)["P7"]
    assert (p7["to"], p7["matched_by"], p7["match_score"]) == (C, "review", 1.0)
    assert rep.names is not None and not rep.names.pending
    with reviews.state.connect() as c:
        log = c.execute("SELECT who, action, params FROM audit_log").fetchall()
    assert [(r["who"], r["action"]) for r in log] == [("张三", "names.review")] and "刘玮" in log[0]["params"]

    # the candidate's record changes (another birth date): the decision no longer counts, asked again
    changed = tmp_path / "changed"
    shutil.copytree(county, changed)
    rows = list(csv.DictReader((changed / "households.csv").open(encoding="utf-8")))
    for r in rows:
        if r["公民身份号码"] == C:
            r["出生日期"] = "1971-02-03"
    with (changed / "households.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[*rows[0], "出生日期"], restval="")
        w.writeheader()
        w.writerows(rows)
    _, graph, rep = prepare({}, changed, decisions=reviews.decisions())
    assert paid(graph)["P7"]["matched_by"] == "ambiguous" and rep.names is not None
    reviews.save_queue(rep.names.pending)
    assert len(reviews.items()) == 1


def test_cli_lists_and_decides_in_bulk(county: Path, tmp_path: Path) -> None:  # noqa: F811
    state = tmp_path / "state"
    db = tmp_path / "g.db"
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(county), "--db", str(db), "--state", str(state), "--json"])
    assert res.exit_code == 0, res.output
    assert '"names_pending_review": 1' in res.output
    res = runner.invoke(app, ["names", "review", "list", "--state", str(state), "--json"])
    assert res.exit_code == 0, res.output
    (item,) = NameReviews(State(state)).items()
    assert item["item_id"] in res.output
    bad = runner.invoke(
        app, ["names", "review", "decide", item["item_id"], "--verdict", "也许", "--state", str(state)]
    )
    assert bad.exit_code != 0
    decisions = tmp_path / "d.csv"
    decisions.write_text(f"item_id,verdict,candidate\n{item['item_id']},不是,\n", encoding="utf-8")
    res = runner.invoke(
        app, ["names", "review", "decide", "--file", str(decisions), "--by", "李四", "--state", str(state)]
    )
    assert res.exit_code == 0, res.output
    assert "剩余待核对 0 项" in res.output
    # 不是: on the next load the sound-alike is no candidate any more — the name is unmatched, not linked
    res = runner.invoke(app, ["ingest", str(county), "--db", str(db), "--state", str(state), "--json"])
    assert res.exit_code == 0 and '"names_pending_review": 0' in res.output
