"""The schema of the store and the workspace as Alembic migrations, run in place when a store is opened.

    versions/0001_store.py       the audit store's tables (runs, results, evidence, standings, notices, files)
    versions/0002_workspace.py   the workspace's checks (issue 17)
    versions/0003_accounts.py    the shared workspace's accounts, sessions, login failures and audit log
    versions/0004_submissions.py the shared workspace's submissions
    versions/0005_sessions.py    its sessions as starsessions' store (the hand-written sessions' table dropped)
    versions/0006_waivers.py     the shared workspace's waivers: requested, approved or refused
    versions/0007_jobs.py        its background jobs (a supervisor's consolidation)
    versions/0008_measured_values.py each run's distinct measured values, referred to by its results

A database already holding some of these tables from before the migrations existed (today's stores) is adopted:
each migration creates only the tables missing, so the first upgrade keeps every run. A database at HEAD is
recognised by one query, so opening a store costs nothing more than before.
"""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import Connection, inspect, text

HEAD = "0008"
VERSION_TABLE = "alembic_version"


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(connection: Connection, target: str = "head") -> None:
    """Bring the database of `connection` (in a transaction the caller commits) to `target`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("westaudit.history.migrations")))
    config.attributes["connection"] = connection
    command.upgrade(config, target)
