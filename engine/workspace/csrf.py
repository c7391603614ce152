"""CSRF protection of every form: WTForms' SessionCSRF, bound to the visitor's server-side session.

WTForms (well kept, used by Flask-WTF) makes and checks the token: a random value kept in the session, and
in the form an HMAC of it with an expiry time, keyed by the workspace's secret. Every POST of the workspace,
the login form included, and in the single-user mode too (any web page the official has open could otherwise
post to 127.0.0.1), is refused without a valid token (403). The secret is shared by every server process of
one workspace: $WESTAUDIT_WORKSPACE_SECRET, else a file made once in the data folder.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from starlette.requests import Request
from wtforms import Form
from wtforms.csrf.session import SessionCSRF

from westaudit.workspace.permissions import Refused

FIELD = "csrf_token"
SECRET_ENV = "WESTAUDIT_WORKSPACE_SECRET"
SECRET_FILE = "workspace-secret.key"


def workspace_secret(data_dir: Path) -> bytes:
    """The secret every process of this workspace keys its tokens with (made on first start, owner-only)."""
    given = os.environ.get(SECRET_ENV)
    if given:
        return given.encode()
    path = data_dir / SECRET_FILE
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(secrets.token_hex(32))
        except FileExistsError:
            pass  # another process made it first: read theirs
    return path.read_text().strip().encode()


class _TokenForm(Form):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = FIELD


class FormGuard:
    """Makes the token a page's forms carry and checks the one a POST sends back."""

    def __init__(self, secret: bytes, lifetime: dt.timedelta) -> None:
        self.meta = {"csrf_secret": secret, "csrf_time_limit": lifetime}

    def token(self, request: Request) -> str:
        return _TokenForm(meta={**self.meta, "csrf_context": request.session}).csrf_token.current_token

    def check(self, request: Request, form) -> None:
        sent = form.get(FIELD) if form is not None else None
        # a session that never showed a form holds no value to check against: refused like a wrong token
        if not isinstance(sent, str) or "csrf" not in request.session:
            raise _refusal()
        checked = _TokenForm(formdata=_OnlyToken(sent), meta={**self.meta, "csrf_context": request.session})
        if not checked.validate():
            raise _refusal()


class _OnlyToken:
    """The one field WTForms reads, in the getlist() shape it expects of form data."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __iter__(self):
        return iter((FIELD,))

    def __contains__(self, name: object) -> bool:
        return name == FIELD

    def getlist(self, name: str) -> list[str]:
        return [self.token] if name == FIELD else []


def _refusal() -> Refused:
    return Refused("表单已过期或来源不明（缺少安全令牌）：请刷新页面后重试",
                   "the form's CSRF token is missing, expired or wrong: reload the page and try again")


def require_csrf(request: Request, form) -> None:
    """Every POST route calls this on its parsed form (the app's FormGuard, engine/workspace/app.py)."""
    request.app.state.form_guard.check(request, form)


async def checked_fields(request: Request, limits: dict, *names: str) -> dict[str, str]:
    """The text fields of a form without files, read within `limits` once its CSRF token is checked (missing
    fields are "")."""
    async with request.form(**limits) as form:
        require_csrf(request, form)
        return {name: str(form.get(name) or "") for name in names}
