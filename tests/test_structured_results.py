"""Results carry what they measured and what they were judged against as typed fields; writers compute with those
fields and never read a result's wording."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from westaudit.core.results import Counts, ParameterUse, Result, Status
from westaudit.reports.evaluation import evaluate
from westaudit.reports.model import AuditView
from westaudit.reports.report_json import SCHEMA_VERSION, report_document, results_of

EMPLOYMENT_RULE = "service_county-09"


def test_every_fraction_measured_has_the_same_counts(sample_audit):
    fractions = [r for r in sample_audit.results if isinstance(r.measured, str)
                 and re.fullmatch(r"\d+/\d+", r.measured)]
    assert len(fractions) > 50
    assert [r for r in fractions if r.counts is None
            or f"{r.counts.met}/{r.counts.total}" != r.measured] == []


def test_a_ratio_result_names_the_parameter_in_force_and_its_threshold(sample_audit, ruleset):
    parameter = ruleset.parameters.parameters["employment_ratio_min"]
    in_force = ruleset.parameters.value("employment_ratio_min", sample_audit.year)
    judged = [r for r in sample_audit.results if r.rule_id == EMPLOYMENT_RULE and r.status is not Status.INSUFFICIENT_DATA]
    assert judged
    for result in judged:
        assert result.threshold == in_force
        use, *band = result.parameters  # a county under the warning band is judged by the band as well
        assert (use.name, use.value, use.unit) == ("employment_ratio_min", in_force, parameter.unit)
        assert [b.name for b in band] == (["employment_ratio_min.warning"] if result.status is Status.WARN else [])
        assert use.effective == max(d for d, _ in parameter.values if d <= dt.date(sample_audit.year, 12, 31))
        assert result.counts.total > 0 and round(result.counts.met / result.counts.total, 4) == result.measured


def test_a_deadline_result_carries_its_due_date(sample_audit, ruleset):
    by_due = {rule.id: rule.check.params.due for rule in ruleset.rules
              if rule.check.name == "deadline" and rule.check.params.due}
    results = [r for r in sample_audit.results if r.rule_id in by_due and r.status is not Status.INSUFFICIENT_DATA]
    assert results
    for result in results:
        due = ruleset.parameters.deadline(by_due[result.rule_id], sample_audit.year)
        assert result.threshold == due.isoformat()
        assert [use.name for use in result.parameters] == [by_due[result.rule_id]]


def _without_wording(result: Result) -> Result:
    """The result with every text a writer might be tempted to parse replaced by nonsense."""
    measured = result.measured if isinstance(result.measured, int | float) else "?"
    return dataclasses.replace(result, measured=measured, expected="?", message_zh="?", message_en="?")


def test_the_evaluation_reads_typed_fields_not_wording(sample_audit, sample_package, ruleset):
    worded = evaluate(AuditView(sample_audit, ruleset.articles), sample_package.tables)
    blanked = dataclasses.replace(sample_audit, results=tuple(map(_without_wording, sample_audit.results)))
    unworded = evaluate(AuditView(blanked, ruleset.articles), sample_package.tables)
    assert worded.employment_min == ruleset.parameters.value("employment_ratio_min", sample_audit.year)
    assert any(p.extension is not None and p.extension.total for p in worded.provinces)
    assert _figures(unworded) == _figures(worded)


def _figures(evaluation) -> tuple:
    """Every figure of the evaluation (a province's view holds its results, wording and all)."""
    provinces = tuple((p.province.office.office_id, *(getattr(p, f.name) for f in dataclasses.fields(p)
                                                     if f.name != "province")) for p in evaluation.provinces)
    return provinces, evaluation.employment_min, evaluation.articles, evaluation.deadline_rules


def test_the_evaluation_has_no_employment_minimum_when_no_office_was_judged(sample_audit, sample_package, ruleset):
    others = tuple(r for r in sample_audit.results if r.rule_id != EMPLOYMENT_RULE)
    evaluation = evaluate(AuditView(dataclasses.replace(sample_audit, results=others), ruleset.articles),
                          sample_package.tables)
    assert evaluation.employment_min is None  # not a guessed 20%


def test_report_json_writes_the_typed_fields(sample_audit):
    document = report_document(sample_audit)
    assert document["schema_version"] == SCHEMA_VERSION == "2.0"
    results = results_of(document)
    assert all({"threshold", "parameters", "counts"} <= set(r) for r in results)
    employment = next(r for r in results if r["rule_id"] == EMPLOYMENT_RULE and r["counts"])
    assert employment["parameters"][0]["name"] == "employment_ratio_min"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", employment["parameters"][0]["effective"])
    assert isinstance(employment["threshold"], float)
    assert set(employment["counts"]) == {"met", "total"}


def test_a_field_added_to_parameter_use_reaches_report_json_without_a_writer_change(sample_audit):
    @dataclasses.dataclass(frozen=True)
    class WithReview(ParameterUse):
        reviewed_by: str = "P1"

    use = WithReview("employment_ratio_min", 0.2, "ratio", dt.date(2020, 1, 1))
    result = Result("r", "o", Status.PASS, 0.5, ">= 20%", "", "", threshold=0.2, parameters=(use,),
                    counts=Counts(1, 2))
    (written,) = results_of(report_document(dataclasses.replace(sample_audit, results=(result,))))
    assert written["parameters"] == [{"name": "employment_ratio_min", "value": 0.2, "unit": "ratio",
                                      "effective": "2020-01-01", "basis": None, "source": "", "adopted_by": "",
                                      "reviewed_by": "P1"}]
    assert written["counts"] == {"met": 1, "total": 2}
