"""The shared workspace (issue 18): accounts, server-side sessions, login failures, the audit log.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0003", "0002", None, None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("workspace_accounts"):
        op.create_table(
            "workspace_accounts",
            sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("username", sa.String(64), nullable=False, unique=True),
            sa.Column("office_id", sa.String(64), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("password_hash", sa.Text, nullable=False),
            sa.Column("disabled", sa.Integer, nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("created_by", sa.String(64)),
        )
    if _missing("workspace_sessions"):
        op.create_table(
            "workspace_sessions",
            sa.Column("token_sha256", sa.String(64), primary_key=True),
            sa.Column("account_id", sa.Integer, nullable=False),
            sa.Column("csrf_token", sa.String(64), nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("expires_at", sa.String(32), nullable=False),
            sa.Column("ip", sa.String(64)),
        )
        op.create_index("workspace_sessions_by_account", "workspace_sessions", ["account_id"])
    if _missing("workspace_login_failures"):
        op.create_table(
            "workspace_login_failures",
            sa.Column("failure_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", sa.Float, nullable=False),
            sa.Column("username", sa.String(64), nullable=False),
            sa.Column("ip", sa.String(64), nullable=False),
        )
        op.create_index("workspace_login_failures_by_name", "workspace_login_failures", ["username", "at"])
        op.create_index("workspace_login_failures_by_ip", "workspace_login_failures", ["ip", "at"])
    if _missing("workspace_audit_log"):
        op.create_table(
            "workspace_audit_log",
            sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("at", sa.String(32), nullable=False),
            sa.Column("username", sa.String(64), nullable=False),
            sa.Column("office_id", sa.String(64)),
            sa.Column("action", sa.String(32), nullable=False),
            sa.Column("target", sa.Text, nullable=False),
            sa.Column("ip", sa.String(64)),
        )
        op.create_index("workspace_audit_log_by_office", "workspace_audit_log", ["office_id", "at"])


def downgrade() -> None:
    for name in ("workspace_audit_log", "workspace_login_failures", "workspace_sessions", "workspace_accounts"):
        op.drop_table(name)
