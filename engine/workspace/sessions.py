"""Server-side sessions of the shared workspace: the browser holds a random token, the database its SHA-256.

A session row is created at each login (a new token: a token planted before login is never the one that logs
in, so there is no session fixation) and deleted at logout. Each session carries its own CSRF token, which
every form of the pages sends back and every POST compares (synchronizer token). Being rows of the shared
database, sessions hold across server processes and restarts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, String, Table, delete, insert, select

from westaudit.history.store import Store
from westaudit.workspace.records import metadata

COOKIE = "westaudit_session"
# a working day and a bit: an official logs in in the morning and is asked again the next day
LIFETIME = dt.timedelta(hours=12)

sessions = Table(
    "workspace_sessions", metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("account_id", Integer, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("ip", String(64)),
    Index("workspace_sessions_by_account", "account_id"),
)


@dataclass(frozen=True)
class Session:
    account_id: int
    csrf_token: str
    created_at: str

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf_token.encode(), str(sent).encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class SessionBook:
    def __init__(self, store: Store) -> None:
        self.store = store

    def open(self, account_id: int, ip: str | None) -> str:
        """A new session; returns the token for the cookie (only its digest is stored)."""
        token, started = secrets.token_urlsafe(32), _utc_now()
        row = {"token_sha256": _digest(token), "account_id": account_id, "csrf_token": secrets.token_urlsafe(32),
               "created_at": started.isoformat(), "expires_at": (started + LIFETIME).isoformat(), "ip": ip}

        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.expires_at < started.isoformat()))
                conn.execute(insert(sessions).values(row))
        self.store.retrying(work)
        return token

    def get(self, token: str | None) -> Session | None:
        if not token or len(token) > 128:
            return None

        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(select(sessions).where(sessions.c.token_sha256 == _digest(token))).first()
        row = self.store.retrying(work)
        if row is None or row.expires_at < _utc_now().isoformat():
            return None
        return Session(row.account_id, row.csrf_token, row.created_at)

    def close(self, token: str | None) -> None:
        if not token:
            return

        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.token_sha256 == _digest(token)))
        self.store.retrying(work)

    def close_all_of(self, account_id: int) -> None:
        """A disabled account is logged out everywhere at once."""
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.account_id == account_id))
        self.store.retrying(work)
