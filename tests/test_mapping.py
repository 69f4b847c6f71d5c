"""The graph mapping as data: every source's declaration is checked eagerly, the model is fully mapped, and
build_graph interprets the declarations (a new register is one declaration)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from graphaudit.ingest.build import build_graph
from graphaudit.ingest.labels import LABELS
from graphaudit.ingest.mapping import (
    Col,
    Const,
    IdIssue,
    LabelRules,
    Link,
    MappingError,
    Node,
    Prefer,
    Rel,
    SourceGraph,
    check_label_rules,
    check_registry,
    same,
)
from graphaudit.ingest.pipeline import _next_tables
from graphaudit.ingest.source import Column, SourceSpec
from graphaudit.ingest.sources import SOURCES
from graphaudit.model import MODEL

TINY = Path(__file__).parent / "fixtures" / "tiny"

COLUMNS = (
    Column("record_id", "ident", required=True),
    Column("person_id", "pid", required=True),
    Column("name", "name"),
    Column("org_code", "code"),
    Column("party_id", "party"),
    Column("phone", "text"),
    Column("since", "date"),
)


def spec(graph: SourceGraph, name: str = "register") -> SourceSpec:
    return SourceSpec(name=name, zh="登记", key=("record_id",), columns=COLUMNS, graph=graph)


def test_every_source_declares_a_graph_that_checks() -> None:
    for name, s in SOURCES.items():
        assert s.graph.nodes, name
        check_registry({n: x.graph for n, x in SOURCES.items()}, LABELS)


def test_every_label_and_relationship_of_the_model_is_mapped() -> None:
    """A model.yaml entry that no declaration makes fails here (and a declaration outside the model fails at
    import)."""
    labels: set[str] = set()
    pairs: set[tuple[str, str, str]] = set()
    for s in SOURCES.values():
        for node in s.graph.nodes.values():
            labels |= set(node.labels)
        for rel in s.graph.rels:
            pairs |= set(s.graph.rel_keys(rel))
        for d in s.graph.derive:
            pairs |= set(d.emits)
    for label, rules in LABELS.items():
        pairs |= {(link.type, label, link.to) for link in rules.links}
    assert labels == set(MODEL.nodes)
    assert pairs == {(t, a, b) for t, r in MODEL.rels.items() for a, b in r.pairs}


@pytest.mark.parametrize(
    ("graph", "message"),
    [
        (SourceGraph(nodes={"p": Node("Persn", "person_id")}), "node 'p': unknown label 'Persn'"),
        (
            SourceGraph(nodes={"p": Node("Person", "person_idd")}),
            "node 'p': the key names unknown column 'person_idd'",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "person_id", {"nam": "name"})}),
            "node 'p': Person has no property 'nam'",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "person_id", {"name": "nme"})}),
            "property 'name' names unknown column 'nme'",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "person_id", {"id": "name"})}),
            "Person has no property 'id' to map",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", Col("phone", "fax"))}),
            "column 'phone' has unknown normaliser 'fax'",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "person_id", {"id_issue": IdIssue("name")})}),
            "IdIssue('name') needs an ID column",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "party_id", {"gender": "name"}, otherwise="Company")}),
            "node 'p': Company has no property 'gender'",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "person_id")}, rels=(Rel("HOLDZ", "p", "p"),)),
            "relationship HOLDZ p->p: unknown relationship type 'HOLDZ'",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "person_id")}, rels=(Rel("HOLDS", "p", "o"),)),
            "relationship HOLDS p->o: no node named 'o'",
        ),
        (
            SourceGraph(nodes={"p": Node("Person", "person_id")}, rels=(Rel("HOLDS", "p", "p"),)),
            "model.yaml has no HOLDS from Person to Person",
        ),
        (
            SourceGraph(
                nodes={"p": Node("Person", "person_id"), "o": Node("Org", "org_code")},
                rels=(Rel("HOLDS", "p", "o", {"titel": "name"}),),
            ),
            "HOLDS has no property 'titel'",
        ),
        (
            SourceGraph(
                nodes={"p": Node("Person", "person_id"), "o": Node("Org", "org_code")},
                rels=(Rel("HOLDS", "p", "o", {"start_date": "sincee"}),),
            ),
            "property 'start_date' names unknown column 'sincee'",
        ),
        (
            SourceGraph(
                nodes={"p": Node("Person", "party_id", otherwise="Company"), "o": Node("Org", "org_code")},
                rels=(Rel("HOLDS", "p", "o"),),
            ),
            "model.yaml has no HOLDS from Company to Org",
        ),
    ],
)
def test_a_mapping_naming_what_does_not_exist_fails_when_declared(graph: SourceGraph, message: str) -> None:
    with pytest.raises(MappingError, match=re.escape(message)) as e:
        spec(graph)
    assert str(e.value).startswith("source register, ")


def test_table_columns_include_what_the_adapter_and_post_add() -> None:
    s = spec(SourceGraph(nodes={"p": Node("Person", "person_id", {"id_issue": IdIssue("person_id")})}))
    assert {"person_id_issue", "party_id_issue", "extra", "_file", "_row"} <= set(s.table_columns)
    assert "phone_issue" not in s.table_columns
    assert {"role", "person_key"} <= set(SOURCES["households"].table_columns)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"Persn": LabelRules()}, "label rules for Persn: unknown label"),
        ({"Person": LabelRules(prefer=(Prefer("nam"),))}, "prefer names unknown property 'nam'"),
        ({"Person": LabelRules(fill=("dead",))}, "fill names unknown property 'dead'"),
        ({"Person": LabelRules(order=("households", "payments"))}, "order names unknown source 'payments'"),
        ({"Person": LabelRules(order=("subsidies.payee",))}, "order names unknown node 'subsidies.payee'"),
        (
            {"Person": LabelRules(order=("subsidies.program",))},
            "order names 'subsidies.program', which is no Person",
        ),
        (
            {"Household": LabelRules(links=(Link("LOCATED_IN", "Org", prop="village"),))},
            "unknown property 'village'",
        ),
        (
            {"Household": LabelRules(links=(Link("LOCATED_IN", "Person", prop="village_code"),))},
            "no LOCATED_IN from Household to Person",
        ),
        ({"Household": LabelRules(links=(Link("LOCATED_IN", "Org"),))}, "give exactly one of prop and key"),
        (
            {"Person": LabelRules(links=(Link("MEMBER_OF", "Household", prop="household_id"),))},
            "cannot fill the properties of MEMBER_OF",
        ),
    ],
)
def test_label_rules_naming_what_does_not_exist_fail(rules: dict[str, LabelRules], message: str) -> None:
    with pytest.raises(MappingError, match=re.escape(message)):
        check_label_rules(rules, {n: s.graph for n, s in SOURCES.items()})


def test_a_derivation_reading_an_unknown_source_fails() -> None:
    kin = SOURCES["households"].graph.derive[0]
    graphs = {n: s.graph for n, s in SOURCES.items()}
    graphs["households"] = dataclasses.replace(
        graphs["households"], derive=(dataclasses.replace(kin, reads=("households", "relatives")),)
    )
    with pytest.raises(
        MappingError, match=re.escape("derivation 'kinship': reads unknown sources ['relatives']")
    ):
        check_registry(graphs, LABELS)


@pytest.fixture(scope="module")
def tiny() -> dict[str, pd.DataFrame]:
    return _next_tables({}, TINY, None)[0]


def test_the_built_graph_is_valid_and_every_declared_frame_is_there(tiny: dict[str, pd.DataFrame]) -> None:
    g, _ = build_graph(tiny)
    g.validate()
    assert list(g.nodes) == list(MODEL.nodes)
    assert set(g.rels) == {(t, a, b) for t, r in MODEL.rels.items() for a, b in r.pairs}


def test_without_any_rows_every_frame_is_there_and_empty() -> None:
    g, issues = build_graph({})
    g.validate()
    assert issues == [] and set(g.rels) == {(t, a, b) for t, r in MODEL.rels.items() for a, b in r.pairs}
    assert all(len(df) == 0 for df in [*g.nodes.values(), *g.rels.values()])
    assert all(list(df.columns) == list(MODEL.nodes[k].properties) for k, df in g.nodes.items())


def test_a_party_is_a_person_or_a_company_by_the_shape_of_its_id(tiny: dict[str, pd.DataFrame]) -> None:
    g, _ = build_graph(tiny)
    sha = tiny["shareholders"]
    people = set(g.rels[("SHAREHOLDER_OF", "Person", "Company")]["from"])
    companies = set(g.rels[("SHAREHOLDER_OF", "Company", "Company")]["from"])
    assert people and not people & companies
    assert people | companies == set(sha["holder_id"])
    assert all(len(k) == 18 and k[:17].isdigit() for k in people)
    assert companies <= set(g.nodes["Company"]["id"])


def test_a_name_from_the_register_wins_then_the_first_source_in_order(tiny: dict[str, pd.DataFrame]) -> None:
    registered = tiny["households"].iloc[0]
    outsider = "110101199003070011"
    cad = tiny["cadres"].iloc[:1]
    cad = pd.concat(
        [
            cad.assign(person_id=outsider, name="王外"),
            cad.assign(person_id=registered["person_key"], name="别名"),
        ],
        ignore_index=True,
    )
    rel = tiny["relations"].iloc[:1].assign(person_id_b=outsider, name_b="另一个名字")
    g, _ = build_graph({**tiny, "cadres": cad, "relations": rel})
    people = g.nodes["Person"].set_index("id")
    assert people.at[registered["person_key"], "name"] == registered["name"] != "别名"
    assert people.at[outsider, "name"] == "王外"
    assert people.at[outsider, "registered"] is False and people.at[outsider, "gender"] == "男"
    g, _ = build_graph({**tiny, "cadres": cad.iloc[1:], "relations": rel})
    assert g.nodes["Person"].set_index("id").at[outsider, "name"] == "另一个名字"


def test_a_household_is_located_where_its_node_says(tiny: dict[str, pd.DataFrame]) -> None:
    """LOCATED_IN follows the Household node (one per household), even when members' village codes differ."""
    hh = tiny["households"].copy()
    first = hh["household_id"].iloc[0]
    other = hh["village_code"].iloc[0][:9] + "999"
    hh.loc[hh.index[hh["household_id"] == first][-1], "village_code"] = other
    g, _ = build_graph({**tiny, "households": hh})
    located = g.rels[("LOCATED_IN", "Household", "Org")]
    node = g.nodes["Household"].set_index("id")
    assert located["from"].is_unique and len(located) == len(node)
    assert dict(zip(located["from"], located["to"])) == node["village_code"].to_dict()


