"""Background jobs of the shared workspace (issue 18 item 3): a consolidation, shared by every server process.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0007", "0006", None, None


def upgrade() -> None:
    op.create_table(
        "workspace_jobs",
        sa.Column("job_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("heartbeat_at", sa.String(32)),
        sa.Column("started_at", sa.String(32)),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("progress", sa.Text),
        sa.Column("run_id", sa.Integer),
        sa.Column("submission_ids", sa.Text),
        sa.Column("error_zh", sa.Text),
        sa.Column("error_en", sa.Text),
    )
    op.create_index("workspace_jobs_by_state", "workspace_jobs", ["state"])
    op.create_index("workspace_jobs_by_office", "workspace_jobs", ["office_id", "year"])


def downgrade() -> None:
    op.drop_index("workspace_jobs_by_office", table_name="workspace_jobs")
    op.drop_index("workspace_jobs_by_state", table_name="workspace_jobs")
    op.drop_table("workspace_jobs")
