"""API tokens: created and revoked from the CLI (or by an admin over the API), stored as sha256 only.

A token is shown once, when it is created; the state database keeps its sha256, its name and its role.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from graphaudit.api.roles import Role
from graphaudit.api.state import State
from graphaudit.errors import GraphAuditError

__all__ = ["Principal", "TokenStore", "TokenError", "hash_token"]

PREFIX = "ga_"


class TokenError(GraphAuditError):
    """A token operation was asked with a bad role, name or id."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role."""

    token_id: int
    name: str
    role: Role


def hash_token(token: str) -> str:
    """The sha256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class TokenStore:
    """Tokens in the state database."""

    def __init__(self, state: State) -> None:
        self.state = state

    def create(self, name: str, role: str) -> tuple[int, str]:
        """A new token for ``name`` with ``role``: (id, the token — shown once, never stored)."""
        try:
            r = Role(role)
        except ValueError:
            raise TokenError(
                f"unknown role {role!r}; choose one of {', '.join(x.value for x in Role)}"
            ) from None
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise TokenError("a token needs a name of 1 to 64 characters (who holds it)")
        token = PREFIX + secrets.token_urlsafe(32)
        with self.state.connect() as c:
            cur = c.execute(
                "INSERT INTO tokens (name, role, sha256, created_at) VALUES (?, ?, ?, ?)",
                (name, r.value, hash_token(token), _now()),
            )
        return int(cur.lastrowid or 0), token

    def list(self) -> list[dict[str, object]]:
        """Every token (revoked ones too), without secrets."""
        with self.state.connect() as c:
            rows = c.execute(
                "SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY id"
            ).fetchall()
        return [dict(r) for r in rows]

    def revoke(self, token_id: int) -> None:
        """Revoke token ``token_id``; unknown or already revoked ids are an error."""
        with self.state.connect() as c:
            row = c.execute("SELECT revoked_at FROM tokens WHERE id = ?", (token_id,)).fetchone()
            if row is None:
                raise TokenError(f"no token with id {token_id}")
            if row["revoked_at"]:
                raise TokenError(f"token {token_id} was already revoked at {row['revoked_at']}")
            c.execute("UPDATE tokens SET revoked_at = ? WHERE id = ?", (_now(), token_id))

    def verify(self, token: str) -> Principal | None:
        """The principal a live token belongs to, or None."""
        if not token or not token.startswith(PREFIX) or len(token) > 200:
            return None
        with self.state.connect() as c:
            row = c.execute(
                "SELECT id, name, role FROM tokens WHERE sha256 = ? AND revoked_at IS NULL",
                (hash_token(token),),
            ).fetchone()
        return Principal(row["id"], row["name"], Role(row["role"])) if row else None
