"""The shared workspace's accounts (issue 18, item 1): the CLI, login and logout, sessions, throttling, the 管理
page, the audit log. The permission test over every route is tests/test_workspace_permissions.py."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from shared_workspace import (
    COUNTY,
    DATABASES,
    PASSWORD,
    PREFECTURE,
    SIBLING,
    client_of,
    create_app,
    csrf_of,
    database,
    login,
    shared_settings,
)
from westaudit.cli import main
from westaudit.workspace.accounts import accounts
from westaudit.workspace.sessions import COOKIE, sessions


@pytest.fixture(scope="module", params=DATABASES)
def app(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"shared-{request.param}") / "data"
    with database(request.param, data_dir.parent) as store:
        application = create_app(shared_settings(data_dir, store))
        desk = application.state.desk
        desk.accounts.add("gl-manage", COUNTY, "管理", PASSWORD)
        desk.accounts.add("gl-fill", COUNTY, "填报", PASSWORD)
        desk.accounts.add("lz-manage", PREFECTURE, "manage", PASSWORD)
        desk.accounts.add("throttled", COUNTY, "填报", PASSWORD)
        with client_of(application):
            yield application
        application.state.workspace.store.engine.dispose()


@pytest.fixture
def client(app):
    with client_of(app) as fresh:
        yield fresh


def test_every_page_but_the_login_needs_a_session(client):
    answer = client.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/"
    assert client.post("/checks").status_code == 401
    assert client.get("/login").status_code == 200 and client.get("/healthz").status_code == 200


def test_passwords_are_stored_as_argon2id_hashes(app):
    with app.state.workspace.store.engine.connect() as conn:
        stored = conn.execute(select(accounts.c.password_hash).where(accounts.c.username == "gl-fill")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_opens_a_new_session_and_shows_who_is_logged_in(client):
    client.cookies.set(COOKIE, "planted-by-an-attacker", domain="testserver.local")
    answer = login(client, "gl-fill")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    token = client.cookies.get(COOKIE)
    assert token and token != "planted-by-an-attacker"
    page = client.get("/")
    assert page.status_code == 200 and "gl-fill · GS-LZ-GL · 填报" in page.text


def test_a_second_login_rotates_the_session_and_the_old_token_is_dead(app, client):
    login(client, "gl-fill")
    first = client.cookies.get(COOKIE)
    login(client, "gl-fill")
    second = client.cookies.get(COOKIE)
    assert first != second
    with client_of(app) as other:
        other.cookies.set(COOKIE, first, domain="testserver.local")
        assert other.get("/").status_code == 303  # back to the login page


def test_the_store_holds_no_session_token_itself(app, client):
    login(client, "gl-fill")
    token = client.cookies.get(COOKIE)
    with app.state.workspace.store.engine.connect() as conn:
        stored = [row.id_sha256 for row in conn.execute(select(sessions))]
    assert stored and token not in stored


def test_a_session_holds_across_server_processes_sharing_the_database(app, client):
    """A second app on the same database and data folder (another server process behind the proxy): the session
    and its form token work there too, so a POST answered by either process is accepted."""
    login(client, "gl-fill")
    token = csrf_of(client)
    other_app = create_app(app.state.workspace.settings)
    try:
        with client_of(other_app) as other:
            other.cookies.set(COOKIE, client.cookies.get(COOKIE), domain="testserver.local")
            assert "gl-fill · GS-LZ-GL" in other.get("/").text
            answer = other.post("/logout", data={"csrf_token": token})
            assert answer.status_code == 303
        assert client.get("/").status_code == 303  # logged out in the first process too
    finally:
        other_app.state.workspace.store.engine.dispose()


def test_logout_ends_the_session_and_needs_its_token(app, client):
    login(client, "gl-fill")
    token = client.cookies.get(COOKIE)
    assert client.post("/logout", data={}).status_code == 403  # no CSRF token: refused, still logged in
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    with client_of(app) as other:
        other.cookies.set(COOKIE, token, domain="testserver.local")
        assert other.get("/").status_code == 303


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    wrong = login(client, "gl-fill", "not the password")
    unknown = login(client, "nobody-at-all", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "账号或密码不正确" in wrong.text and "账号或密码不正确" in unknown.text
    assert client.get("/").status_code == 303  # the visitor's session holds no account: to the login page


def test_login_without_its_form_token_is_refused(client):
    answer = client.post("/login", data={"username": "gl-fill", "password": PASSWORD})
    assert answer.status_code == 403 and "安全令牌" in answer.text
    assert client.get("/").status_code == 303


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    for _ in range(5):
        assert login(client, "throttled", "wrong password!").status_code == 401
    locked = login(client, "throttled")
    assert locked.status_code == 429 and "15 分钟" in locked.text
    assert login(client, "gl-fill").status_code == 303  # another account is not locked by it


def test_the_throttle_is_shared_through_the_database(app):
    # a second app on the same database (another server process) counts the same failures
    desk = app.state.desk
    for _ in range(5):
        desk.throttle.failed("shared-count", "198.51.100.7")
    assert desk.throttle.blocked("shared-count", "203.0.113.1")
    assert desk.throttle.blocked("anyone", "198.51.100.7") is False


def test_a_manager_adds_an_account_of_its_subtree_only(client):
    login(client, "lz-manage")
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and "gl-fill" in page.text
    token = csrf_of(client)
    added = client.post("/admin/accounts", data={"csrf_token": token, "username": "yz-submit", "office": SIBLING,
                                                  "role": "submit", "password": PASSWORD})
    assert added.status_code == 303
    assert "yz-submit" in client.get("/admin/accounts").text
    outside = client.post("/admin/accounts", data={"csrf_token": token, "username": "gs-x", "office": "GS",
                                                    "role": "fill", "password": PASSWORD})
    assert outside.status_code == 422 and "不在本级及下级机构中" in outside.text
    short = client.post("/admin/accounts", data={"csrf_token": token, "username": "yz-y", "office": SIBLING,
                                                  "role": "fill", "password": "short"})
    assert short.status_code == 422 and "密码太短" in short.text


def test_a_county_manager_sees_no_account_above_it(client):
    login(client, "gl-manage")
    page = client.get("/admin/accounts")
    assert page.status_code == 200 and "gl-fill" in page.text and "lz-manage" not in page.text


def test_a_fill_account_cannot_manage(client):
    login(client, "gl-fill")
    assert client.get("/admin/accounts").status_code == 403


def test_a_disabled_account_is_logged_out_and_cannot_log_in(app, client):
    app.state.desk.accounts.add("to-disable", COUNTY, "fill", PASSWORD)
    with client_of(app) as victim:
        login(victim, "to-disable")
        assert victim.get("/").status_code == 200
        login(client, "gl-manage")
        target = app.state.desk.accounts.by_name("to-disable").account_id
        answer = client.post(f"/admin/accounts/{target}/disable", data={"csrf_token": csrf_of(client)})
        assert answer.status_code == 303
        assert victim.get("/").status_code == 303
        assert login(victim, "to-disable").status_code == 401


def test_the_audit_log_records_logins_and_account_changes(app, client):
    login(client, "gl-manage")
    log = app.state.desk.log.entries({COUNTY})
    actions = {(e.username, e.action) for e in log}
    assert ("gl-manage", "login") in actions and ("gl-manage", "account_disabled") in actions
    assert "登录" in client.get("/admin/accounts").text


def test_an_account_name_with_markup_is_shown_escaped(client):
    login(client, "lz-manage")
    name = "<b>x</b>"
    client.post("/admin/accounts", data={"csrf_token": csrf_of(client), "username": name, "office": COUNTY,
                                         "role": "fill", "password": PASSWORD})
    page = client.get("/admin/accounts").text
    assert "&lt;b&gt;x&lt;/b&gt;" in page and name not in page
    failed = login(client, "<script>alert(1)</script>", "nope nope nope")
    assert "<script>alert(1)" not in failed.text


def test_the_accounts_command_adds_lists_and_disables(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["accounts", "add", "county-admin", "--office", COUNTY, "--role", "管理", "--data", str(data),
                 "--offices", str(__import__("conftest").SAMPLE), "--password-stdin"]) == 0
    assert main(["accounts", "list", "--data", str(data)]) == 0
    assert "county-admin" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["accounts", "add", "county-admin", "--office", COUNTY, "--role", "fill", "--data", str(data),
                 "--password-stdin"]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["accounts", "add", "x", "--office", COUNTY, "--role", "boss", "--data", str(data),
                 "--password-stdin"]) == 2
    assert "角色 boss 不存在" in capsys.readouterr().err
    assert main(["accounts", "disable", "county-admin", "--data", str(data)]) == 0
    assert main(["accounts", "list", "--data", str(data)]) == 0
    assert "已停用" in capsys.readouterr().out


def test_serve_shared_needs_the_hierarchy(tmp_path, capsys):
    assert main(["serve", "--shared", "--data", str(tmp_path / "data")]) == 2
    assert "--shared needs --offices" in capsys.readouterr().err


def test_serve_shared_sets_secure_cookies_unless_told_otherwise(tmp_path):
    from westaudit.cli import build_parser
    from westaudit.commands.serve import settings_of

    args = ["serve", "--shared", "--offices", str(tmp_path), "--database", "sqlite-file", "--data", str(tmp_path)]
    settings = settings_of(build_parser().parse_args(args))
    assert settings.shared and settings.secure_cookies and settings.store == "sqlite-file"
    assert not settings_of(build_parser().parse_args([*args, "--insecure-cookies"])).secure_cookies
    local = settings_of(build_parser().parse_args(["serve", "--data", str(tmp_path)]))
    assert not local.shared and local.host == "127.0.0.1"
