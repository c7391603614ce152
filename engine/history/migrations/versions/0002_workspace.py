"""The workspace's checks (issue 17): one row per upload that was checked.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("workspace_checks"):
        return  # created before the migrations existed, by part 1's CheckBook
    op.create_table(
        "workspace_checks",
        sa.Column("check_id", sa.String(32), primary_key=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("upload_kind", sa.String(16), nullable=False),
        sa.Column("upload_files", sa.Text, nullable=False),
        sa.Column("can_submit", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("previous_check_id", sa.String(32)),
        sa.Column("submission_file", sa.Text),
        sa.Column("submission_note", sa.Text),
    )
    op.create_index("workspace_checks_by_office_year", "workspace_checks", ["office_id", "year"])


def downgrade() -> None:
    op.drop_table("workspace_checks")
