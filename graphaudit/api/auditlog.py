"""The append-only audit log: who read which personal data, when, with which parameters.

Every entry has the HTTP status the request was answered with (written when the response starts,
:mod:`graphaudit.api.guard`); refused requests — no live token (401), a role without the permission (403) —
are logged too, under the route's action or ``denied``, with an empty ``who`` when there was no live token.
Rows are only ever inserted; SQLite triggers (``state.py``) refuse UPDATE and DELETE, and the API offers no
way to change them — an admin may read them (``GET /api/audit``).

**Floods.**  Refused requests cost an attacker nothing, so that they cannot grow the log without bound:

- each client address (and token, for 403) has at most :data:`DENIED_PER_MINUTE` refused entries written
  per minute (``$GRAPHAUDIT_AUDIT_DENIED_PER_MINUTE``; 0 = no limit); the first refusal over the limit writes
  one ``denied_dropped`` entry (``params.first``: its time) and, once the minute is over, another with
  ``params.dropped``, the number of refusals counted but not written, and ``params.until`` — so nothing
  is lost silently, only summarised (the limit is per server process);
- an entry's ``path`` is cut to :data:`MAX_PATH` characters and its ``params`` to :data:`MAX_PARAMS`
  characters of JSON (``{"_cut": length, "head": …}``): a request cannot write more than a few KB.

Requests of a live token that is allowed to make them are always logged whole: reading personal data is
what the log is for.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphaudit.api.state import State
from graphaudit.api.tokens import Principal

__all__ = [
    "AuditLog",
    "DENIED",
    "DROPPED",
    "DENIED_PER_MINUTE",
    "DENIED_PER_MINUTE_ENV",
    "MAX_PATH",
    "MAX_PARAMS",
    "now",
]

#: The action under which refused requests (401 no live token, 403 role lacks the permission) are logged
#: when the route names no action of its own.
DENIED = "denied"
#: The action of the entries that say refused requests were counted but not written (module docstring).
DROPPED = "denied_dropped"
#: Refused entries written per client and minute, and the environment variable that overrides it.
DENIED_PER_MINUTE = 60
DENIED_PER_MINUTE_ENV = "GRAPHAUDIT_AUDIT_DENIED_PER_MINUTE"
#: Longest ``path`` and ``params`` (JSON characters) an entry keeps.
MAX_PATH = 1024
MAX_PARAMS = 4096
_WINDOW = 60.0


def _denied_per_minute() -> int:
    raw = os.environ.get(DENIED_PER_MINUTE_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else DENIED_PER_MINUTE
    except ValueError:
        return DENIED_PER_MINUTE


@dataclass
class _Window:
    """Refused requests of one client in the current minute."""

    start: float
    written: int = 0
    dropped: int = 0
    first: str = ""
    last: str = ""
    who: Any = None
    method: str = ""
    path: str = ""


def _params_json(params: dict[str, Any]) -> str:
    text = json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) <= MAX_PARAMS:
        return text
    return json.dumps({"_cut": len(text), "head": text[: MAX_PARAMS // 2]}, ensure_ascii=False)


def now() -> str:
    """The audit log's timestamp: local time with offset, to the millisecond."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


class AuditLog:
    """Writes and reads the ``audit_log`` table."""

    def __init__(self, state: State, denied_per_minute: int | None = None) -> None:
        self.state = state
        self.denied_per_minute = _denied_per_minute() if denied_per_minute is None else denied_per_minute
        self._windows: dict[tuple[str, int | None], _Window] = {}
        self._lock = threading.Lock()
        self.clock = time.monotonic

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
        the request was answered with; ``at`` when it was made (default now).  A refusal (401, 403) over the
        per-minute limit is counted instead (module docstring)."""
        at = at or now()
        if status in (401, 403) and self.denied_per_minute:
            if not self._admit(who, method, path, client, at):
                return
        self._insert(who, action, method, path, params, client, status, at)

    def _insert(
        self,
        who: Principal | None,
        action: str,
        method: str,
        path: str,
        params: dict[str, Any],
        client: str,
        status: int | None,
        at: str,
    ) -> None:
        with self.state.connect() as c:
            c.execute(
                "INSERT INTO audit_log (at, token_id, who, role, action, method, path, params, client, "
                "status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    at,
                    who.token_id if who else None,
                    who.name if who else "",
                    who.role.value if who else "",
                    action,
                    method,
                    path[:MAX_PATH],
                    _params_json(params),
                    client,
                    status,
                ),
            )

    def _admit(self, who: Principal | None, method: str, path: str, client: str, at: str) -> bool:
        """Whether this refusal is written; writes the ``denied_dropped`` entries (module docstring)."""
        t = self.clock()
        key = (client, who.token_id if who else None)
        with self._lock:
            self.flush(t)
            w = self._windows.setdefault(key, _Window(start=t))
            if w.written < self.denied_per_minute:
                w.written += 1
                return True
            w.dropped += 1
            w.last, w.who, w.method, w.path = at, who, method, path
            if w.dropped == 1:
                w.first = at
                self._insert(
                    who,
                    DROPPED,
                    method,
                    path,
                    {"first": at, "limit": self.denied_per_minute},
                    client,
                    None,
                    at,
                )
            return False

    def flush(self, t: float | None = None, everything: bool = False) -> None:
        """Write the count of every minute that is over (of every minute, over or not, with ``everything``:
        on shutdown) and forget it.  The caller holds the lock."""
        t = self.clock() if t is None else t
        for key, w in list(self._windows.items()):
            if not everything and t - w.start < _WINDOW:
                continue
            del self._windows[key]
            if w.dropped:
                params = {
                    "dropped": w.dropped,
                    "first": w.first,
                    "until": w.last,
                    "limit": self.denied_per_minute,
                }
                self._insert(w.who, DROPPED, w.method, w.path, params, key[0], None, w.last)

    def close(self) -> None:
        """Write the counts of the minutes still open (the server stops)."""
        with self._lock:
            self.flush(everything=True)

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
                    command[:MAX_PATH],
                    _params_json(params),
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
        with self._lock:
            self.flush()
        with self.state.connect() as c:
            total = c.execute(f"SELECT count(*) FROM audit_log {cond}", args).fetchone()[0]
            rows = c.execute(
                f"SELECT * FROM audit_log {cond} ORDER BY id DESC LIMIT ? OFFSET ?", [*args, limit, offset]
            ).fetchall()
        return int(total), [dict(r, params=json.loads(r["params"])) for r in rows]
