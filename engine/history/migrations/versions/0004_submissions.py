"""Submissions of the shared workspace (issue 18, item 2): each kept, superseded by a later one, returnable.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None


def upgrade() -> None:
    op.create_table(
        "workspace_submissions",
        sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("check_id", sa.String(32), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("stored_as", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("submitted_at", sa.String(32), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("returned_at", sa.String(32)),
        sa.Column("returned_by", sa.String(64)),
        sa.Column("return_comment", sa.Text),
    )
    op.create_index("workspace_submissions_by_office_year", "workspace_submissions", ["office_id", "year"])


def downgrade() -> None:
    op.drop_table("workspace_submissions")
