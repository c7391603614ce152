"""The shared workspace under test: a database (SQLite always, PostgreSQL when WESTAUDIT_TEST_POSTGRES_URL names
a server), accounts of the sample's offices, logged-in test clients."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE
from westaudit.workspace.app import create_app
from westaudit.workspace.settings import Settings

POSTGRES_ENV = "WESTAUDIT_TEST_POSTGRES_URL"
PASSWORD = "correct horse battery"
COUNTY, SIBLING, PREFECTURE = "GS-LZ-GL", "GS-LZ-YZ", "GS-LZ"  # 皋兰县, 榆中县, 兰州市
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DATABASES = [pytest.param("sqlite", id="sqlite"),
             pytest.param("postgresql", id="postgresql", marks=pytest.mark.skipif(
                 not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set: no PostgreSQL server"))]


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str | None]:
    """A store location of its own: a SQLite file in `folder`, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield None  # the workspace's default, audits.sqlite in its data folder
        return
    from sqlalchemy import create_engine, text

    server = os.environ[POSTGRES_ENV]
    name = f"westaudit_test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def shared_settings(data_dir: Path, store: str | None) -> Settings:
    return Settings(data_dir=data_dir, store=store, hierarchy=SAMPLE, shared=True, cheap_password_hashing=True)


def client_of(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def login(client: TestClient, username: str, password: str = PASSWORD):
    form = client.get("/login")
    token = CSRF.search(form.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def csrf_of(client: TestClient) -> str:
    return CSRF.search(client.get("/").text).group(1)


__all__ = ["COUNTY", "DATABASES", "PASSWORD", "PREFECTURE", "SIBLING", "client_of", "create_app", "csrf_of",
           "database", "login", "shared_settings"]
