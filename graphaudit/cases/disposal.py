"""The disposal of a case (监督执纪工作规则), after the review has found it worth pursuing:

    处置方式 (谈话函询 · 初步核实 · 暂存待查 · 予以了结)
      → 交办 to a department or township with a due date
      → 反馈 (核实情况, 清退人数, 追缴金额, 整改措施, attached files)
      → the office's 审核 of the feedback (accepted, or returned to be redone)
      → 销号, with the outcome in 四种形态 terms and the money recovered.

A case decided 予以了结 may be closed without a hand-off; every other closing needs accepted feedback, and a
case is closed only once its review has concluded (属实 / 不属实).  A hand-off still waiting for its feedback
after its due date is overdue (逾期).

Every step is one row of ``case_disposal_events`` (state database, graphaudit.state) carrying a snapshot of
the disposal after it, so the current disposal is the case's last row; rows are keyed by case id, never
deleted, and move with the case when a merge absorbs it (graphaudit.cases.store) — a later load never loses
them.  Each step also writes a line in the case history.  Attached files are kept in
``<state>/attachments/<case id>/``, size-limited, with sanitised names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from graphaudit.cases.review import CONCLUDED, Status
from graphaudit.errors import GraphAuditError
from graphaudit.state import State

__all__ = [
    "Method",
    "Stage",
    "FORMS",
    "DisposalError",
    "DisposalStore",
    "Attachment",
    "MAX_FILE_BYTES",
    "MAX_FILES",
    "FILE_SUFFIXES",
    "safe_name",
]


class Method(str, Enum):  # noqa: UP042 - str values, like Status
    talk = "谈话函询"
    verify = "初步核实"
    hold = "暂存待查"
    conclude = "予以了结"


class Stage(str, Enum):  # noqa: UP042
    none = "未处置"
    decided = "已定处置方式"
    handed = "已交办"
    fed_back = "已反馈"
    accepted = "反馈已审核"
    closed = "已销号"


#: 四种形态 and what each covers (DOMAIN.md), plus the outcome of a case found untrue.
FORMS: dict[str, str] = {
    "第一种形态": "批评教育、谈话提醒、诫勉",
    "第二种形态": "党纪轻处分、组织调整",
    "第三种形态": "重处分、重大职务调整",
    "第四种形态": "立案审查、移送司法",
    "不予处理": "经核查不属实，予以澄清、了结",
}
#: Methods that send the case to a department or township.
HANDED_METHODS = (Method.talk, Method.verify)
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
FILE_SUFFIXES = frozenset(
    {".pdf", ".ofd", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".jpg", ".jpeg", ".png", ".txt", ".zip"}
)
ATTACHMENTS = "attachments"


class DisposalError(GraphAuditError):
    """A disposal step that is not allowed now, or with missing or wrong fields."""


@dataclass(frozen=True)
class Attachment:
    """A file handed in with a feedback: its name and bytes."""

    name: str
    content: bytes


def safe_name(name: str) -> str:
    """A file name without folders or characters a file system or a browser might misread."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\-（）()\u4e00-\u9fff]+", "_", base).lstrip(".")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[:80] or "附件"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _money(v: Any, what: str) -> float:
    try:
        x = round(float(v or 0), 2)
    except (TypeError, ValueError):
        raise DisposalError(f"{what}应为金额（元），而不是“{v}”") from None
    if x < 0:
        raise DisposalError(f"{what}不能为负数")
    return x


def _count(v: Any, what: str) -> int:
    try:
        x = int(v or 0)
    except (TypeError, ValueError):
        raise DisposalError(f"{what}应为人数，而不是“{v}”") from None
    if x < 0:
        raise DisposalError(f"{what}不能为负数")
    return x


EMPTY: dict[str, Any] = {
    "stage": Stage.none.value,
    "method": None,
    "method_comment": "",
    "handoff": None,
    "feedback": None,
    "feedback_review": None,
    "closing": None,
    "overdue": False,
}


