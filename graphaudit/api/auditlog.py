"""The append-only audit log: who read which personal data, when, with which parameters.

Every entry has the HTTP status the request was answered with (written when the response starts,
:mod:`graphaudit.api.guard`); refused requests — no live token (401), a role without the permission (403) —
are logged too, under the route's action or ``denied``, with an empty ``who`` when there was no live token.
Rows are only ever inserted; SQLite triggers (``state.py``) refuse UPDATE and DELETE, and the API offers no
way to change them — an admin may read them (``GET /api/audit``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from graphaudit.api.state import State
from graphaudit.api.tokens import Principal

__all__ = ["AuditLog", "DENIED", "now"]

#: The action under which refused requests (401 no live token, 403 role lacks the permission) are logged
#: when the route names no action of its own.
DENIED = "denied"


def now() -> str:
    """The audit log's timestamp: local time with offset, to the millisecond."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


class AuditLog:
    """Writes and reads the ``audit_log`` table."""

    def __init__(self, state: State) -> None:
        self.state = state

    def record(
        self,
        who: Principal | None,
        action: str,
        method: str,
        path: str,
        params: dict[str, Any],
        client: str = "",
        status: int | None = None,
        at: str | None = None,
    ) -> None:
        """Append one entry: ``who`` None for a request without a live token; ``status`` the HTTP status
        the request was answered with; ``at`` when it was made (default now)."""
        with self.state.connect() as c:
            c.execute(
                "INSERT INTO audit_log (at, token_id, who, role, action, method, path, params, client, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    at or now(),
                    who.token_id if who else None,
                    who.name if who else "",
                    who.role.value if who else "",
                    action,
                    method,
                    path,
                    json.dumps(params, ensure_ascii=False, sort_keys=True, default=str),
                    client,
                    status,
                ),
            )

    def record_cli(self, who: str, action: str, command: str, params: dict[str, Any]) -> None:
        """Append one entry for a command run on this machine (role ``cli``, method ``CLI``)."""
        with self.state.connect() as c:
            c.execute(
                "INSERT INTO audit_log (at, token_id, who, role, action, method, path, params, client) "
                "VALUES (?, NULL, ?, 'cli', ?, 'CLI', ?, ?, 'localhost')",
                (
                    datetime.now().astimezone().isoformat(timespec="milliseconds"),
                    who,
                    action,
                    command,
                    json.dumps(params, ensure_ascii=False, sort_keys=True, default=str),
                ),
            )

    def read(
        self, offset: int = 0, limit: int = 100, who: str | None = None, action: str | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total, entries newest first), optionally only one person's or one action's."""
        where, args = [], []
        if who:
            where.append("who = ?")
            args.append(who)
        if action:
            where.append("action = ?")
            args.append(action)
        cond = f"WHERE {' AND '.join(where)}" if where else ""
        with self.state.connect() as c:
            total = c.execute(f"SELECT count(*) FROM audit_log {cond}", args).fetchone()[0]
            rows = c.execute(
                f"SELECT * FROM audit_log {cond} ORDER BY id DESC LIMIT ? OFFSET ?", [*args, limit, offset]
            ).fetchall()
        return int(total), [dict(r, params=json.loads(r["params"])) for r in rows]
