"""Each run's distinct measured values in a table of their own, referred to by the results (issue 16 item 9).

A national run's 377,446 results hold 54,129 distinct measured values (a rule's parameters with their bases and
its remediation repeat in every result): stored once each, a run takes 150 MB less and is written and read in
a fraction of the time. Results stored before keep their value in `results.measured` (measured_id NULL).

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0008", "0007", None, None


def upgrade() -> None:
    op.create_table(
        "measured_values",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), primary_key=True),
        sa.Column("measured_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.add_column("results", sa.Column("measured_id", sa.Integer))


def downgrade() -> None:
    op.drop_column("results", "measured_id")
    op.drop_table("measured_values")
