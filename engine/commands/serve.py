"""`westaudit serve [--port N]`: the web workspace on this machine (docs/workspace.md).

`--local` (the default) is the single-user mode on 127.0.0.1; `--shared --database URL --offices PACKAGE` is the
shared workspace of many offices' accounts (`westaudit accounts add` opens the first), normally on 127.0.0.1
behind a TLS reverse proxy.

FastAPI and uvicorn are imported here, inside run, so `westaudit --help` never pays for them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from westaudit.commands.common import EXIT_OK


def add_parser(subcommands) -> None:
    from westaudit.workspace.settings import (
        DATA_ENV,
        DEFAULT_MAX_UNPACKED_MB,
        DEFAULT_MAX_UPLOAD_MB,
        DEFAULT_PORT,
    )

    parser = subcommands.add_parser("serve", help="the web workspace: upload a workbook, read the self-check")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--local", dest="shared", action="store_false",
                      help="single-user mode, no accounts (the default): for one office on its own computer")
    mode.add_argument("--shared", dest="shared", action="store_true",
                      help="shared mode: accounts with roles, each seeing its own office and those below it "
                           "(needs --offices; --database for a PostgreSQL server)")
    parser.add_argument("--database", dest="store", default=None, metavar="URL|PATH",
                        help="the database of the store and the workspace (same as --store): a PostgreSQL URL "
                             "such as postgresql+psycopg://user@host/westaudit, or a SQLite file")
    parser.add_argument("--insecure-cookies", action="store_true",
                        help="shared mode over plain HTTP (a test on this machine): session cookies without "
                             "the Secure flag, which a TLS reverse proxy otherwise needs")
    parser.add_argument("--forwarded-allow-ips", default=None, metavar="ADDRESSES",
                        help="behind a reverse proxy: the proxy's address(es), whose X-Forwarded-For and "
                             "X-Forwarded-Proto are then trusted (the client's address in the audit log and the "
                             "login throttle)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: packages hold ID numbers, so only this "
                             "machine can connect)")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help=f"data folder: uploads, reports, the audit store (default ${DATA_ENV}, else "
                             "~/.westaudit/workspace)")
    parser.add_argument("--store", default=None, metavar="PATH|URL",
                        help="audit store (default: audits.sqlite in the data folder)")
    parser.add_argument("--offices", type=Path, default=None, metavar="PACKAGE",
                        help="a package whose offices table lists the offices that may upload (the pick list); "
                             "an office id not in it is refused")
    parser.add_argument("--max-upload-mb", type=int, default=DEFAULT_MAX_UPLOAD_MB,
                        help=f"largest upload accepted (default {DEFAULT_MAX_UPLOAD_MB} MB)")
    parser.add_argument("--max-unpacked-mb", type=int, default=DEFAULT_MAX_UNPACKED_MB,
                        help=f"largest a zip or workbook may unpack to (default {DEFAULT_MAX_UNPACKED_MB} MB)")
    parser.add_argument("--keep-checks", type=int, default=None, metavar="N",
                        help="keep the uploaded files of each office's last N checks only; older checks keep "
                             "their page and report (default: keep all; docs/workspace.md)")
    parser.add_argument("--policy", type=Path, action="append", default=None, metavar="FILE",
                        help="a policy overlay applied to every check (repeatable; default DIR/policies/*.yaml, "
                             "else $WESTAUDIT_POLICIES, else ~/.westaudit/policies/*.yaml; docs/rules.md)")
    parser.add_argument("--session-hours", type=float, default=12, metavar="HOURS",
                        help="how long a login lasts before the account is asked to log in again, and how long "
                             "an open form stays valid (default 12: a working day)")
    parser.set_defaults(handler=run, shared=False)


def settings_of(args: argparse.Namespace):
    from westaudit.core.errors import UsageError
    from westaudit.intake.archive import MB, ArchiveLimits
    from westaudit.workspace.settings import Settings, default_data_dir

    if args.shared and args.offices is None:
        raise UsageError("serve --shared 需要 --offices：账号能看到哪些机构由组织机构表决定 "
                         "(--shared needs --offices PACKAGE, whose offices table gives each account's subtree)")
    data = (args.data or default_data_dir()).expanduser().resolve()
    return Settings(data_dir=data, store=args.store, hierarchy=args.offices, host=args.host, port=args.port,
                    max_upload_bytes=args.max_upload_mb * MB,
                    limits=ArchiveLimits(max_unpacked_bytes=args.max_unpacked_mb * MB), rules=args.rules,
                    shared=args.shared, secure_cookies=args.shared and not args.insecure_cookies,
                    session_hours=args.session_hours if args.session_hours > 0 else 12,
                    keep_checks=args.keep_checks if args.keep_checks and args.keep_checks > 0 else None,
                    policies=tuple(args.policy or ()))


def run(args: argparse.Namespace) -> int:
    import tempfile
    import time

    import uvicorn

    from westaudit.workspace.app import create_app

    started = time.perf_counter()
    settings = settings_of(args)
    settings.incoming_dir.mkdir(parents=True, exist_ok=True)
    # the form parser spools large uploads to temporary files: keep them in the data folder too
    tempfile.tempdir = str(settings.incoming_dir)
    app = create_app(settings)
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.shared:
        print(f"注意 warning: listening on {settings.host}: anyone who can reach it can read the uploaded packages")
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            timeout_keep_alive=30, limit_concurrency=200,
                            proxy_headers=args.forwarded_allow_ips is not None,
                            forwarded_allow_ips=args.forwarded_allow_ips)
    server = uvicorn.Server(config)
    original_startup = server.startup

    async def announce(sockets=None):
        await original_startup(sockets)
        print(f"westaudit 工作台已启动 workspace ready in {time.perf_counter() - started:.1f}s: "
              f"http://{settings.host}:{settings.port}/  (data: {settings.data_dir}; Ctrl+C 停止 to stop)",
              flush=True)
    server.startup = announce
    server.run()
    return EXIT_OK
