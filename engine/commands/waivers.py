"""`westaudit waivers import FILE | list`: the shared workspace's waivers (docs/workspace.md, "Waivers").

`import` adds the waivers of a YAML waivers file (the `--waivers FILE` of `audit` and `check`, validated the same
way: a malformed file is refused with file:line:field, exit 2, and nothing is added) to the workspace's table as
approved waivers, by the office the file names as approving; a waiver already imported with the same content is
skipped, so importing the file again adds only what is new. The workspace then applies them to every check.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from westaudit.commands.common import EXIT_OK


def add_parser(subcommands) -> None:
    from westaudit.workspace.settings import DATA_ENV

    parser = subcommands.add_parser("waivers", help="the shared workspace's waivers: import a waivers file, list")
    actions = parser.add_subparsers(dest="action", required=True)
    for name, helptext in (("import", "add a YAML waivers file's waivers as approved ones"),
                           ("list", "list the waivers and their states")):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("--database", dest="store", default=None, metavar="URL|PATH",
                         help="the workspace's database (as `serve --database`)")
        sub.add_argument("--data", type=Path, default=None, metavar="DIR",
                         help=f"the workspace's data folder, whose audits.sqlite is the database when --database "
                              f"is not given (default ${DATA_ENV}, else ~/.westaudit/workspace)")
        if name == "import":
            sub.add_argument("file", type=Path, help="a waivers file (waivers.yaml, docs/store.md \"Waivers\")")
    parser.set_defaults(handler=run)


def _book(args):
    from westaudit.history.store import Store
    from westaudit.workspace.settings import Settings, default_data_dir
    from westaudit.workspace.waivers import WaiverBook

    location = args.store or Settings(data_dir=(args.data or default_data_dir()).expanduser()).store_location
    return WaiverBook(Store.open(location))


def run(args: argparse.Namespace) -> int:
    from westaudit.core.errors import UsageError
    from westaudit.reports.widetext import table_lines

    if args.action == "import":
        if not args.file.is_file():
            raise UsageError(f"waiver file {args.file} does not exist")
        book = _book(args)
        added, skipped = book.import_file(args.file)
        for record in added:
            print(f"已导入 imported: #{record.waiver_id} {record.rule_id} @ {record.office_id}（{record.source}，"
                  f"{record.decider_office} 批准，有效期至 {record.expires_on}）")
        print(f"共导入 {len(added)} 项，已存在而跳过 {skipped} 项 / "
              f"{len(added)} imported, {skipped} already present")
        return EXIT_OK
    today = dt.date.today()
    rows = [[f"#{w.waiver_id}", f"{w.state_zh_on(today)} {w.state_on(today)}", w.office_id, w.rule_id,
             "、".join(w.evidence) or "*", str(w.expires_on), w.decider_office or "", w.decided_by or ""]
            for w in _book(args).of_offices(None)]
    print("\n".join(table_lines(["编号 id", "状态 state", "机构 office", "规则 rule", "行 rows", "有效期至 until",
                                 "审批机构 office", "审批人 by"], rows)) if rows else "（尚无豁免 no waivers）")
    return EXIT_OK
