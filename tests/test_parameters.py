import datetime as dt

from westaudit.spec.parameters import Parameter, ParameterSet


def _set(*values):
    return ParameterSet({"p": Parameter("p", "ratio", "d", "", "r", tuple(values), "f", 1)})


def test_the_value_in_force_at_year_end_applies():
    parameters = _set((dt.date(2009, 1, 1), 0.2), (dt.date(2024, 7, 1), 0.25))
    assert parameters.value("p", 2023) == 0.2
    assert parameters.value("p", 2024) == 0.25


def test_month_day_deadline_lands_in_the_audit_year():
    parameters = ParameterSet({"d": Parameter("d", "month_day", "d", "", "r", ((dt.date(2009, 1, 1), "03-31"),),
                                              "f", 1)})
    assert parameters.deadline("d", 2025) == dt.date(2025, 3, 31)
