"""The shared workspace's login, logout and account pages, and the guard every route passes first.

    GET  /login                          the login form (its CSRF token bound to the visitor's session)
    POST /login                          form username, password: a new session id, 303 to /
    POST /logout                         the session deleted, the cookie cleared
    GET  /admin/accounts                 管理: the accounts of the subtree, the form to add one, the audit log
    POST /admin/accounts                 管理: add an account (username, office, role, password)
    POST /admin/accounts/{id}/disable    管理: disable an account of the subtree, logging it out everywhere

In the single-user mode none of these exist and the guard lets every request through as the local viewer.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starsessions import get_session_id, load_session, regenerate_session_id

from westaudit.workspace.accounts import ROLES, AccountBook, AccountRefused, cheap_hasher_for_tests
from westaudit.workspace.audit_log import AuditLog
from westaudit.workspace.csrf import checked_fields, require_csrf
from westaudit.workspace.permissions import (
    LOCAL,
    LoginRequired,
    NotVisible,
    Refused,
    Viewer,
    require,
    viewer_of,
)
from westaudit.workspace.sessions import DatabaseSessionStore
from westaudit.workspace.submissions import SubmissionBook
from westaudit.workspace.throttle import LoginThrottle

# reachable without a session: the login form itself, the styles it needs, the liveness probe
OPEN_PATHS = ("/login", "/healthz")
OPEN_PREFIXES = ("/static/",)
FORM_LIMITS = {"max_files": 0, "max_fields": 10, "max_part_size": 4096}


class SharedDesk:
    """The accounts, sessions, login throttle and audit log of one shared workspace, in its database."""

    def __init__(self, workspace, settings) -> None:
        store = workspace.store
        self.workspace, self.settings = workspace, settings
        self.accounts = AccountBook(store, cheap_hasher_for_tests() if settings.cheap_password_hashing else None)
        self.sessions = DatabaseSessionStore(store)
        self.throttle = LoginThrottle(store)
        self.log = AuditLog(store)
        self.submissions = SubmissionBook(store, settings.data_dir)

    def viewer(self, request: Request) -> Viewer:
        account_id = request.session.get("account_id")
        account = self.accounts.get(account_id) if isinstance(account_id, int) else None
        if account is None or account.disabled:
            raise LoginRequired
        return viewer_of(account, self.workspace.parents)

    def record(self, request: Request, action: str, target: str = "") -> None:
        viewer: Viewer = request.state.viewer
        if viewer.shared:
            self.log.record(viewer.username, viewer.office_id, action, target, client_ip(request))


def client_ip(request: Request) -> str:
    # behind the reverse proxy this is the proxy's address unless uvicorn is told to trust its headers
    # (--forwarded-allow-ips, docs/workspace.md): then it is the client's own
    return request.client.host if request.client else "unknown"


def guard_of(desk: SharedDesk | None):
    """The dependency every route of the app runs first: who is asking (request.state.viewer)."""

    async def guard(request: Request) -> None:
        await load_session(request)
        if desk is None:
            request.state.viewer = LOCAL
            return
        path = request.url.path
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            request.state.viewer = Viewer("", None, frozenset(), frozenset())
            return
        request.state.viewer = desk.viewer(request)
    return guard


def add_shared_routes(app: FastAPI, desk: SharedDesk, page) -> None:
    workspace = desk.workspace

    def login_page(request: Request, status: int = 200, error: str | None = None, username: str = "",
                   next_path: str = "/") -> Response:
        return page(request, "login.html.j2", status, error=error, username=username, next_path=next_path)

    @app.get("/login")
    def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
        return login_page(request, next_path=_local_path(next))

    @app.post("/login")
    async def login(request: Request) -> Response:
        async with request.form(**FORM_LIMITS) as form:
            username = str(form.get("username") or "").strip()[:64]
            password = str(form.get("password") or "")
            next_path = _local_path(str(form.get("next") or "/"))
            try:
                require_csrf(request, form)
            except Refused:
                return login_page(request, 403, "登录表单已过期（缺少安全令牌）：请重新输入账号和密码", username,
                                  next_path)
        ip = client_ip(request)
        if desk.throttle.blocked(username, ip):
            desk.log.record(username, None, "login_throttled", "", ip)
            return login_page(request, 429, "登录失败次数过多，请 15 分钟后再试（或请本级管理员重置）", username, next_path)
        account = desk.accounts.verify(username, password)
        if account is None:
            desk.throttle.failed(username, ip)
            desk.log.record(username, None, "login_failed", "", ip)
            return login_page(request, 401, "账号或密码不正确，或账号已停用", username, next_path)
        desk.throttle.succeeded(username)
        # a new session id at every login, whatever cookie came with the request (no session fixation), and a
        # new CSRF value with it: nothing of the session before login is carried over
        if get_session_id(request):
            await desk.sessions.remove(get_session_id(request))
        regenerate_session_id(request)
        request.session.clear()
        request.session["account_id"] = account.account_id
        desk.log.record(account.username, account.office_id, "login", "", ip)
        return RedirectResponse(next_path, status_code=303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await checked_fields(request, FORM_LIMITS)
        desk.record(request, "logout")
        request.session.clear()  # starsessions then deletes the stored session and clears the cookie
        return RedirectResponse("/login", status_code=303)

    def accounts_page(request: Request, status: int = 200, error: AccountRefused | None = None) -> Response:
        viewer: Viewer = request.state.viewer
        require(viewer, "manage")
        offices = {o: workspace.offices.get(o, "") for o in sorted(viewer.offices or ())}
        return page(request, "accounts.html.j2", status, accounts=desk.accounts.listed(set(viewer.offices or ())),
                    log=desk.log.entries(set(viewer.offices or ()), limit=100), roles=ROLES, offices=offices,
                    error=error)

    @app.get("/admin/accounts")
    def account_list(request: Request) -> Response:
        return accounts_page(request)

    @app.post("/admin/accounts")
    async def add_account(request: Request) -> Response:
        viewer: Viewer = request.state.viewer
        require(viewer, "manage")
        fields = await checked_fields(request, FORM_LIMITS, "username", "office", "role", "password")
        if not viewer.sees(fields["office"].strip()):
            return accounts_page(request, 422, AccountRefused(
                f"机构 {fields['office']} 不在本级及下级机构中", f"office {fields['office']!r} is not in your subtree"))
        try:
            account = desk.accounts.add(fields["username"], fields["office"].strip(), fields["role"],
                                        fields["password"], created_by=viewer.username)
        except AccountRefused as refused:
            return accounts_page(request, 422, refused)
        desk.record(request, "account_added", f"{account.username} {account.office_id} {account.role_zh}")
        return RedirectResponse("/admin/accounts", status_code=303)

    @app.post("/admin/accounts/{account_id}/disable")
    async def disable_account(request: Request, account_id: int) -> Response:
        viewer: Viewer = request.state.viewer
        require(viewer, "manage")
        await checked_fields(request, FORM_LIMITS)
        account = desk.accounts.get(account_id)
        if account is None or not viewer.sees(account.office_id):
            raise NotVisible
        desk.accounts.set_disabled(account_id)
        desk.sessions.close_all_of(account_id)
        desk.record(request, "account_disabled", account.username)
        return RedirectResponse("/admin/accounts", status_code=303)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(_local_path(request.url.path))}", status_code=303)
        return page(request, "missing.html.j2", 401, reason="请先登录 please log in")


def _local_path(path: str) -> str:
    """Where to go after login: a path of this site only (never //host or a scheme: no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"
