"""Schema migrations (issue 18, item 6): a store written before the migrations existed upgrades in place and
keeps its runs; the migrated schema is exactly the one the code's tables describe; an unknown schema is refused
with a clear message. On SQLite, and on PostgreSQL when WESTAUDIT_TEST_POSTGRES_URL names a server."""

from __future__ import annotations

import sqlite3
from importlib.resources import files

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, text

import westaudit.workspace.accounts  # noqa: F401 - the shared workspace's tables join the workspace metadata
import westaudit.workspace.audit_log  # noqa: F401
import westaudit.workspace.sessions  # noqa: F401
import westaudit.workspace.submissions  # noqa: F401
import westaudit.workspace.throttle  # noqa: F401
import westaudit.workspace.waivers  # noqa: F401
from shared_workspace import DATABASES, database
from westaudit.core.results import Status
from westaudit.history import migrations
from westaudit.history.store import Store, StoreError
from westaudit.history.store import metadata as store_metadata
from westaudit.workspace.records import CheckBook
from westaudit.workspace.records import metadata as workspace_metadata

# The schema of the store and the workspace's checks as westaudit wrote it before the migrations (commit
# aab94a3, issue 17), as SQLite printed it: the store every deployment has today
BEFORE_MIGRATIONS = """
CREATE TABLE runs (run_id INTEGER NOT NULL, state VARCHAR(16) NOT NULL, started_at VARCHAR(32) NOT NULL,
  finished_at VARCHAR(32), command VARCHAR(16) NOT NULL, package TEXT NOT NULL, submitting_office VARCHAR(64) NOT NULL,
  only_office VARCHAR(64), year INTEGER NOT NULL, ruleset_version VARCHAR(64) NOT NULL, PRIMARY KEY (run_id));
CREATE INDEX runs_by_office_year ON runs (submitting_office, year);
CREATE TABLE run_files (run_id INTEGER NOT NULL, name TEXT NOT NULL, sha256 VARCHAR(64) NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY (run_id, name), FOREIGN KEY(run_id) REFERENCES runs (run_id));
CREATE TABLE results (run_id INTEGER NOT NULL, ordinal INTEGER NOT NULL, rule_id VARCHAR(128) NOT NULL,
  office_id VARCHAR(64) NOT NULL, status VARCHAR(32) NOT NULL, measured TEXT NOT NULL, expected TEXT NOT NULL,
  message_zh TEXT NOT NULL, message_en TEXT NOT NULL, evidence_total INTEGER NOT NULL, incomplete_tables TEXT NOT NULL,
  PRIMARY KEY (run_id, ordinal), FOREIGN KEY(run_id) REFERENCES runs (run_id));
CREATE TABLE evidence (run_id INTEGER NOT NULL, result_ordinal INTEGER NOT NULL, ordinal INTEGER NOT NULL,
  table_name VARCHAR(64) NOT NULL, source_file TEXT NOT NULL, source_row INTEGER NOT NULL, "key" TEXT NOT NULL,
  row_values TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (run_id, result_ordinal, ordinal),
  FOREIGN KEY(run_id) REFERENCES runs (run_id));
CREATE TABLE standings (run_id INTEGER NOT NULL, rule_id VARCHAR(128) NOT NULL, office_id VARCHAR(64) NOT NULL,
  subject_id VARCHAR(64) NOT NULL, year INTEGER NOT NULL, score FLOAT NOT NULL, place_from_bottom INTEGER NOT NULL,
  last_ranked INTEGER NOT NULL, PRIMARY KEY (run_id, rule_id, office_id, subject_id),
  FOREIGN KEY(run_id) REFERENCES runs (run_id));
CREATE INDEX standings_by_rule_office_year ON standings (rule_id, office_id, year);
CREATE TABLE notices (run_id INTEGER NOT NULL, ordinal INTEGER NOT NULL, message_zh TEXT NOT NULL,
  message_en TEXT NOT NULL, PRIMARY KEY (run_id, ordinal), FOREIGN KEY(run_id) REFERENCES runs (run_id));
CREATE TABLE workspace_checks (check_id VARCHAR(32) NOT NULL, run_id INTEGER NOT NULL, office_id VARCHAR(64) NOT NULL,
  year INTEGER NOT NULL, created_at VARCHAR(32) NOT NULL, upload_kind VARCHAR(16) NOT NULL, upload_files TEXT NOT NULL,
  can_submit INTEGER NOT NULL, summary TEXT NOT NULL, previous_check_id VARCHAR(32), submission_file TEXT,
  submission_note TEXT, PRIMARY KEY (check_id));
CREATE INDEX workspace_checks_by_office_year ON workspace_checks (office_id, year);
INSERT INTO runs VALUES (1, 'complete', '2025-03-01T08:00:00+00:00', '2025-03-01T08:00:09+00:00', 'audit',
  '/data/west2025', 'N', NULL, 2025, 'b682e1d123b3');
INSERT INTO results VALUES (1, 0, 'county-01.agreement', 'GS-LZ-GL', 'fail', '0.5', '>= 1', '协议签订率 50%',
  'agreements signed: 50%', 0, '[]');
INSERT INTO workspace_checks VALUES ('0123456789abcdef01234567', 1, 'GS-LZ-GL', 2025, '2025-03-01T08:00:09+00:00',
  'xlsx', '["GS-LZ-GL-2025.xlsx"]', 0, '{"to_fix": 1}', NULL, NULL, NULL);
"""


def every_table() -> MetaData:
    combined = MetaData()
    for source in (store_metadata, workspace_metadata):
        for table in source.tables.values():
            table.to_metadata(combined)
    return combined


def test_head_is_the_last_migration():
    scripts = ScriptDirectory(str(files("westaudit.history.migrations")))
    assert scripts.get_current_head() == migrations.HEAD


def test_a_store_written_before_the_migrations_upgrades_in_place_and_keeps_its_runs(tmp_path):
    path = tmp_path / "audits.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(BEFORE_MIGRATIONS)
    store = Store.open(str(path), create=False)
    [run] = store.runs()
    assert (run.run_id, run.submitting_office, run.year, run.complete) == (1, "N", 2025, True)
    [result] = store.results_of(1)
    assert result.status is Status.FAIL and result.message_zh == "协议签订率 50%" and result.measured == 0.5
    assert CheckBook(store).get("0123456789abcdef01234567").office_id == "GS-LZ-GL"
    with store.engine.connect() as conn:
        assert migrations.current_revision(conn) == migrations.HEAD
        assert compare_metadata(MigrationContext.configure(conn), every_table()) == []
    # and it goes on being written: the next run after the kept one
    assert store.begin_run("check", "p", "GS-LZ-GL", None, 2025, "v") == 2
    store.engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_a_new_database_gets_exactly_the_schema_of_the_code(kind, tmp_path):
    with database(kind, tmp_path) as location:
        store = Store.open(location or str(tmp_path / "new.sqlite"))
        with store.engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.HEAD
            assert compare_metadata(MigrationContext.configure(conn), every_table()) == []
        Store.open(location or str(tmp_path / "new.sqlite")).engine.dispose()  # at the head: nothing to do
        store.engine.dispose()


def test_a_schema_from_a_newer_westaudit_is_refused_clearly(tmp_path):
    path = tmp_path / "audits.sqlite"
    Store.open(str(path)).engine.dispose()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer westaudit"):
        Store.open(str(path))