def test_an_org_only_a_cadre_names_without_an_org_name_is_a_node(tiny: dict[str, pd.DataFrame]) -> None:
    cad = tiny["cadres"].iloc[:1].assign(org_code="140107999999", org_name="")
    g, _ = build_graph({**tiny, "cadres": cad})
    g.validate()
    orgs = g.nodes["Org"].set_index("id")
    assert orgs.at["140107999999", "name"] == "140107999999" and orgs.at["140107999", "level"] == "township"
    assert ("140107999999", "140107999") in set(
        zip(*g.rels[("PART_OF", "Org", "Org")][["from", "to"]].T.values)
    )


def test_a_new_register_is_one_declaration(
    tiny: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A register of public employees, declared once: its people join the graph and its posts join HOLDS."""
    employees = spec(
        SourceGraph(
            nodes={
                "employee": Node("Person", "person_id", same("name")),
                "org": Node("Org", "org_code"),
                "phone": Node("Phone", Col("phone", "phone")),
            },
            rels=(
                Rel("HOLDS", "employee", "org", {"start_date": "since", "title": Const("在编人员")}),
                Rel("HAS_PHONE", "employee", "phone"),
            ),
        ),
        name="public_employees",
    )
    monkeypatch.setitem(SOURCES, "public_employees", employees)
    pid, org = "110101199003070011", tiny["cadres"]["org_code"].iloc[0]
    table = pd.DataFrame(
        {
            "record_id": ["E1"],
            "person_id": [pid],
            "person_id_issue": [""],
            "name": ["新员工"],
            "org_code": [org],
            "party_id": [""],
            "party_id_issue": [""],
            "phone": ["+86 139-0000-0001"],
            "since": [pd.Timestamp("2020-01-01").date()],
            "extra": [""],
            "_file": ["public_employees.csv"],
            "_row": [2],
        }
    )
    g, _ = build_graph({**tiny, "public_employees": table})
    g.validate()
    person = g.nodes["Person"].set_index("id").loc[pid]
    assert person["name"] == "新员工" and person["registered"] is False and person["gender"] == "男"
    holds = g.rels[("HOLDS", "Person", "Org")]
    assert len(holds) == len(tiny["cadres"]) + 1
    assert holds[holds["from"] == pid][["to", "title"]].values.tolist() == [[org, "在编人员"]]
    assert "13900000001" in set(g.nodes["Phone"]["id"])
    assert (pid, "13900000001") in set(
        zip(*g.rels[("HAS_PHONE", "Person", "Phone")][["from", "to"]].T.values)
    )


def test_a_death_register_is_one_declaration_and_dates_the_living(
    tiny: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A death register's date fills a registered person whose register row has none (Person's ``fill``); it
    does not replace a date the register gives."""
    deaths = spec(
        SourceGraph(nodes={"dead": Node("Person", "person_id", {"name": "name", "death_date": "since"})}),
        name="deaths",
    )
    monkeypatch.setitem(SOURCES, "deaths", deaths)
    hh = tiny["households"]
    living = hh.iloc[:-1].loc[lambda d: d["death_date"].isna() & d["person_id"].ne(""), "person_key"].iloc[0]
    dated = tiny["households"].assign(death_date=lambda d: d["death_date"].astype(object))
    dated.loc[dated["person_key"] == hh["person_key"].iloc[-1], "death_date"] = pd.Timestamp(
        "2019-05-05"
    ).date()
    dead_in_register = hh["person_key"].iloc[-1]
    outsider = "110101199003070011"
    table = pd.DataFrame(
        {
            "record_id": ["D1", "D2", "D3"],
            "person_id": [living, dead_in_register, outsider],
            "person_id_issue": ["", "", ""],
            "name": ["别名", "别名", "死者"],
            "since": [pd.Timestamp(d).date() for d in ("2023-03-01", "2023-04-01", "2022-01-01")],
        }
    )
    g, _ = build_graph({**tiny, "households": dated, "deaths": table})
    g.validate()
    people = g.nodes["Person"].set_index("id")
    assert people.at[living, "death_date"] == pd.Timestamp("2023-03-01").date()
    registered_name = str(hh.set_index("person_key").at[living, "name"])
    assert people.at[living, "name"] == registered_name
    assert people.at[dead_in_register, "death_date"] == pd.Timestamp("2019-05-05").date()
    assert people.at[outsider, "death_date"] == pd.Timestamp("2022-01-01").date()
    assert people.at[outsider, "registered"] is False
    others = people.drop(index=[living, dead_in_register, outsider])
    assert others["death_date"].isna().all() or set(others["death_date"].dropna()) <= set(
        hh["death_date"].dropna()
    )
