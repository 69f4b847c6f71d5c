"""Findings: what a check reports (DATA_CONTRACT.md §2), how severe it is, and how it is exported.

A :class:`Finding` carries its evidence: the ``path`` of nodes and relationships that makes the link, in
order, and one Chinese sentence (``explanation``) naming it.  Findings hold the real identifiers; masking is
applied on output (``to_dict(show_ids=False)``, :func:`write_findings`), and names are masked in explanations
when the check runs (``mask_names``, on by default).

Severity (0–100) is a sum of documented factors, capped at 100::

    severity = min(100, round(base[check] + link + money + repetition + post))

    base[check]   how grave the kind of finding is: the ``base`` its check declares (0–40; today 25–40)
    link          strength of the link: for kinship, fewer hops is worse — closeness(h) = max(0, 20 − 5·h):
                  self 20, 1 hop 15, 2 hops 10, 3 hops 5, 4+ 0; other checks grade their own evidence on the
                  same 0–20 scale (each check's module says how)
    money         yuan at risk, on a log scale: min(20, 5·log10(1 + amount/100)) — 600 → 4, 3,600 → 8,
                  45,000 → 13, 380,000 → 18, ≥ 1,000,000 → 20
    repetition    records folded into the finding: min(10, 5·log2(n)) — 1 → 0, 2 → 5, 3 → 8, ≥ 4 → 10
    post          the post of the cadre whose conflict it is, on the record's date: head of an organisation
                  (书记, 主任, 镇长, 乡长) 10, other posts (委员, 会计, 民政助理员 …, deputies) 5, none 0
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graphaudit.errors import GraphAuditError

__all__ = [
    "Finding",
    "severity",
    "severity_factors",
    "ordered",
    "closeness",
    "money_points",
    "repetition_points",
    "post_points",
    "post_rank",
    "make_finding_id",
    "mask_id",
    "mask_name",
    "write_findings",
    "evidence_rows",
    "base_points",
    "FIELDS",
    "FindingsFormat",
    "FINDINGS_FORMATS",
    "findings_suffixes",
]

#: The data contract's fields, in export order.
FIELDS = (
    "finding_id",
    "check",
    "severity",
    "amount",
    "org_code",
    "person_ids",
    "record_ids",
    "path",
    "explanation",
)

HEAD_WORDS = ("书记", "主任", "镇长", "乡长", "主席")


def closeness(hops: int | None) -> float:
    """Link points for a kinship distance: self 20, 1 hop 15, 2 hops 10, 3 hops 5, further 0."""
    return 0.0 if hops is None else float(max(0, 20 - 5 * hops))


def money_points(amount: float) -> float:
    """Points for the money at risk: min(20, 5·log10(1 + amount/100))."""
    return min(20.0, 5 * math.log10(1 + max(0.0, amount) / 100))


def repetition_points(records: int) -> float:
    """Points for the number of records folded into one finding: min(10, 5·log2(n))."""
    return min(10.0, 5 * math.log2(max(1, records)))


def post_rank(title: str | None) -> int:
    """2 for the head of an organisation (书记, 主任 …, not a deputy), 1 for any other post, 0 for none."""
    if not title:
        return 0
    if "副" not in title and any(w in title for w in HEAD_WORDS):
        return 2
    return 1


def post_points(title: str | None) -> float:
    """Post points: head 10, other post 5, none 0."""
    return (0.0, 5.0, 10.0)[post_rank(title)]


def base_points(check: str) -> float:
    """The base points of ``check``: the ``base`` of its declaration in :data:`graphaudit.checks.CHECKS`."""
    from graphaudit.checks import CHECKS  # here, not at the top: the checks import this module

    if check not in CHECKS:
        raise GraphAuditError(f"unknown check {check!r} (checks: {', '.join(CHECKS)})")
    return CHECKS[check].base


def severity_factors(
    check: str, *, link: float = 0.0, amount: float = 0.0, records: int = 1, title: str | None = None
) -> dict[str, float]:
    """The points of each factor of the severity formula (this module's docstring)."""
    return {
        "base": base_points(check),
        "link": max(0.0, min(20.0, link)),
        "money": round(money_points(amount), 2),
        "repetition": round(repetition_points(records), 2),
        "post": post_points(title),
    }


def severity(
    check: str, *, link: float = 0.0, amount: float = 0.0, records: int = 1, title: str | None = None
) -> int:
    """The severity formula of this module's docstring: the factors summed, rounded, capped at 100."""
    f = severity_factors(check, link=link, amount=amount, records=records, title=title)
    return int(min(100, round(sum(f.values()))))


def make_finding_id(check: str, subject: Iterable[str]) -> str:
    """A finding's id from its *subject*, never from its records: the check and the ids of the people,
    company, account or contract family whose link makes the finding (each check's module says which), in
    the given order.  Records arriving in later loads join the same finding, and its id stays."""
    key = "\x1f".join([check, *(str(x) for x in subject)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


# -- masking --------------------------------------------------------------------------------------------
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "轩辕",
    "令狐",
    "钟离",
    "澹台",
    "公冶",
    "太史",
    "端木",
    "申屠",
    "呼延",
    "南宫",
    "西门",
    "独孤",
    "百里",
    "万俟",
    "闻人",
    "赫连",
    "司空",
    "第五",
    "拓跋",
    "完颜",
    "淳于",
    "单于",
    "濮阳",
    "宗政",
    "仲孙",
    "亓官",
    "司寇",
    "巫马",
    "公西",
)


def mask_name(name: str | None) -> str:
    """ "张伟" → "张某", "欧阳明" → "欧阳某"; an empty name → "某人"."""
    name = (name or "").strip()
    if not name:
        return "某人"
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return surname + "某"


def mask_id(value: str | None, label: str = "Person") -> str:
    """Mask an identifier for output: resident IDs keep the region (first 6 digits) and the two digits
    before the gender digit (``110101********12**``): the birth date, the gender digit and the check digit
    are hidden — the check digit with the birth year shown beside it would narrow the date to ~33 days, a
    handful of exact lookups (docs/findings.md, "Masking").  Bank accounts keep the first and last 4, phone
    numbers the first 3 and last 4.  Register keys without an ID (``~H005:孙丽``) and other labels pass
    unchanged."""
    v = value or ""
    if label in ID_KEYED_LABELS:
        return scrub_ids(v)
    if label == "Person":
        if len(v) >= 15 and v[:14].isdigit():
            g = 14 if len(v) == 15 else len(v) - 2  # the gender digit: 15th of an old ID, else 17th
            return v[:6] + "*" * (g - 8) + v[g - 2 : g] + "*" * (len(v) - g)
        return v
    if label == "BankAccount" and len(v) > 8:
        return v[:4] + "*" * (len(v) - 8) + v[-4:]
    if label == "Phone" and len(v) >= 7:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    return v


#: Resident IDs inside free text: 6-digit region, birth date, 3-digit sequence, check character.
RESIDENT_ID = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9A-Za-z])"
)


