"""Login throttling, in the shared database so that every server process counts the same failures.

Failed logins are counted over a sliding window, per account name and per client address: past the account's
limit that account cannot log in until the window has passed (even with the right password), past the address's
limit nothing can be tried from there. A successful login clears its account's count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Column, Float, Index, Integer, String, Table, delete, func, insert, select

from westaudit.history.store import Store
from westaudit.workspace.records import metadata

login_failures = Table(
    "workspace_login_failures", metadata,
    Column("failure_id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("username", String(64), nullable=False),
    Column("ip", String(64), nullable=False),
    Index("workspace_login_failures_by_name", "username", "at"),
    Index("workspace_login_failures_by_ip", "ip", "at"),
)


@dataclass(frozen=True)
class ThrottleLimits:
    window_seconds: float = 15 * 60
    per_account: int = 5
    per_ip: int = 30


class LoginThrottle:
    def __init__(self, store: Store, limits: ThrottleLimits | None = None) -> None:
        self.store, self.limits = store, limits or ThrottleLimits()

    def blocked(self, username: str, ip: str) -> bool:
        since = time.time() - self.limits.window_seconds

        def count(clause) -> int:
            with self.store.engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(login_failures)
                                        .where(clause, login_failures.c.at > since)).scalar_one())
        by_name = self.store.retrying(lambda: count(login_failures.c.username == username[:64]))
        by_ip = self.store.retrying(lambda: count(login_failures.c.ip == ip[:64]))
        return by_name >= self.limits.per_account or by_ip >= self.limits.per_ip

    def failed(self, username: str, ip: str) -> None:
        now = time.time()

        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(login_failures).where(login_failures.c.at < now - self.limits.window_seconds))
                conn.execute(insert(login_failures).values(at=now, username=username[:64], ip=ip[:64]))
        self.store.retrying(work)

    def succeeded(self, username: str) -> None:
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(delete(login_failures).where(login_failures.c.username == username[:64]))
        self.store.retrying(work)