class DisposalStore:
    """The disposal steps of cases, in the state database."""

    def __init__(self, state: State) -> None:
        self.state = state

    # -- reading -----------------------------------------------------------------------------------------
    def current(self, case_id: str, today: date | None = None) -> dict[str, Any]:
        """The case's disposal now (``EMPTY`` when nothing was decided), with ``overdue``."""
        with self.state.connect() as c:
            row = c.execute(
                "SELECT state FROM case_disposal_events WHERE case_id = ? ORDER BY id DESC LIMIT 1",
                (case_id,),
            ).fetchone()
        return self._with_overdue(json.loads(row[0]) if row else dict(EMPTY), today)

    @staticmethod
    def _with_overdue(d: dict[str, Any], today: date | None) -> dict[str, Any]:
        due = (d.get("handoff") or {}).get("due")
        d["overdue"] = bool(
            d["stage"] == Stage.handed.value and due and due < (today or date.today()).isoformat()
        )
        return d

    def steps(self, case_id: str) -> list[dict[str, Any]]:
        """Every step of the case's disposal, oldest first: kind, detail, who, when."""
        with self.state.connect() as c:
            rows = c.execute(
                "SELECT kind, detail, by_name, at FROM case_disposal_events WHERE case_id = ? ORDER BY id",
                (case_id,),
            ).fetchall()
        return [{"kind": r[0], "detail": json.loads(r[1]), "by": r[2], "at": r[3]} for r in rows]

    def all_current(self, today: date | None = None) -> dict[str, dict[str, Any]]:
        """case id → its current disposal, for every case with at least one step."""
        with self.state.connect() as c:
            rows = c.execute(
                "SELECT e.case_id, e.state FROM case_disposal_events e JOIN ("
                "SELECT case_id, max(id) AS id FROM case_disposal_events GROUP BY case_id) m ON e.id = m.id"
            ).fetchall()
        return {r[0]: self._with_overdue(json.loads(r[1]), today) for r in rows}

    def overdue(self, today: date | None = None) -> list[dict[str, Any]]:
        """Hand-offs past their due date without feedback, most overdue first."""
        out = [
            {"case_id": cid, **d["handoff"]}
            for cid, d in self.all_current(today).items()
            if d["overdue"] and d["handoff"]
        ]
        return sorted(out, key=lambda h: (h["due"], h["case_id"]))

    def file_path(self, case_id: str, stored: str) -> Path | None:
        """The path of an attached file of the case (``stored`` as its feedback lists it), if it exists."""
        folder = (self.state.folder / ATTACHMENTS / safe_name(case_id)).resolve()
        path = (folder / stored).resolve()
        return path if path.parent == folder and path.is_file() else None

    # -- the steps ---------------------------------------------------------------------------------------
    def _step(
        self,
        case_id: str,
        kind: str,
        by: str,
        token: int | None,
        change: Any,
        history: str | Callable[[dict[str, Any]], str],
    ) -> dict[str, Any]:
        """Run ``change(conn, current, status) -> (new state, detail)`` in one transaction and record it."""
        at = _now()
        with self.state.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT status FROM cases WHERE case_id = ?", (case_id,)).fetchone()
            if row is None:
                raise KeyError(case_id)
            last = conn.execute(
                "SELECT state FROM case_disposal_events WHERE case_id = ? ORDER BY id DESC LIMIT 1",
                (case_id,),
            ).fetchone()
            cur = json.loads(last[0]) if last else dict(EMPTY)
            if cur["stage"] == Stage.closed.value:
                raise DisposalError("该线索已销号，不能再处置")
            new, detail = change(conn, dict(cur), Status(row["status"]), at)
            new.pop("overdue", None)
            conn.execute(
                "INSERT INTO case_disposal_events "
                "(case_id, kind, stage, detail, state, by_name, by_token, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    case_id,
                    kind,
                    new["stage"],
                    json.dumps(detail, ensure_ascii=False),
                    json.dumps(new, ensure_ascii=False),
                    by,
                    token,
                    at,
                ),
            )
            conn.execute(
                "INSERT INTO case_history (case_id, run_id, at, kind, text) VALUES (?, NULL, ?, ?, ?)",
                (case_id, at, kind, f"{by}：{history(new)}" if callable(history) else f"{by}：{history}"),
            )
        return self._with_overdue(new, None)

    def dispose(
        self, case_id: str, method: Method, comment: str, by: str, token: int | None = None
    ) -> dict[str, Any]:
        """Decide (or change, before a hand-off) how the case is disposed of."""

        def change(conn: Any, cur: dict[str, Any], status: Status, at: str) -> tuple[dict[str, Any], Any]:
            if cur["stage"] not in (Stage.none.value, Stage.decided.value):
                raise DisposalError(f"线索处于“{cur['stage']}”，不能再改处置方式")
            cur.update(stage=Stage.decided.value, method=method.value, method_comment=comment.strip())
            return cur, {"method": method.value, "comment": comment.strip()}

        return self._step(
            case_id,
            "处置",
            by,
            token,
            change,
            f"确定处置方式“{method.value}”" + (f"（{comment.strip()}）" if comment.strip() else ""),
        )

    def handoff(
        self,
        case_id: str,
        to: str,
        due: date,
        note: str,
        by: str,
        token: int | None = None,
    ) -> dict[str, Any]:
        """交办: send the case to ``to`` (a department or township) for feedback by ``due``.  A case still
        新线索 moves to 核查中."""
        to = to.strip()
        if not to:
            raise DisposalError("交办需要填写承办单位（部门或乡镇）")

        def change(conn: Any, cur: dict[str, Any], status: Status, at: str) -> tuple[dict[str, Any], Any]:
            if cur["stage"] != Stage.decided.value or cur["method"] not in {m.value for m in HANDED_METHODS}:
                raise DisposalError(
                    "交办前须先确定处置方式“谈话函询”或“初步核实”"
                    + (f"（现为“{cur['method']}”，{cur['stage']}）" if cur["method"] else "")
                )
            if due < date.fromisoformat(at[:10]):
                raise DisposalError(f"反馈期限 {due.isoformat()} 早于今天")
            h = {"to": to, "due": due.isoformat(), "note": note.strip(), "by": by, "at": at}
            cur.update(stage=Stage.handed.value, handoff=h)
            if status == Status.new:
                conn.execute(
                    "INSERT INTO case_reviews "
                    "(case_id, from_status, to_status, comment, by_name, by_token, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (case_id, status.value, Status.verifying.value, f"交办{to}核实", by, token, at),
                )
                conn.execute(
                    "UPDATE cases SET status = ? WHERE case_id = ?", (Status.verifying.value, case_id)
                )
            return cur, {"to": to, "due": due.isoformat(), "note": note.strip()}

        return self._step(
            case_id,
            "交办",
            by,
            token,
            change,
            f"交办{to}，限{due.isoformat()}前反馈" + (f"（{note}）" if note else ""),
        )

    def feedback(
        self,
        case_id: str,
        *,
        facts: str,
        removed: int = 0,
        recovered: float = 0.0,
        measures: str = "",
        files: list[Attachment] | None = None,
        by: str,
        token: int | None = None,
    ) -> dict[str, Any]:
        """反馈 of the department the case was handed to; ``files`` are kept in the state folder."""
        facts = facts.strip()
        if not facts:
            raise DisposalError("反馈需要填写核实情况")
        removed = _count(removed, "清退人数")
        recovered = _money(recovered, "追缴金额")
        files = list(files or [])
        if len(files) > MAX_FILES:
            raise DisposalError(f"一次最多附{MAX_FILES}个文件")
        for f in files:
            name = safe_name(f.name)
            if Path(name).suffix not in FILE_SUFFIXES:
                raise DisposalError(f"附件“{name}”的类型不允许（可用：{'、'.join(sorted(FILE_SUFFIXES))}）")
            if len(f.content) > MAX_FILE_BYTES:
                raise DisposalError(f"附件“{name}”超过{MAX_FILE_BYTES // (1024 * 1024)}MB")

        def change(conn: Any, cur: dict[str, Any], status: Status, at: str) -> tuple[dict[str, Any], Any]:
            if cur["stage"] != Stage.handed.value:
                raise DisposalError(f"线索处于“{cur['stage']}”，交办后才能反馈")
            stored = self._keep(case_id, files, at)
            fb = {
                "facts": facts,
                "removed": removed,
                "recovered": recovered,
                "measures": measures.strip(),
                "files": stored,
                "by": by,
                "at": at,
            }
            cur.update(stage=Stage.fed_back.value, feedback=fb, feedback_review=None)
            return cur, {k: v for k, v in fb.items() if k not in ("by", "at")}

        return self._step(
            case_id,
            "反馈",
            by,
            token,
            change,
            f"反馈核实情况：{facts}；清退{removed}人，追缴{recovered:,.2f}元"
            + (f"；整改措施：{measures.strip()}" if measures.strip() else "")
            + (f"；附件{len(files)}个" if files else ""),
        )

    def _keep(self, case_id: str, files: list[Attachment], at: str) -> list[dict[str, Any]]:
        if not files:
            return []
        folder = self.state.folder / ATTACHMENTS / safe_name(case_id)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        stamp = re.sub(r"\D", "", at)[:14]
        for i, f in enumerate(files, 1):
            name = safe_name(f.name)
            stored = f"{stamp}-{i}-{name}"
            (folder / stored).write_bytes(f.content)
            out.append({"name": name, "stored": stored, "bytes": len(f.content)})
        return out

    def review_feedback(
        self, case_id: str, accept: bool, comment: str, by: str, token: int | None = None
    ) -> dict[str, Any]:
        """The office's review of the feedback: accepted, or returned (with a reason) to be redone."""
        comment = comment.strip()
        if not accept and not comment:
            raise DisposalError("退回反馈需要填写理由")

        def change(conn: Any, cur: dict[str, Any], status: Status, at: str) -> tuple[dict[str, Any], Any]:
            if cur["stage"] != Stage.fed_back.value:
                raise DisposalError(f"线索处于“{cur['stage']}”，收到反馈后才能审核")
            cur.update(
                stage=Stage.accepted.value if accept else Stage.handed.value,
                feedback_review={"accepted": accept, "comment": comment, "by": by, "at": at},
            )
            return cur, {"accepted": accept, "comment": comment}

        return self._step(
            case_id,
            "审核反馈",
            by,
            token,
            change,
            ("审核通过反馈" if accept else "退回反馈，要求重新核查") + (f"：{comment}" if comment else ""),
        )

    def close(
        self,
        case_id: str,
        form: str,
        recovered: float | None,
        comment: str,
        by: str,
        token: int | None = None,
    ) -> dict[str, Any]:
        """销号: the outcome in 四种形态 terms (``FORMS``) and the money recovered (default: the
        feedback's)."""
        if form not in FORMS:
            raise DisposalError(f"处理结果“{form}”应为：{'、'.join(FORMS)}")
        comment = comment.strip()

        def change(conn: Any, cur: dict[str, Any], status: Status, at: str) -> tuple[dict[str, Any], Any]:
            direct = cur["stage"] == Stage.decided.value and cur["method"] == Method.conclude.value
            if cur["stage"] != Stage.accepted.value and not direct:
                raise DisposalError(
                    f"线索处于“{cur['stage']}”：反馈经审核通过（或处置方式为“予以了结”）后才能销号"
                )
            if status not in CONCLUDED:
                raise DisposalError(f"核查状态为“{status.value}”：先把线索核查结论定为属实或不属实再销号")
            if status == Status.substantiated and form == "不予处理":
                raise DisposalError("线索属实，处理结果应为四种形态之一")
            if status == Status.unsubstantiated and form != "不予处理":
                raise DisposalError("线索不属实，处理结果应为“不予处理”")
            money = (
                _money(recovered, "追缴金额")
                if recovered is not None
                else float((cur.get("feedback") or {}).get("recovered") or 0.0)
            )
            closing = {"form": form, "recovered": money, "comment": comment, "status": status.value}
            cur.update(stage=Stage.closed.value, closing={**closing, "by": by, "at": at})
            return cur, closing

        return self._step(
            case_id,
            "销号",
            by,
            token,
            change,
            lambda new: (
                f"销号，处理结果：{form}（{FORMS[form]}），追缴{new['closing']['recovered']:,.2f}元"
                + (f"；{comment}" if comment else "")
            ),
        )
