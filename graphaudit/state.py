"""The state folder: one SQLite file beside the store holding tokens, check runs, findings, cases, reviews
and the audit log — shared by the server and the command line (``graphaudit check`` records its run and its
cases here).

Where it lives (``state_dir``): ``<db>/state/`` for the embedded store (``graphaudit.db/state/`` by default
— inside the store folder, which loads never touch outside its ``gen-*`` generations), and
``./graphaudit-state/`` for a Neo4j server; ``--state DIR`` overrides both.  Everything in it survives
restarts and re-loads of the data.

Tables: ``tokens`` (sha256 of each token, never the token), ``findings`` (the last run of each check, with
real identifiers — masking happens on output), ``runs`` (when, data version, parameters, who), ``reviews`` +
``review_history`` (the review workflow of single findings), the cases (``cases``, ``case_findings``,
``case_aliases``, ``case_reviews``, ``case_history``: graphaudit.cases.store; ``case_disposal_events``:
graphaudit.cases.disposal), and ``audit_log``, which
triggers make append-only: an UPDATE or DELETE on it fails inside SQLite itself.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graphaudit.errors import GraphAuditError

__all__ = ["State", "state_dir", "DB_FILE"]

DB_FILE = "graphaudit-api.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, role TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, seconds REAL NOT NULL,
    by_token INTEGER, by_name TEXT, checks TEXT NOT NULL, params TEXT NOT NULL, counts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (
    finding_id TEXT PRIMARY KEY, "check" TEXT NOT NULL, severity INTEGER NOT NULL, amount REAL NOT NULL,
    org_code TEXT NOT NULL, run_id INTEGER NOT NULL, explanation TEXT NOT NULL, person_ids TEXT NOT NULL,
    record_ids TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS findings_order ON findings (severity DESC, "check", finding_id);
CREATE TABLE IF NOT EXISTS reviews (
    finding_id TEXT PRIMARY KEY, status TEXT NOT NULL, comment TEXT NOT NULL, by_name TEXT NOT NULL,
    by_token INTEGER, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS review_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, finding_id TEXT NOT NULL, from_status TEXT NOT NULL,
    to_status TEXT NOT NULL, comment TEXT NOT NULL, by_name TEXT NOT NULL, by_token INTEGER,
    at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS review_history_finding ON review_history (finding_id, id);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, token_id INTEGER, who TEXT NOT NULL,
    role TEXT NOT NULL, action TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, params TEXT NOT NULL,
    client TEXT NOT NULL, status INTEGER);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY, status TEXT NOT NULL, change TEXT NOT NULL, gone INTEGER NOT NULL,
    severity INTEGER NOT NULL, amount REAL NOT NULL, org_code TEXT NOT NULL, checks TEXT NOT NULL,
    band TEXT NOT NULL, first_seen TEXT NOT NULL, first_run INTEGER NOT NULL, last_changed TEXT NOT NULL,
    last_run INTEGER NOT NULL, fingerprint TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cases_order ON cases (gone, severity DESC, amount DESC, case_id);
CREATE TABLE IF NOT EXISTS case_findings (finding_id TEXT PRIMARY KEY, case_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS case_aliases (
    alias TEXT PRIMARY KEY, case_id TEXT NOT NULL, run_id INTEGER, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS case_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, from_status TEXT NOT NULL,
    to_status TEXT NOT NULL, comment TEXT NOT NULL, by_name TEXT NOT NULL, by_token INTEGER,
    at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS case_reviews_case ON case_reviews (case_id, id);
CREATE TABLE IF NOT EXISTS case_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, run_id INTEGER, at TEXT NOT NULL,
    kind TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS case_history_case ON case_history (case_id, id);
CREATE TABLE IF NOT EXISTS case_disposal_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, kind TEXT NOT NULL, stage TEXT NOT NULL,
    detail TEXT NOT NULL, state TEXT NOT NULL, by_name TEXT NOT NULL, by_token INTEGER, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS case_disposal_events_case ON case_disposal_events (case_id, id);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT, by_token INTEGER,
    by_name TEXT NOT NULL, checks TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL, current TEXT,
    done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL, run_id INTEGER, counts TEXT, error TEXT,
    seconds REAL, pid INTEGER);
"""


def state_dir(
    db: str | Path | None = None, neo4j: str | None = None, state: str | Path | None = None
) -> Path:
    """The state folder for a store named as on the command line (module docstring)."""
    if state:
        return Path(state)
    if neo4j:
        return Path("graphaudit-state")
    from graphaudit.store.base import DEFAULT_DB

    return Path(db or DEFAULT_DB) / "state"


def _migrate(c: sqlite3.Connection) -> None:
    """Columns added since the first state files: ``runs.data_version``.  (Tables added since, such as
    ``case_disposal_events``, are made by ``CREATE TABLE IF NOT EXISTS`` on every open.)"""
    cols = {r[1] for r in c.execute("PRAGMA table_info(runs)")}
    if "data_version" not in cols:
        c.execute("ALTER TABLE runs ADD COLUMN data_version TEXT")


class State:
    """The state database.  Each thread has its own connection (sqlite3 connections are not shared)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._local = threading.local()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self.connect() as c:
                c.execute("PRAGMA journal_mode=WAL")
                c.executescript(SCHEMA)
                _migrate(c)
        except (OSError, sqlite3.Error) as e:
            raise GraphAuditError(f"{self.folder}: cannot open the server's state folder ({e})") from e

    @property
    def file(self) -> Path:
        return self.folder / DB_FILE

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, in a transaction: committed on success, rolled back on error."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.file, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            # WAL with synchronous=NORMAL: a commit is safe against crashes of the server; only a power cut
            # can lose the last commits (fsync at checkpoints), and the file is never corrupted.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        with conn:
            yield conn

    def secret(self) -> bytes:
        """A random key made once per state folder (for opaque node references)."""
        with self.connect() as c:
            c.execute("INSERT OR IGNORE INTO settings VALUES ('secret', ?)", (secrets.token_hex(32),))
            row = c.execute("SELECT value FROM settings WHERE key = 'secret'").fetchone()
        return bytes.fromhex(row["value"])
