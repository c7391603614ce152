"""row_condition: every selected row meets stated conditions (a value from an allowed set, a cell filled,
one date not after another). For 专款专用, 户籍档案保留在学校, 免费住宿 and similar duties on each record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from westaudit.checks import remedy
from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, Params
from westaudit.checks.registry import register
from westaudit.checks.row_outcomes import RowWording, outcomes_by_rows
from westaudit.checks.selectors import OFFICE, RowSelector, Scalar
from westaudit.core.results import Remediation, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class Condition(Params):
    column: str
    one_of: list[Scalar] | None = None
    filled: bool = False
    not_after: str | None = Field(default=None, description="another date column this one may not come after")
    label_zh: str = ""


class RowConditionParams(Params):
    records: RowSelector
    require: list[Condition] = Field(min_length=1)
    when_none: Literal["not_applicable", "fail", "insufficient_data"] = "not_applicable"


def _unmet(rows: pd.DataFrame, condition: Condition) -> pd.Series:
    values = rows[condition.column]
    unmet = pd.Series(False, index=rows.index)
    if condition.filled:
        unmet |= values.isna()
    if condition.one_of is not None:
        unmet |= ~values.isin(condition.one_of).fillna(False).astype(bool)
    if condition.not_after:
        unmet |= (values > rows[condition.not_after]).fillna(False).astype(bool)
    return unmet


@register("row_condition")
class RowConditionCheck(CheckKind):
    Params = RowConditionParams
    summary_zh = "逐条：每条记录均满足规定条件"
    fails_row_by_row = True

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.records.column_refs("records")
        for index, condition in enumerate(p.require):
            for column in (condition.column, condition.not_after):
                if column:
                    yield ColumnRef(p.records.table, column, f"require.{index}")

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        rows = p.records.select(ctx)
        rows = rows[rows[OFFICE].isin(offices)]
        reasons = pd.Series("", index=rows.index)
        reasons_en = pd.Series("", index=rows.index)
        for condition in p.require:
            unmet = _unmet(rows, condition)
            zh, en = _to_meet(ctx, p.records.table, condition)
            reasons[unmet] += f"不满足：{condition.label_zh or zh}；"
            reasons_en[unmet] += f"short of: {en}; "
        short = reasons != ""
        offending = rows[short].assign(_reason=reasons[short].str.rstrip("；"), _reason_en=reasons_en[short].str.rstrip("; "))
        expected = "；".join(c.label_zh or _to_meet(ctx, p.records.table, c)[0] for c in p.require)
        expected_en = "; ".join(_to_meet(ctx, p.records.table, c)[1] for c in p.require)
        return outcomes_by_rows(offices, rows, offending, expected, p.records.table, Status(p.when_none),
                                RowWording("{total} 条中 {bad} 条不满足", "{bad} of {total} rows fall short"),
                                remedy=lambda bad: self._remedy(ctx, bad), expected_en=expected_en)

    def _remedy(self, ctx: EvalContext, bad: pd.DataFrame) -> Remediation:
        """The rows short of a condition: each condition they miss, as what to enter."""
        table = self.params.records.table
        steps = [_to_meet(ctx, table, condition) for condition in self.params.require
                 if _unmet(bad, condition).any()]
        return remedy.correct_rows(ctx, table, remedy.source_rows(bad),
                                   ("；".join(z for z, _ in steps), "; ".join(e for _, e in steps)))


def _to_meet(ctx: EvalContext, table: str, condition: Condition) -> tuple[str, str]:
    col_zh, col_en = remedy.column(ctx, table, condition.column)
    zh, en = [], []
    if condition.filled:
        zh.append(f"填写{col_zh}")
        en.append(f"fill in {col_en}")
    if condition.one_of is not None:
        labels = [remedy.code(ctx, table, condition.column, value) for value in condition.one_of]
        zh.append(f"{col_zh}应为{'或'.join(z for z, _ in labels)}")
        en.append(f"{col_en} must be {' or '.join(e for _, e in labels)}")
    if condition.not_after:
        other_zh, other_en = remedy.column(ctx, table, condition.not_after)
        zh.append(f"{col_zh}不晚于{other_zh}")
        en.append(f"{col_en} no later than {other_en}")
    return "，".join(zh), ", ".join(en)
