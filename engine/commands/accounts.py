"""`westaudit accounts add|list|disable`: the shared workspace's accounts (docs/workspace.md, "Accounts").

The first 管理 account of a deployment is opened here; later ones can be opened on the 账号管理 page by a 管理
account of an office above. The password is asked for at the terminal (not echoed), or read from standard
input with --password-stdin; it is never an argument, so it is in no shell history or process list.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from westaudit.commands.common import EXIT_ERROR, EXIT_OK


def add_parser(subcommands) -> None:
    from westaudit.workspace.settings import DATA_ENV

    parser = subcommands.add_parser("accounts", help="the shared workspace's accounts: add, list, disable")
    actions = parser.add_subparsers(dest="action", required=True)
    for name, helptext in (("add", "open an account"), ("list", "list the accounts"),
                           ("disable", "disable an account (it is logged out everywhere)")):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("--database", dest="store", default=None, metavar="URL|PATH",
                         help="the shared workspace's database (as `serve --database`)")
        sub.add_argument("--data", type=Path, default=None, metavar="DIR",
                         help=f"the workspace's data folder, whose audits.sqlite is the database when --database "
                              f"is not given (default ${DATA_ENV}, else ~/.westaudit/workspace)")
        if name in ("add", "disable"):
            sub.add_argument("username", help="account name")
        if name == "add":
            sub.add_argument("--office", required=True, help="the office the account belongs to")
            sub.add_argument("--role", required=True, help="填报 / 报送 / 审核 / 管理 (or fill / submit / review / manage)")
            sub.add_argument("--offices", type=Path, default=None, metavar="PACKAGE",
                             help="the package whose offices table the workspace serves: the office must be in it")
            sub.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        if name == "list":
            sub.add_argument("--office", default=None, help="only this office and the offices below it "
                                                             "(needs --offices)")
            sub.add_argument("--offices", type=Path, default=None, metavar="PACKAGE")
    parser.set_defaults(handler=run)


def _book(args):
    from westaudit.history.store import Store
    from westaudit.workspace.accounts import AccountBook
    from westaudit.workspace.settings import Settings, default_data_dir

    location = args.store or Settings(data_dir=(args.data or default_data_dir()).expanduser()).store_location
    return AccountBook(Store.open(location))


def _parents(args) -> dict[str, str | None]:
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset
    from westaudit.workspace.selfcheck import known_offices

    return known_offices(args.offices, load_ruleset(args.rules or RULES_DIR))[1]


def _password(args) -> str:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 password: ")
    if getpass.getpass("再输一次 again: ") != first:
        raise SystemExit("westaudit: 两次输入的密码不一致 the passwords differ")
    return first


def run(args: argparse.Namespace) -> int:
    from westaudit.reports.widetext import table_lines
    from westaudit.workspace.accounts import AccountRefused
    from westaudit.workspace.permissions import subtree

    book = _book(args)
    try:
        if args.action == "add":
            if args.offices is not None and args.office not in _parents(args):
                raise AccountRefused(f"机构 {args.office} 不在 {args.offices} 的组织机构表中",
                                     f"office {args.office} is not in the offices table of {args.offices}")
            account = book.add(args.username, args.office, args.role, _password(args), created_by="westaudit accounts")
            print(f"已开设账号 account added: {account.username} · {account.office_id} · {account.role_zh}")
        elif args.action == "disable":
            account = book.by_name(args.username)
            if account is None:
                raise AccountRefused(f"没有账号 {args.username}", f"no account {args.username}")
            from westaudit.workspace.sessions import DatabaseSessionStore

            book.set_disabled(account.account_id)
            DatabaseSessionStore(book.store).close_all_of(account.account_id)
            print(f"已停用 disabled: {account.username}（已在所有地方退出 logged out everywhere）")
        else:
            offices = None
            if args.office:
                if args.offices is None:
                    raise AccountRefused("--office 需要 --offices（组织机构表）", "--office needs --offices PACKAGE")
                offices = set(subtree(args.office, _parents(args)))
            rows = [[a.username, a.office_id, a.role_zh, "已停用 disabled" if a.disabled else "可用 enabled",
                     a.created_at, a.created_by or ""] for a in book.listed(offices)]
            print("\n".join(table_lines(["账号 account", "机构 office", "角色 role", "状态 state", "开设 created",
                                         "开设人 by"], rows)) if rows else "（尚无账号 no accounts）")
    except AccountRefused as refused:
        print(f"westaudit: 错误 error: {refused.message_zh} ({refused.message_en})", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
