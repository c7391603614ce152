"""`westaudit serve [--port N]`: the web workspace on this machine (docs/workspace.md).

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
    parser.set_defaults(handler=run)


def settings_of(args: argparse.Namespace):
    from westaudit.intake.archive import MB, ArchiveLimits
    from westaudit.workspace.settings import Settings, default_data_dir

    data = (args.data or default_data_dir()).expanduser().resolve()
    return Settings(data_dir=data, store=args.store, hierarchy=args.offices, host=args.host, port=args.port,
                    max_upload_bytes=args.max_upload_mb * MB,
                    limits=ArchiveLimits(max_unpacked_bytes=args.max_unpacked_mb * MB), rules=args.rules)


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
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"注意 warning: listening on {settings.host}: anyone who can reach it can read the uploaded packages")
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            timeout_keep_alive=30, limit_concurrency=200)
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
