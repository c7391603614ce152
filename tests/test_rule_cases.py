"""The YAML rule cases: every rule has both kinds, the runner and its pytest items can fail.

The cases themselves are pytest items of rules/ (tests/rule_cases_plugin.py), one per case.
"""

import shutil

from westaudit.evaluate.rulecases import case_files, load_case_file, run_case_file
from westaudit.spec.ruleset import RULES_DIR, load_ruleset

WRONG_CASE = "filings reported on 31 March pass"


def _rules_with_a_wrong_expectation(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    case = rules / "service_province" / "service_province-07.test.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace("{office: P1, status: pass}", "{office: P1, status: fail}"),
                    encoding="utf-8")
    return rules, case


def test_every_rule_has_a_passing_and_a_failing_case(ruleset):
    expected_statuses: dict[str, set[str]] = {}
    for path in case_files(RULES_DIR):
        from westaudit.spec.yamlsource import load_yaml

        document = load_yaml(path)
        for case in document["cases"]:
            expected_statuses.setdefault(document["rule"], set()).update(e["status"] for e in case["expect"])
    for rule in ruleset.rules:
        assert {"pass", "fail"} <= expected_statuses.get(rule.id, set()), f"{rule.id} lacks a pass or a fail case"


def test_a_wrong_expectation_is_reported(tmp_path):
    rules, case = _rules_with_a_wrong_expectation(tmp_path)
    outcomes = run_case_file(case, load_ruleset(rules), rules)
    failed = [o for o in outcomes if not o.passed]
    assert [o.case for o in failed] == [WRONG_CASE]
    assert failed[0].problems == ("P1: expected fail, got pass (0 of 2 records late or not done)",)


def test_the_plugin_makes_one_item_per_case_and_a_failing_one_names_its_file_line_and_case(pytester, tmp_path):
    rules, case = _rules_with_a_wrong_expectation(tmp_path)
    cases = load_case_file(case)
    result = pytester.runpytest_inprocess("-p", "rule_cases_plugin", "-p", "no:cacheprovider", str(case))
    result.assert_outcomes(passed=len(cases.names) - 1, failed=1)
    line = cases.lines[cases.names.index(WRONG_CASE)]
    result.stdout.fnmatch_lines([f"*{case}:{line}", f"*service_province-07*{WRONG_CASE}*",
                                 "*P1: expected fail, got pass (0 of 2 records late or not done)*"])
