"""The shared workspace's sessions become starsessions' server-side sessions (engine/workspace/sessions.py).

The old table held the sessions of the hand-written session code; its rows are dropped with it, so every
account logs in once more after the upgrade (a session is a login, not data).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("workspace_sessions"):
        op.drop_index("workspace_sessions_by_account", table_name="workspace_sessions")
        op.drop_table("workspace_sessions")
    op.create_table(
        "workspace_sessions",
        sa.Column("id_sha256", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
    )
    op.create_index("workspace_sessions_by_account", "workspace_sessions", ["account_id"])


def downgrade() -> None:
    op.drop_index("workspace_sessions_by_account", table_name="workspace_sessions")
    op.drop_table("workspace_sessions")
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
