"""`westaudit rules lint` refuses a broken rule set, pointing at file, line and field."""

import shutil

import pytest

from westaudit.cli import main
from westaudit.core.errors import SpecError
from westaudit.spec.ruleset import RULES_DIR, load_ruleset

RULE = "service_county/service_county-09.yaml"


@pytest.fixture
def rules(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def _edit(rules, relative, old, new):
    path = rules / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _problems(rules):
    with pytest.raises(SpecError) as caught:
        load_ruleset(rules)
    return [str(p) for p in caught.value.problems]


def test_the_project_rules_lint_clean(capsys):
    assert main(["rules", "lint"]) == 0
    assert "OK:" in capsys.readouterr().out


def test_missing_field(rules):
    path = _edit(rules, RULE, "severity: fatal\n", "")
    assert _problems(rules) == [f"{path}:1: severity: missing"]


def test_unknown_office_code(rules):
    path = _edit(rules, RULE, "office: service_county", "office: service_town")
    assert f"{path}:2: office: unknown office code 'service_town'" in _problems(rules)[0]


def test_unknown_check_kind_suggests_a_close_one(rules):
    path = _edit(rules, RULE, "kind: ratio", "kind: ration")
    assert _problems(rules) == [f"{path}:9: check.kind: unknown check kind 'ration' (did you mean 'ratio'?)"]


def test_unknown_parameter(rules):
    path = _edit(rules, RULE, "min: employment_ratio_min", "min: employment_ratio_minimum")
    assert _problems(rules) == [f"{path}:15: check: unknown parameter 'employment_ratio_minimum'"]


def test_unknown_key_suggests_the_field_meant(rules):
    path = _edit(rules, RULE, "min: employment_ratio_min", "minimum: employment_ratio_min")
    problems = _problems(rules)
    assert f"{path}:15: check.minimum: unknown key 'minimum' (did you mean 'min'?)" in problems
    assert f"{path}:9: check.min: missing" in problems


def test_unknown_column(rules):
    path = _edit(rules, RULE, "date_in_year: placed_on", "date_in_year: placed")
    assert _problems(rules) == [f"{path}:13: check.achieved: table 'job_placements' has no column 'placed'"]


def test_duplicate_id(rules):
    source = rules / RULE
    copy = rules / "service_province" / "service_county-09.yaml"
    shutil.copy(source, copy)
    problems = _problems(rules)
    assert any("duplicate id 'service_county-09'" in p for p in problems)


def test_citation_must_be_verbatim(rules):
    path = _edit(rules, RULE, "实行就业比例责任制", "实行就业责任制")
    assert _problems(rules)[0].startswith(f"{path}:4: citation: must be the article's text verbatim")


def test_article_must_exist(rules):
    path = _edit(rules, RULE, "article: 9", "article: 99")
    problems = _problems(rules)
    assert f"{path}:3: article: service_county has no article 99 in articles.tsv" in problems


def test_invalid_yaml(rules):
    path = _edit(rules, RULE, "severity: fatal", "severity: [fatal")
    assert _problems(rules)[0].startswith(f"{path}:")
    assert "invalid YAML" in _problems(rules)[0]


def test_bad_parameter_value(rules):
    path = _edit(rules, "parameters.yaml", "2009-01-01: 0.20", "2009-01-01: 1.5")
    assert any(p.startswith(f"{path}:") and "between 0 and 1" in p for p in _problems(rules))


def test_lint_command_exits_2_with_the_location(rules, capsys):
    path = _edit(rules, RULE, "kind: ratio", "kind: ration")
    assert main(["--rules", str(rules), "rules", "lint"]) == 2
    assert f"{path}:9: check.kind" in capsys.readouterr().err


def test_a_parameter_without_a_basis_is_refused(rules):
    path = _edit(rules, "parameters/service.yaml", "  basis:\n    kind: default\n    why: 条文未定日期；取6月底，早于志愿者到岗\n", "")
    problems = _problems(rules)
    assert any(p.startswith(f"{path}:") and "dispatch_plan_due.basis" in p and "missing" in p for p in problems)


def test_a_text_basis_must_quote_its_article(rules):
    # 20% stands in service_county-09, 25% does not: the quote is checked against articles.tsv
    path = _edit(rules, "parameters.yaml", "quote: 每年为不少于在本县服务志愿者人数20%的志愿者落实就业岗位",
                 "quote: 每年为不少于在本县服务志愿者人数25%的志愿者落实就业岗位")
    text = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(text, 1) if row.startswith("  basis:"))
    assert any(p.startswith(f"{path}:{line}: employment_ratio_min.basis.quote") for p in _problems(rules))