def scrub_ids(text: str) -> str:
    """``text`` with every resident ID inside it masked (:func:`mask_id`)."""
    return RESIDENT_ID.sub(lambda m: mask_id(m.group(0)), text)


#: Labels whose node id is a register key that embeds the holder's resident ID (``J:<ID>|2020-01-01``): a
#: masked role sees the ID inside masked, and their references are sealed like a person's.
ID_KEYED_LABELS = ("Job", "Vehicle", "RealEstate", "Custody")
MASKED_LABELS = ("Person", "BankAccount", "Phone", *ID_KEYED_LABELS)


@dataclass
class Finding:
    """One finding of one check (DATA_CONTRACT.md §2).

    - ``finding_id``: stable across runs and loads: a hash of the check and its subject
      (:func:`make_finding_id`)
    - ``check``: the check's name, e.g. ``kin_approved_subsidy``
    - ``severity``: 0–100 (formula in this module's docstring)
    - ``amount``: money at risk, yuan
    - ``org_code``: the village or township concerned
    - ``person_ids``: the people involved, the approver or cadre first
    - ``record_ids``: the payment_ids / contract_ids concerned, sorted
    - ``path``: the evidence, in order: ``{"nodes": [{label, id, caption}, …], "relationships": [{type,
      direction}, …]}`` where relationship i joins nodes i and i+1 (direction "->" when the stored edge
      points along the path, "<-" against it)
    - ``explanation``: one Chinese sentence an auditor can read
    - ``details``: check-specific facts (kinship hops and terms, dates, the severity factors …)
    """

    finding_id: str
    check: str
    severity: int
    amount: float
    org_code: str
    person_ids: list[str]
    record_ids: list[str]
    path: dict[str, list[dict[str, Any]]]
    explanation: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, show_ids: bool = False) -> dict[str, Any]:
        """A JSON-ready dict; identifiers masked unless ``show_ids``."""
        d = asdict(self)
        d["amount"] = round(self.amount, 2)
        if not show_ids:
            d["person_ids"] = [mask_id(p) for p in self.person_ids]
            d["path"] = _mask_path(self.path)
        d["details"] = _jsonable(d["details"] if show_ids else _mask_details(d["details"]))
        return d

    def path_text(self, show_ids: bool = False) -> str:
        """The path on one line: 张伟(Person) -[SPOUSE_OF]-> 李芳(Person) -[SIBLING_OF]-> 李军(Person) …"""
        path = self.path if show_ids else _mask_path(self.path)
        nodes, rels = path.get("nodes", []), path.get("relationships", [])
        out = [_node_text(nodes[0])] if nodes else []
        for r, n in zip(rels, nodes[1:]):
            arrow = {"->": "-[{}]->", "<-": "<-[{}]-"}.get(r.get("direction", ""), "-[{}]-")
            out += [arrow.format(r["type"]), _node_text(n)]
        return " ".join(out)


