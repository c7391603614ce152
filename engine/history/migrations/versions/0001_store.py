"""The audit store as it was before migrations (issue 17): runs and what each run recorded.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0001", None, None, None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def _run_id():
    return sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.run_id"), primary_key=True)


def upgrade() -> None:
    if _missing("runs"):
        op.create_table(
            "runs",
            sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("started_at", sa.String(32), nullable=False),
            sa.Column("finished_at", sa.String(32)),
            sa.Column("command", sa.String(16), nullable=False),
            sa.Column("package", sa.Text, nullable=False),
            sa.Column("submitting_office", sa.String(64), nullable=False),
            sa.Column("only_office", sa.String(64)),
            sa.Column("year", sa.Integer, nullable=False),
            sa.Column("ruleset_version", sa.String(64), nullable=False),
        )
        op.create_index("runs_by_office_year", "runs", ["submitting_office", "year"])
    if _missing("run_files"):
        op.create_table(
            "run_files", _run_id(),
            sa.Column("name", sa.Text, primary_key=True),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("size", sa.Integer, nullable=False),
        )
    if _missing("results"):
        op.create_table(
            "results", _run_id(),
            sa.Column("ordinal", sa.Integer, primary_key=True),
            sa.Column("rule_id", sa.String(128), nullable=False),
            sa.Column("office_id", sa.String(64), nullable=False),
            sa.Column("status", sa.String(32), nullable=False),
            sa.Column("measured", sa.Text, nullable=False),
            sa.Column("expected", sa.Text, nullable=False),
            sa.Column("message_zh", sa.Text, nullable=False),
            sa.Column("message_en", sa.Text, nullable=False),
            sa.Column("evidence_total", sa.Integer, nullable=False),
            sa.Column("incomplete_tables", sa.Text, nullable=False),
        )
    if _missing("evidence"):
        op.create_table(
            "evidence", _run_id(),
            sa.Column("result_ordinal", sa.Integer, primary_key=True),
            sa.Column("ordinal", sa.Integer, primary_key=True),
            sa.Column("table_name", sa.String(64), nullable=False),
            sa.Column("source_file", sa.Text, nullable=False),
            sa.Column("source_row", sa.Integer, nullable=False),
            sa.Column("key", sa.Text, nullable=False),
            sa.Column("row_values", sa.Text, nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
        )
    if _missing("standings"):
        op.create_table(
            "standings", _run_id(),
            sa.Column("rule_id", sa.String(128), primary_key=True),
            sa.Column("office_id", sa.String(64), primary_key=True),
            sa.Column("subject_id", sa.String(64), primary_key=True),
            sa.Column("year", sa.Integer, nullable=False),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("place_from_bottom", sa.Integer, nullable=False),
            sa.Column("last_ranked", sa.Integer, nullable=False),
        )
        op.create_index("standings_by_rule_office_year", "standings", ["rule_id", "office_id", "year"])
    if _missing("notices"):
        op.create_table(
            "notices", _run_id(),
            sa.Column("ordinal", sa.Integer, primary_key=True),
            sa.Column("message_zh", sa.Text, nullable=False),
            sa.Column("message_en", sa.Text, nullable=False),
        )


def downgrade() -> None:
    for name in ("notices", "standings", "evidence", "results", "run_files", "runs"):
        op.drop_table(name)
