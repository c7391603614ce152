"""The shared workspace's accounts (`westaudit serve --shared`): each belongs to one office and has one role.

    填报 fill     uploads the office's workbook and reads its self-check
    报送 submit   sends the office's checked package to its supervisor
    审核 review   a supervisor's reviewer: reads the submissions below it, returns them with comments
    管理 manage   adds and disables the accounts of its own office and the offices below it

Passwords are stored as Argon2id hashes (argon2-cffi); the password itself is never stored or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, Integer, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError

from westaudit.history.store import Store, StoreError
from westaudit.workspace.records import metadata, now

ROLES = {"fill": "填报", "submit": "报送", "review": "审核", "manage": "管理"}
ROLE_BY_NAME = {**{zh: code for code, zh in ROLES.items()}, **{code: code for code in ROLES}}
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256  # argon2 hashes any length; a megabyte "password" is only a way to burn CPU
USERNAME_CHARS = 64

accounts = Table(
    "workspace_accounts", metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(USERNAME_CHARS), nullable=False, unique=True),
    Column("office_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Integer, nullable=False, default=0),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(USERNAME_CHARS)),
)


class AccountRefused(Exception):
    """An account that cannot be added as asked: the reason in Chinese, then in English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.message_zh, self.message_en = message_zh, message_en


@dataclass(frozen=True)
class Account:
    account_id: int
    username: str
    office_id: str
    role: str
    disabled: bool
    created_at: str
    created_by: str | None

    @property
    def role_zh(self) -> str:
        return ROLES[self.role]


def standard_hasher() -> PasswordHasher:
    """argon2-cffi's defaults (RFC 9106's second recommended profile: 64 MiB, 3 passes)."""
    return PasswordHasher()


def cheap_hasher_for_tests() -> PasswordHasher:
    """For the test suite only: the same algorithm at the lowest cost, so a login takes microseconds.
    A hash's own parameters decide its verification, so either hasher verifies the other's hashes."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def role_code(name: str) -> str:
    code = ROLE_BY_NAME.get(name.strip())
    if code is None:
        raise AccountRefused(f"角色 {name} 不存在：只能是 填报、报送、审核 或 管理",
                             f"no role {name!r}: one of 填报 (fill), 报送 (submit), 审核 (review), 管理 (manage)")
    return code


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountRefused(f"密码太短：至少 {MIN_PASSWORD_CHARS} 个字符",
                             f"password too short: at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountRefused(f"密码太长：最多 {MAX_PASSWORD_CHARS} 个字符",
                             f"password too long: at most {MAX_PASSWORD_CHARS} characters")


def check_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > USERNAME_CHARS or any(c.isspace() or not c.isprintable() for c in username):
        raise AccountRefused(f"账号名须为 1 到 {USERNAME_CHARS} 个字符，不含空格",
                             f"an account name is 1 to {USERNAME_CHARS} characters without spaces")
    return username


def _account(row) -> Account:
    return Account(row.account_id, row.username, row.office_id, row.role, bool(row.disabled), row.created_at,
                   row.created_by)


class AccountBook:
    def __init__(self, store: Store, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.hasher = hasher or standard_hasher()
        # verifying against this when the account is unknown takes as long as a real verification, so the
        # answer's timing does not tell which account names exist
        self._decoy = self.hasher.hash("westaudit-no-such-account")

    def add(self, username: str, office_id: str, role: str, password: str, created_by: str | None = None) -> Account:
        username, role = check_username(username), role_code(role)
        check_password(password)
        row = {"username": username, "office_id": office_id, "role": role, "disabled": 0,
               "password_hash": self.hasher.hash(password), "created_at": now(), "created_by": created_by}

        def work() -> int:
            with self.store.engine.begin() as conn:
                return int(conn.execute(insert(accounts).values(row)).inserted_primary_key[0])
        try:
            account_id = self.store.retrying(work)
        except StoreError as exc:  # the unique name, as the driver reports it through the store
            if isinstance(exc.__cause__, IntegrityError):
                raise AccountRefused(f"账号 {username} 已存在", f"account {username} exists already") from exc
            raise
        return Account(account_id, username, office_id, role, False, row["created_at"], created_by)

    def _row(self, clause):
        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(select(accounts).where(clause)).first()
        return self.store.retrying(work)

    def get(self, account_id: int) -> Account | None:
        row = self._row(accounts.c.account_id == account_id)
        return _account(row) if row is not None else None

    def by_name(self, username: str) -> Account | None:
        row = self._row(accounts.c.username == username.strip())
        return _account(row) if row is not None else None

    def verify(self, username: str, password: str) -> Account | None:
        """The enabled account with this name and password, else None (the same work either way)."""
        row = self._row(accounts.c.username == username.strip()) if len(username) <= USERNAME_CHARS else None
        stored = row.password_hash if row is not None else self._decoy
        try:
            self.hasher.verify(stored, password[:MAX_PASSWORD_CHARS + 1])
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled or len(password) > MAX_PASSWORD_CHARS:
            return None
        if self.hasher.check_needs_rehash(stored):
            self._set_hash(row.account_id, self.hasher.hash(password))
        return _account(row)

    def _set_hash(self, account_id: int, password_hash: str) -> None:
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(update(accounts).where(accounts.c.account_id == account_id)
                             .values(password_hash=password_hash))
        self.store.retrying(work)

    def listed(self, offices: set[str] | None = None) -> list[Account]:
        """Every account, or those of `offices`, by office then name."""
        query = select(accounts).order_by(accounts.c.office_id, accounts.c.username)
        if offices is not None:
            query = query.where(accounts.c.office_id.in_(sorted(offices)))

        def work():
            with self.store.engine.connect() as conn:
                return conn.execute(query).all()
        return [_account(row) for row in self.store.retrying(work)]

    def set_disabled(self, account_id: int, disabled: bool = True) -> None:
        def work() -> None:
            with self.store.engine.begin() as conn:
                conn.execute(update(accounts).where(accounts.c.account_id == account_id)
                             .values(disabled=int(disabled)))
        self.store.retrying(work)