def _node_text(n: dict[str, Any]) -> str:
    return f"{n['caption'] or n['id']}({n['label']})"


def _mask_path(path: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "nodes": [_mask_element(n) for n in path.get("nodes", [])],
        "relationships": [dict(r) for r in path.get("relationships", [])],
    }


def _mask_element(e: dict[str, Any]) -> dict[str, Any]:
    if "label" not in e or e["label"] not in MASKED_LABELS:
        return dict(e)
    out = dict(e, id=mask_id(e["id"], e["label"]))
    if e["label"] in ID_KEYED_LABELS:
        out["caption"] = scrub_ids(str(e.get("caption") or ""))
    elif e["label"] != "Person" or e.get("caption") == e["id"]:  # an identifier shown as its own caption
        out["caption"] = mask_id(e.get("caption"), e["label"])
    return out


def _mask_details(v: Any, key: str = "") -> Any:
    """Details with resident IDs masked wherever they appear, and values under "account" keys masked."""
    if isinstance(v, dict):
        return {k: _mask_details(x, k) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_mask_details(x, key) for x in v]
    if isinstance(v, str):
        if "account" in key:
            return mask_id(v, "BankAccount")
        if len(v) == 18 and v[:17].isdigit():
            return mask_id(v)
        return scrub_ids(v)  # a register key or a sentence with an ID inside
    return v


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 4)
    return v


