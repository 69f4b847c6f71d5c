"""CSV files in the header format of ``neo4j-admin database import full``, with a README holding the
command line: one node file per label (``nodes_Person.csv`` …: ``:ID`` = the export key, then the
properties typed from the model — ``amount:double``, ``birth_date:date``, ``registered:boolean`` —, the
view's ``findings:string[]`` / ``checks:string[]`` / ``severity:long``, and ``:LABEL``) and one
relationship file per type (``rels_SPOUSE_OF.csv`` …: ``:START_ID``, ``:END_ID``, ``:TYPE``, properties,
``findings:string[]``).  Arrays use ``;``, the importer's default.  Empty values import as absent properties.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from graphaudit.export.atomic import atomic_text, atomic_write
from graphaudit.export.cells import csv_row
from graphaudit.export.view import View, prop_type
from graphaudit.model import MODEL

__all__ = ["write", "SUFFIX", "header_type", "command"]

SUFFIX = ""
_TYPES = {
    "string": "",
    "date": ":date",
    "double": ":double",
    "int64": ":long",
    "bool": ":boolean",
    "string[]": ":string[]",
}


def header_type(kind: str) -> str:
    """The importer's type suffix for a model type."""
    return _TYPES[kind]


def _cell(v: Any) -> Any:
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else v


def command(files: list[Path], database: str = "neo4j") -> str:
    """The ``neo4j-admin database import full`` command line for the written files."""
    parts = ["neo4j-admin database import full"]
    parts += [f"--nodes={f.name}" for f in files if f.name.startswith("nodes_")]
    parts += [f"--relationships={f.name}" for f in files if f.name.startswith("rels_")]
    parts += ["--multiline-fields=true", "--overwrite-destination=true", database]
    return " \\\n    ".join(parts)


def write(view: View, out: Path) -> list[Path]:
    """Write the bundle into the folder ``out`` (created); the files written, README last."""
    out.mkdir(parents=True, exist_ok=True)
    g, files = view.graph, []
    for label, spec in MODEL.nodes.items():
        rows = [(k, d) for k, d in g.nodes(data=True) if d["label"] == label]
        if not rows:
            continue
        props = [*spec.properties, "label_zh", "caption", "findings", "checks", "severity"]
        head = [":ID", *[p + header_type(prop_type(label, p)) for p in props], ":LABEL"]
        files.append(
            _write(
                out / f"nodes_{label}.csv",
                head,
                ([k, *[_cell(d.get(p)) for p in props], label] for k, d in rows),
            )
        )
    for rtype, rspec in MODEL.rels.items():
        rows3 = [(u, v, d) for u, v, d in g.edges(data=True) if d["type"] == rtype]
        if not rows3:
            continue
        props = [*rspec.properties, "type_zh", "findings"]
        head = [
            ":START_ID",
            ":END_ID",
            ":TYPE",
            *[p + header_type(prop_type(rtype, p, edge=True)) for p in props],
        ]
        files.append(
            _write(
                out / f"rels_{rtype}.csv",
                head,
                ([u, v, rtype, *[_cell(d.get(p)) for p in props]] for u, v, d in rows3),
            )
        )
    readme = out / "README.md"
    atomic_text(
        readme,
        _README.format(
            nodes=g.number_of_nodes(),
            rels=g.number_of_edges(),
            cmd=command(files),
            masked="masked" if not view.show_ids else "NOT masked (--show-ids)",
        ),
    )
    return [*files, readme]


def _write(path: Path, head: list[str], rows: Any) -> Path:
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(csv_row(r) for r in rows)
    return path


_README = """# graphaudit export for Neo4j

{nodes} nodes and {rels} relationships in the header format of `neo4j-admin database import full`
(one file per label and per relationship type). Resident IDs, bank accounts and phone numbers are {masked}.

Stop the Neo4j server, then, from this folder (with `neo4j-admin` of Neo4j 5 on the PATH):

```
{cmd}
```

Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
return, and not a plain number) is written with a leading `'`, so that opening these files in Excel or WPS
runs nothing; such values keep that `'` in Neo4j.

Start the server again and open the database (`neo4j` above; give another name to import into a new
database, then `CREATE DATABASE name` in Neo4j Enterprise). Each node keeps its graphaudit label and
properties; `findings` lists the ids of the findings that flagged it (see the findings export), `severity`
is the highest of their severities.
"""