def test_a_text_basis_names_an_existing_article(rules):
    path = _edit(rules, "parameters.yaml", "article: service_county-09", "article: service_county-19")
    assert any(p.startswith(f"{path}:") and "service_county-19: no such article" in p for p in _problems(rules))


def test_a_basis_of_unknown_kind_or_missing_field_is_refused(rules):
    path = _edit(rules, "parameters.yaml", "    kind: default\n    why: 条文只写“末位淘汰制”",
                 "    kind: custom\n    why: 条文只写“末位淘汰制”")
    assert any(p.startswith(f"{path}:") and "last_place_elimination_count.basis.kind" in p for p in _problems(rules))
    _edit(rules, "parameters.yaml", "    kind: custom\n", "    kind: policy\n")
    problems = _problems(rules)
    assert any("last_place_elimination_count.basis.title: missing" in p for p in problems)
    assert any("last_place_elimination_count.basis.why: unknown key" in p for p in problems)


def test_the_lint_command_refuses_a_missing_basis_and_a_quote_not_in_its_article(rules, capsys):
    missing = _edit(rules, "parameters/service.yaml", "  basis:\n    kind: default\n    why: 条文未定日期；取6月底，早于志愿者到岗\n", "")
    misquoted = _edit(rules, "parameters.yaml", "quote: 每年为不少于在本县服务志愿者人数20%的志愿者落实就业岗位",
                      "quote: 每年为不少于在本县服务志愿者人数25%的志愿者落实就业岗位")
    assert main(["--rules", str(rules), "rules", "lint"]) == 2
    err = capsys.readouterr().err
    assert f"{missing}:" in err and "dispatch_plan_due.basis: missing" in err
    assert f"{misquoted}:" in err and "employment_ratio_min.basis.quote" in err


def test_lint_validates_a_policy_file_with_file_line_and_field(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text("office: GZ\ndocument: {title: 贵州省实施细则}\nparameters:\n"
                    "  employment_ratio_min: {2025-01-01: 0.3}\n", encoding="utf-8")
    assert main(["rules", "lint", "--policy", str(good)]) == 0
    assert f"OK: {good}: GZ, 1 values, 0 rules" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("office: GZ\ndocument: {title: 贵州省实施细则}\nrules:\n  service_county-07: {severity: grave}\n",
                   encoding="utf-8")
    assert main(["rules", "lint", "--policy", str(good), "--policy", str(bad)]) == 2
    assert f"{bad}:4: rules.service_county-07.severity: 'grave': must be fatal or warning" in capsys.readouterr().err


def test_a_threshold_written_as_a_number_is_refused(rules):
    # 20% written into the rule would be shown with no basis: it names employment_ratio_min instead
    path = _edit(rules, RULE, "min: employment_ratio_min", "min: 0.2")
    line = next(n for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "min: 0.2" in row)
    assert any(p.startswith(f"{path}:{line}: check.min: 0.2: a threshold names a parameter") for p in _problems(rules))
    # a ratio's min 1 is the reading "every member", not a number to dispute
    _edit(rules, RULE, "min: 0.2", "min: 1")
    assert load_ruleset(rules)
