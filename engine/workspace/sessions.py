"""Where the workspace's sessions live: starsessions' server-side sessions, kept in the workspace's database.

starsessions (a well-kept Starlette extension) does the session itself: the random session id in an HttpOnly
cookie, loading and saving per request, a new id at login (engine/workspace/shared.py), the cookie cleared at
logout. This module is only its store, a table of the audit store's database, so that sessions hold across
server processes behind one PostgreSQL and across restarts. A row is keyed by the SHA-256 of the session id,
never the id itself: a copy of the database opens no session. The row also names the session's account, so
that disabling an account ends its sessions everywhere at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import Column, Index, Integer, String, Table, Text, delete, insert, select, update
from starlette.concurrency import run_in_threadpool
from starsessions.stores import SessionStore

from westaudit.history.store import Store
from westaudit.workspace.records import metadata

COOKIE = "westaudit_session"

sessions = Table(
    "workspace_sessions", metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("account_id", Integer),
    Column("data", Text, nullable=False),
    Column("expires_at", String(32), nullable=False),
    Index("workspace_sessions_by_account", "account_id"),
)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _account_of(data: bytes) -> int | None:
    try:
        account = json.loads(data).get("account_id")
    except (ValueError, AttributeError):
        return None
    return account if isinstance(account, int) else None


class DatabaseSessionStore(SessionStore):
    """starsessions' store interface over the workspace_sessions table (the database calls run off the loop)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def read(self, session_id: str, lifetime: int) -> bytes:
        return await run_in_threadpool(self._read, session_id)

    async def write(self, session_id: str, data: bytes, lifetime: int, ttl: int) -> str:
        await run_in_threadpool(self._write, session_id, data, ttl or lifetime)
        return session_id

    async def remove(self, session_id: str) -> None:
        await run_in_threadpool(self._remove, session_id)

    def _read(self, session_id: str) -> bytes:
        if not session_id or len(session_id) > 128:
            return b""

        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(select(sessions).where(sessions.c.id_sha256 == _digest(session_id))).first()
        row = self.store.retrying(work)
        if row is None or row.expires_at < _utc_now().isoformat():
            return b""
        return row.data.encode()

    def _write(self, session_id: str, data: bytes, seconds: int) -> None:
        now = _utc_now()
        values = {"account_id": _account_of(data), "data": data.decode(),
                  "expires_at": (now + dt.timedelta(seconds=max(seconds, 1))).isoformat()}
        key = _digest(session_id)

        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.expires_at < now.isoformat()))
                changed = conn.execute(update(sessions).where(sessions.c.id_sha256 == key).values(values)).rowcount
                if not changed:
                    conn.execute(insert(sessions).values(id_sha256=key, **values))
        self.store.retrying(work)

    def _remove(self, session_id: str) -> None:
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.id_sha256 == _digest(session_id)))
        self.store.retrying(work)

    def close_all_of(self, account_id: int) -> None:
        """A disabled account is logged out everywhere at once."""
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.account_id == account_id))
        self.store.retrying(work)
