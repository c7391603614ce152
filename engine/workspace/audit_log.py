"""The shared workspace's audit log: who logged in, uploaded, submitted, downloaded, added or disabled what, when.

Rows are only ever added. A target is a check id, a file name or an account name, never file contents; the
texts are masked like every store text (no ID or phone number whole).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, String, Table, Text, insert, select

from westaudit.core.personal_numbers import mask_text
from westaudit.history.store import Store
from westaudit.workspace.records import metadata, now

ACTIONS_ZH = {
    "login": "登录", "login_failed": "登录失败", "login_throttled": "登录被限制", "logout": "退出",
    "upload": "上传自查", "submission": "报送", "submission_returned": "退回报送", "download": "下载",
    "account_added": "新增账号", "account_disabled": "停用账号",
    "waiver_requested": "申请豁免", "waiver_approved": "批准豁免", "waiver_refused": "拒绝豁免",
}

audit_log = Table(
    "workspace_audit_log", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("username", String(64), nullable=False),
    Column("office_id", String(64)),
    Column("action", String(32), nullable=False),
    Column("target", Text, nullable=False),
    Column("ip", String(64)),
    Index("workspace_audit_log_by_office", "office_id", "at"),
)


@dataclass(frozen=True)
class LogEntry:
    at: str
    username: str
    office_id: str | None
    action: str
    target: str
    ip: str | None

    @property
    def action_zh(self) -> str:
        return ACTIONS_ZH.get(self.action, self.action)


class AuditLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, username: str, office_id: str | None, action: str, target: str = "", ip: str | None = None) -> None:
        row = {"at": now(), "username": mask_text(username[:64]), "office_id": office_id, "action": action,
               "target": mask_text(target[:500]), "ip": ip}

        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(insert(audit_log).values(row))
        self.store.retrying(work)

    def entries(self, offices: set[str] | None = None, limit: int = 200) -> list[LogEntry]:
        """The latest entries, newest first; with `offices`, those of accounts of these offices."""
        query = select(audit_log).order_by(audit_log.c.entry_id.desc()).limit(limit)
        if offices is not None:
            query = query.where(audit_log.c.office_id.in_(sorted(offices)))

        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(query).all()
        return [LogEntry(r.at, r.username, r.office_id, r.action, r.target, r.ip) for r in self.store.retrying(work)]
