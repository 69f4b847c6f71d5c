"""The review workflow of a case (and of a single finding), as discipline offices work a lead:

    新线索 (new lead) → 核查中 (being verified) → 属实 (substantiated) / 不属实 (unsubstantiated)

A conclusion (属实 / 不属实) needs a comment; a concluded case can be reopened (→ 核查中) with a comment,
and is reopened by the system when its records or amount change (graphaudit.cases.store).
"""

from __future__ import annotations

from enum import Enum

from graphaudit.errors import GraphAuditError

__all__ = ["Status", "NEXT", "NEEDS_COMMENT", "CONCLUDED", "TransitionError", "CommentRequired"]


class Status(str, Enum):  # noqa: UP042 - as the API has always had it
    new = "新线索"
    verifying = "核查中"
    substantiated = "属实"
    unsubstantiated = "不属实"


#: The statuses each status may move to.
NEXT: dict[Status, tuple[Status, ...]] = {
    Status.new: (Status.verifying,),
    Status.verifying: (Status.substantiated, Status.unsubstantiated, Status.new),
    Status.substantiated: (Status.verifying,),
    Status.unsubstantiated: (Status.verifying,),
}
NEEDS_COMMENT = (Status.substantiated, Status.unsubstantiated)
CONCLUDED = NEEDS_COMMENT


class TransitionError(GraphAuditError):
    """The status cannot move that way."""


class CommentRequired(GraphAuditError):
    """A conclusion or a reopening needs a comment."""
