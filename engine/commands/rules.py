"""`westaudit rules list|show|lint|test`."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from westaudit.core.errors import UsageError
from westaudit.core.offices import OFFICE_CODES_ZH


def _list(rules_dir) -> int:
    # from the cached listing of the validated rule set when it still holds (engine/spec/rule_listing.py)
    from westaudit.spec.rule_listing import rule_listing

    listing = rule_listing(rules_dir)
    for rule in listing.rules:
        print(f"{rule.id:<36} {rule.kind:<14} {rule.severity:<8} {rule.title_zh}")
    print(f"\n{len(listing.rules)} rules, rule-set version {listing.version}")
    return 0


def _show(ruleset, rule_id: str) -> int:
    rule = ruleset.by_id(rule_id)
    if rule is None:
        raise UsageError(f"no rule {rule_id!r}; see `westaudit rules list`")
    print(f"{rule.id}  {OFFICE_CODES_ZH[rule.office]} 第{rule.article}条  [{rule.severity}]")
    print(f"{rule.title_zh}\n{rule.title_en}\n\n条文 {rule.citation}\n")
    if rule.in_force_from or rule.in_force_until:
        print(" / ".join(rule.period_text()) + "\n")
    print(f"check kind: {rule.check.name} — {rule.check.summary_zh}")
    print(rule.check.params.model_dump_json(indent=2))
    for name in sorted(rule.check.parameter_names()):
        parameter = ruleset.parameters.parameters[name]
        basis = parameter.basis.label("zh") if parameter.basis else "—"
        print(f"parameter {name}: {parameter.values[-1][1]} (since {parameter.values[-1][0]}) · {basis}")
    print(f"\nfile: {rule.file}:{rule.line}")
    return 0


def _test(ruleset, rules_dir, wanted: list[str]) -> int:
    # the only rules subcommand that reads tables: pandas and Great Expectations are loaded for it alone
    from westaudit.evaluate.rulecases import case_files, run_case_file

    per_rule: Counter[str] = Counter()
    failed = 0
    for path in case_files(rules_dir):
        for outcome in run_case_file(path, ruleset, rules_dir):
            if wanted and outcome.rule_id not in wanted:
                continue
            per_rule[outcome.rule_id] += 1
            if not outcome.passed:
                failed += 1
                print(f"FAIL {outcome.rule_id} :: {outcome.case}  ({outcome.file}:{outcome.line})")
                for problem in outcome.problems:
                    print(f"     {problem}")
    for rule in ruleset.rules:
        if not wanted or rule.id in wanted:
            print(f"{rule.id:<36} {per_rule[rule.id]} cases" + ("" if per_rule[rule.id] else "  (NO CASES)"))
    total = sum(per_rule.values())
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


def add_parser(subcommands) -> None:
    parser = subcommands.add_parser("rules", help="list, show, lint or test the rule set")
    rule_commands = parser.add_subparsers(dest="rules_command", required=True)
    rule_commands.add_parser("list", help="every rule, by office and article")
    show = rule_commands.add_parser("show", help="one rule in full")
    show.add_argument("rule_id")
    lint = rule_commands.add_parser("lint", help="validate every rule, parameter and data contract")
    lint.add_argument("--policy", type=Path, action="append", default=None, metavar="FILE",
                      help="also validate these policy overlays against the rule set (repeatable; docs/rules.md)")
    test = rule_commands.add_parser("test", help="run every rule's YAML test cases")
    test.add_argument("rule_ids", nargs="*")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from westaudit.spec.locations import RULES_DIR

    rules_dir = args.rules or RULES_DIR
    if args.rules_command == "list":
        return _list(rules_dir)
    # the check kinds' parameter models are built on loading the rule set: not for `westaudit --help`
    from westaudit.spec.rule_listing import cache_key, remember
    from westaudit.spec.ruleset import load_ruleset

    key = cache_key(rules_dir)  # of the files as they were before validating them
    ruleset = load_ruleset(rules_dir)
    if args.rules_command == "lint":
        remember(rules_dir, key, ruleset)
        print(f"OK: {len(ruleset.rules)} rules, {len(ruleset.parameters.parameters)} parameters, "
              f"{len(ruleset.contract)} tables; rule-set version {ruleset.version}")
        if args.policy:
            # a province checks the file it wrote before any audit reads it (its office is checked against a
            # package when the audit starts)
            from westaudit.spec.policies import load_policies, policy_files

            policies = load_policies(policy_files(args.policy), ruleset.parameters, {r.id for r in ruleset.rules})
            for policy in policies:
                print(f"OK: {policy.file}: {policy.office}, {len(policy.values)} values, {len(policy.rules)} rules")
        return 0
    if args.rules_command == "show":
        return _show(ruleset, args.rule_id)
    return _test(ruleset, rules_dir, args.rule_ids)
