"""`westaudit diff RUN_A RUN_B`: findings new, resolved and unchanged between two recorded runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from westaudit.commands.common import EXIT_OK, add_store_option
from westaudit.core.basis import DEFAULT_LABEL
from westaudit.core.errors import UsageError
from westaudit.core.results import DEFAULT, STATUS_ZH

if TYPE_CHECKING:
    from westaudit.history.rundiff import RunDiff
    from westaudit.history.store import RunRecord


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("diff", help="findings new, resolved and unchanged between two runs")
    parser.add_argument("run_a", type=int, help="the earlier run (see `westaudit history`)")
    parser.add_argument("run_b", type=int, help="the later run")
    add_store_option(parser)
    parser.set_defaults(handler=run)


def _status(status, downgraded: str = "") -> str:
    """As the pages show it: a warning that is one because its value is a westaudit default says so."""
    if not status:
        return "—"
    return f"{STATUS_ZH[status]} · {DEFAULT_LABEL['zh']}" if downgraded == DEFAULT else STATUS_ZH[status]


def _describe(run: RunRecord) -> str:
    return f"run {run.run_id}  {run.started_at}  {run.scope}  {run.year} 年度  规则集 {run.ruleset_version[:12]}"


def diff_lines(diff: RunDiff) -> list[str]:
    from westaudit.history.rundiff import CHANGE_ZH
    from westaudit.reports.widetext import table_lines

    lines = [f"从 from {_describe(diff.before)}", f"到 to   {_describe(diff.after)}"]
    if diff.before.ruleset_version != diff.after.ruleset_version:
        lines.append("注意：两次使用的规则集不同 / note: the runs used different rule-set versions")
    if diff.before.year != diff.after.year:
        lines.append("注意：两次的审计年度不同 / note: the runs audit different years")
    ordered = sorted(diff.changes, key=lambda c: (list(CHANGE_ZH).index(c.change), c.office_id, c.rule_id))
    rows = [[f"{CHANGE_ZH[c.change]} {c.change}", c.office_id, c.rule_id, f"{_status(c.before, c.before_downgraded)} → {_status(c.after, c.after_downgraded)}",
             " ".join([*(f"+{k}" for k in c.evidence_added), *(f"-{k}" for k in c.evidence_removed)]),
             c.message_zh] for c in ordered]
    headers = ["变化 change", "机构 office", "规则 rule", "结论 status", "证据行 evidence", "说明"]
    lines += ["", *(table_lines(headers, rows) if rows else ["（两次均无问题 no findings in either run）"])]
    lines.append(f"\n新增 new {len(diff.new)}  已解决 resolved {len(diff.resolved)}  已豁免 waived {len(diff.waived)}"
                 f"  仍存在 unchanged "
                 f"{len(diff.unchanged)}  未复审 not re-audited {len(diff.of('not_reaudited'))}")
    return lines


def run(args: argparse.Namespace) -> int:
    from westaudit.history.recording import open_store
    from westaudit.history.rundiff import diff_runs

    store = open_store(args, create=False)
    for run_id in (args.run_a, args.run_b):
        if not store.run(run_id).complete:
            raise UsageError(f"run {run_id} is incomplete (interrupted or still running): it has no results")
    print("\n".join(diff_lines(diff_runs(store, args.run_a, args.run_b))))
    return EXIT_OK
