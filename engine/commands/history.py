"""`westaudit history [--office ID]`: the recorded audit runs, oldest first."""

from __future__ import annotations

import argparse

from westaudit.commands.common import EXIT_OK, add_store_option
from westaudit.core.results import STATUS_ZH, Status

STATE_ZH = {"complete": "完成 complete", "started": "未完成 incomplete"}
_COUNTED = (Status.FAIL, Status.WARN, Status.WAIVED, Status.INSUFFICIENT_DATA)


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("history", help="list recorded audit runs")
    parser.add_argument("--office", default=None, help="only runs this office submitted or self-checked")
    add_store_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.history.recording import open_store
    from westaudit.reports.widetext import table_lines

    store = open_store(args, create=False)
    records = store.runs(args.office)
    headers = ["编号 run", "开始时间 started (UTC)", "状态 state", "命令", "范围 scope", "年度", "规则集",
               *(f"{STATUS_ZH[s]}" for s in _COUNTED), "结果数"]
    rows = [[str(r.run_id), r.started_at, STATE_ZH.get(r.state, r.state), r.command, r.scope, str(r.year),
             r.ruleset_version[:12], *(str(r.counts.get(s.value, 0)) for s in _COUNTED),
             str(sum(r.counts.values()))] for r in records]
    print(f"审计记录 audit store: {store.where}")
    print("\n".join(table_lines(headers, rows)) if rows else "（尚无记录 no runs recorded）")
    incomplete = sum(not r.complete for r in records)
    if incomplete:
        print(f"\n{incomplete} 次未完成（运行中或被中断，无结果）/ incomplete: still running or interrupted, no results")
    return EXIT_OK
