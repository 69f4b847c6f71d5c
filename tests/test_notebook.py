"""The auditor's walkthrough notebook runs from top to bottom (nbclient, a real kernel) and shows what it
says."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"


def _text(cell: nbformat.NotebookNode) -> str:
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", ""))
        data = o.get("data", {})
        out.append(data.get("text/plain", ""))
        out.append(data.get("text/html", ""))
    return "\n".join(out)


def test_walkthrough_executes_every_cell(tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = {"GRAPHAUDIT_NB_SIZE": "village", "GRAPHAUDIT_NB_DIR": str(tmp_path)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not any(o.get("output_type") == "error" for o in c.get("outputs", [])) for c in code)
    everything = "\n".join(_text(c) for c in code)
    # the checks ran and found the planted cases
    assert "kin_approved_subsidy" in everything and "max severity" in everything
    assert "证据路径 evidence path:" in everything
    # the collision checks found their planted cases and show a sentence naming the rule
    assert "ineligible_recipient" in everything and "政策" in everything
    # the evidence graph is drawn inline, with vis-network inlined and nothing remote
    graph = _text(code[-2])
    assert "<iframe srcdoc=" in graph and "vis" in graph
    assert not re.search(r"(src|href)=(&quot;|\")https?://", graph)
    # ID numbers never appear unmasked in what the notebook shows
    assert not re.search(r"\b\d{17}[\dXx]\b", everything)
    assert (tmp_path / "graphaudit.db" / "CURRENT").exists()
