"""A self-contained HTML evidence bundle: one file, no network — the graph (vis-network inlined), every
finding with its explanation, evidence steps and source rows (the Payment / Contract records), in Chinese.
Select one finding (``--finding ID``) for a bundle per finding; ``#f=ID`` in the address opens a finding."""

from __future__ import annotations

from pathlib import Path

from graphaudit.export.atomic import atomic_text
from graphaudit.export.view import View
from graphaudit.viz import graph_html

__all__ = ["write", "SUFFIX", "render"]

SUFFIX = ".html"


def render(view: View, title: str | None = None) -> str:
    """The bundle's page as a string."""
    from graphaudit.checks import CHECKS

    n = len(view.findings)
    title = title or (f"问题线索证据图谱（{n} 条）" if n else "关系图谱")
    sub = "身份证号、账号、电话已脱敏" if not view.show_ids else "含完整身份证号、账号、电话，注意保密"
    return graph_html(
        view.graph,
        title=title,
        findings=view.findings,
        subtitle=f"graphaudit · {sub}",
        check_titles={k: c.title for k, c in CHECKS.items()},
    )


def write(view: View, out: Path) -> list[Path]:
    """Write the bundle to the file ``out``; the files written."""
    atomic_text(out, render(view))
    return [out]
