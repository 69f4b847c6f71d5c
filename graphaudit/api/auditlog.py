"""The append-only audit log: who read which personal data, when, with which parameters.

Rows are only ever inserted; SQLite triggers (``state.py``) refuse UPDATE and DELETE, and the API offers no
way to change them — an admin may read them (``GET /api/audit``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from graphaudit.api.state import State
from graphaudit.api.tokens import Principal

__all__ = ["AuditLog"]


class AuditLog:
    """Writes and reads the ``audit_log`` table."""

    def __init__(self, state: State) -> None:
        self.state = state

    def record(
        self, who: Principal, action: str, method: str, path: str, params: dict[str, Any], client: str = ""
    ) -> None:
        """Append one entry."""
        with self.state.connect() as c:
            c.execute(
                "INSERT INTO audit_log (at, token_id, who, role, action, method, path, params, client) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    datetime.now().astimezone().isoformat(timespec="milliseconds"),
                    who.token_id,
                    who.name,
                    who.role.value,
                    action,
                    method,
                    path,
                    json.dumps(params, ensure_ascii=False, sort_keys=True, default=str),
                    client,
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
