"""Alembic's entry: migrate the connection the store hands over (engine/history/migrations/__init__.py)."""

from alembic import context
from sqlalchemy import text

connection = context.config.attributes["connection"]
if connection.dialect.name == "postgresql":
    # two server processes starting at once: the second waits here, then finds the schema at its head
    connection.execute(text("SELECT pg_advisory_xact_lock(7015182018)"))
context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