def evidence_rows(findings: list[Finding], show_ids: bool = False) -> list[dict[str, Any]]:
    """One row per path step (node → relationship → node) of every finding."""
    rows = []
    for f in findings:
        path = f.path if show_ids else _mask_path(f.path)
        nodes = path.get("nodes", [])
        for i, r in enumerate(path.get("relationships", [])):
            a, b = nodes[i], nodes[i + 1]
            rows.append(
                {
                    "finding_id": f.finding_id,
                    "check": f.check,
                    "step": i + 1,
                    "from_label": a["label"],
                    "from_id": a["id"],
                    "from_caption": a["caption"],
                    "relationship": r["type"],
                    "direction": r.get("direction", ""),
                    "to_label": b["label"],
                    "to_id": b["id"],
                    "to_caption": b["caption"],
                }
            )
    return rows


def _flat(f: Finding, show_ids: bool) -> dict[str, Any]:
    d = f.to_dict(show_ids)
    return {
        "finding_id": d["finding_id"],
        "check": d["check"],
        "severity": d["severity"],
        "amount": d["amount"],
        "org_code": d["org_code"],
        "person_ids": "; ".join(d["person_ids"]),
        "record_ids": "; ".join(d["record_ids"]),
        "path": f.path_text(show_ids),
        "explanation": d["explanation"],
        "details": json.dumps(d["details"], ensure_ascii=False, sort_keys=True),
    }


def ordered(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by check and id (a stable order)."""
    return sorted(findings, key=lambda f: (-f.severity, f.check, f.finding_id))


def write_findings(findings: list[Finding], path: str | Path, show_ids: bool = False) -> Path:
    """Write findings, most severe first, in the format of the file's suffix (:data:`FINDINGS_FORMATS`:
    .csv, .json or .xlsx).  Identifiers are masked unless ``show_ids``."""
    path = Path(path)
    fmt = FINDINGS_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise GraphAuditError(f"{path.name}: findings are written as {findings_suffixes()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    from graphaudit.export.atomic import atomic_path  # crash-safe: a kill leaves the previous file

    with atomic_path(path) as tmp:
        fmt.write(ordered(findings), tmp, show_ids)
    return path


def _write_json(fs: list[Finding], path: Path, show_ids: bool) -> None:
    path.write_text(
        json.dumps([f.to_dict(show_ids) for f in fs], ensure_ascii=False, indent=1), encoding="utf-8"
    )


def _write_csv(fs: list[Finding], path: Path, show_ids: bool) -> None:
    from graphaudit.export.cells import csv_row  # cells stay data, never formulas

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[*FIELDS, "details"])
        w.writeheader()
        w.writerows(csv_row(_flat(f, show_ids)) for f in fs)


def _write_workbook(fs: list[Finding], path: Path, show_ids: bool) -> None:
    from graphaudit.workbook import write_workbook

    write_workbook(fs, path, show_ids)


@dataclass(frozen=True)
class FindingsFormat:
    """A findings file format: its suffix, a Chinese title, and ``write(findings, path, show_ids)``."""

    suffix: str
    title: str
    write: Callable[[list[Finding], Path, bool], None] = field(repr=False)


#: The findings file formats (``graphaudit check --out``), by suffix.
FINDINGS_FORMATS: dict[str, FindingsFormat] = {
    f.suffix: f
    for f in (
        FindingsFormat(".csv", "CSV 表格（UTF-8 带 BOM，Excel 可直接打开）", _write_csv),
        FindingsFormat(".json", "JSON（数据规范第2节的字段及 details）", _write_json),
        FindingsFormat(
            ".xlsx", "Excel 工作簿（中文表头：汇总、线索含核查状态与意见、证据路径逐步）", _write_workbook
        ),
    )
}


def findings_suffixes() -> str:
    """The suffixes of :data:`FINDINGS_FORMATS` as a sentence: ".csv, .json or .xlsx"."""
    names = list(FINDINGS_FORMATS)
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


#: The keys of :func:`evidence_rows`, in order (the 证据 sheet shows them under Chinese headers).
EVIDENCE_COLS = [
    "finding_id",
    "check",
    "step",
    "from_label",
    "from_id",
    "from_caption",
    "relationship",
    "direction",
    "to_label",
    "to_id",
    "to_caption",
]
