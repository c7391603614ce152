"""Outcomes of the kinds that judge records one by one: an office passes when none of its records offend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from westaudit.checks.base import OfficeOutcome
from westaudit.checks.office_rows import OfficeRows
from westaudit.checks.selectors import OFFICE
from westaudit.core.results import Counts, ParameterUse, Remediation, Status
from westaudit.core.results import Threshold as ThresholdValue
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")


@dataclass(frozen=True)
class RowWording:
    """How a per-row kind words its outcome; {bad} and {total} are filled in per office."""

    summary_zh: str
    summary_en: str
    none_zh: str = "无相关记录"
    none_en: str = "no records"


def outcomes_by_rows(offices: list[str], records: pd.DataFrame, offending: pd.DataFrame, expected: str,
                     table: str, when_none: Status, wording: RowWording, threshold: ThresholdValue = None,
                     parameters: tuple[ParameterUse, ...] = (),
                     remedy: Callable[[pd.DataFrame], Remediation] | None = None,
                     expected_en: str = "") -> list[OfficeOutcome]:
    """Pass or fail per office by whether any of its records offend; offices with no records get when_none.

    The offending rows are grouped by office once, not filtered once per office. `remedy` writes what to do
    about an office's offending rows.
    """
    totals = records.groupby(OFFICE).size().to_dict()
    offending_by_office = OfficeRows(offending)
    outcomes = []
    for office in offices:
        total = int(totals.get(office, 0))
        if total == 0:
            outcomes.append(OfficeOutcome(office, when_none, 0, expected, wording.none_zh, wording.none_en,
                                          threshold=threshold, parameters=parameters, counts=Counts(0, 0),
                                          expected_en=expected_en))
            continue
        count = offending_by_office.count(office)
        offending_rows = offending_by_office.of(office) if count else None
        outcomes.append(OfficeOutcome(
            office, Status.FAIL if count else Status.PASS, f"{total - count}/{total}", expected,
            wording.summary_zh.format(bad=count, total=total), wording.summary_en.format(bad=count, total=total),
            offending_rows, table, threshold=threshold, parameters=parameters, counts=Counts(total - count, total),
            remediation=remedy(offending_rows) if count and remedy is not None else None, expected_en=expected_en))
    return outcomes
