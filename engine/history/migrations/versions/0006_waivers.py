"""Waivers of the shared workspace (issue 18, item 4): requested by an office, decided by a reviewer above it.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0006", "0005", None, None


def upgrade() -> None:
    op.create_table(
        "workspace_waivers",
        sa.Column("waiver_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rule_id", sa.String(128), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("expires_on", sa.String(10), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.String(32), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requester_office", sa.String(64), nullable=False),
        sa.Column("check_id", sa.String(32)),
        sa.Column("decided_at", sa.String(32)),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decider_office", sa.String(64)),
        sa.Column("approved_on", sa.String(10)),
        sa.Column("decision_comment", sa.Text),
        sa.Column("source", sa.Text),
    )
    op.create_index("workspace_waivers_by_office", "workspace_waivers", ["office_id", "state"])
    op.create_index("workspace_waivers_by_requester", "workspace_waivers", ["requester_office", "state"])


def downgrade() -> None:
    op.drop_table("workspace_waivers")
