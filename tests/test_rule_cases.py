"""Every YAML test case of every rule, one pytest item each; and the runner itself can fail."""

import shutil

import pytest

from westaudit.evaluate.rulecases import case_files, run_case_file
from westaudit.spec.ruleset import RULES_DIR, load_ruleset

_RULESET = load_ruleset(RULES_DIR)
_OUTCOMES = [o for path in case_files(RULES_DIR) for o in run_case_file(path, _RULESET, RULES_DIR)]


@pytest.mark.parametrize("outcome", _OUTCOMES, ids=[f"{o.rule_id}::{o.case}" for o in _OUTCOMES])
def test_rule_case(outcome):
    assert outcome.passed, f"{outcome.file}:{outcome.line}\n" + "\n".join(outcome.problems)


def test_every_rule_has_a_passing_and_a_failing_case():
    expected_statuses: dict[str, set[str]] = {}
    for path in case_files(RULES_DIR):
        from westaudit.spec.yamlsource import load_yaml

        document = load_yaml(path)
        for case in document["cases"]:
            expected_statuses.setdefault(document["rule"], set()).update(e["status"] for e in case["expect"])
    for rule in _RULESET.rules:
        assert {"pass", "fail"} <= expected_statuses.get(rule.id, set()), f"{rule.id} lacks a pass or a fail case"


def test_a_wrong_expectation_is_reported(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    case = rules / "service_province" / "service_province-07.test.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace("{office: P1, status: pass}", "{office: P1, status: fail}"),
                    encoding="utf-8")
    outcomes = run_case_file(case, load_ruleset(rules), rules)
    failed = [o for o in outcomes if not o.passed]
    assert [o.case for o in failed] == ["filings reported on 31 March pass"]
    assert failed[0].problems == ("P1: expected fail, got pass (0 of 2 records late or not done)",)
