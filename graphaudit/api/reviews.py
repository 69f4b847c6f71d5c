"""The review workflow of a finding, as discipline offices work a lead:

    新线索 (new lead) → 核查中 (being verified) → 属实 (substantiated) / 不属实 (unsubstantiated)

A conclusion (属实 / 不属实) needs a comment; a concluded finding can be reopened (→ 核查中) with a comment.
Every change is kept in the history with who made it and when.  Reviews are keyed by the stable
``finding_id``, so they survive re-runs of the checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graphaudit.api.state import State
from graphaudit.api.tokens import Principal
from graphaudit.cases.review import NEEDS_COMMENT, NEXT, CommentRequired, Status, TransitionError

__all__ = ["Status", "ReviewStore", "TransitionError", "CommentRequired", "NEXT"]


class ReviewStore:
    """Review status and history in the state database."""

    def __init__(self, state: State) -> None:
        self.state = state

    def status(self, finding_id: str) -> dict[str, Any]:
        """The current review of a finding ({status, comment, by, at}); 新线索 when never reviewed."""
        with self.state.connect() as c:
            row = c.execute(
                "SELECT status, comment, by_name, at FROM reviews WHERE finding_id = ?", (finding_id,)
            ).fetchone()
        if row is None:
            return {"status": Status.new.value, "comment": "", "by": None, "at": None}
        return {"status": row["status"], "comment": row["comment"], "by": row["by_name"], "at": row["at"]}

    def history(self, finding_id: str) -> list[dict[str, Any]]:
        """Every status change of a finding, oldest first."""
        with self.state.connect() as c:
            rows = c.execute(
                "SELECT from_status, to_status, comment, by_name, at FROM review_history "
                "WHERE finding_id = ? ORDER BY id",
                (finding_id,),
            ).fetchall()
        return [
            {
                "from": r["from_status"],
                "to": r["to_status"],
                "comment": r["comment"],
                "by": r["by_name"],
                "at": r["at"],
            }
            for r in rows
        ]

    def set(self, finding_id: str, to: Status, comment: str, who: Principal) -> dict[str, Any]:
        """Move a finding to ``to``; raises TransitionError / CommentRequired.  Returns the new review."""
        comment = (comment or "").strip()
        at = datetime.now().astimezone().isoformat(timespec="seconds")
        with self.state.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            row = c.execute("SELECT status FROM reviews WHERE finding_id = ?", (finding_id,)).fetchone()
            cur = Status(row["status"]) if row else Status.new
            if to not in NEXT[cur]:
                allowed = "、".join(s.value for s in NEXT[cur])
                raise TransitionError(f"状态不能从“{cur.value}”改为“{to.value}”（可改为：{allowed}）")
            if not comment and (to in NEEDS_COMMENT or cur in NEEDS_COMMENT):
                raise CommentRequired(f"改为“{to.value}”需要填写核查意见")
            c.execute(
                "INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?, ?)",
                (finding_id, to.value, comment, who.name, who.token_id, at),
            )
            c.execute(
                "INSERT INTO review_history (finding_id, from_status, to_status, comment, by_name, by_token, "
                "at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (finding_id, cur.value, to.value, comment, who.name, who.token_id, at),
            )
        return {"status": to.value, "comment": comment, "by": who.name, "at": at}
