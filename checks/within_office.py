"""within_office: offices a row names (e.g. a post adjustment's units) lie inside the row's own office."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from westaudit.checks import remedy
from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, Params
from westaudit.checks.registry import register
from westaudit.checks.row_outcomes import RowWording, outcomes_by_rows
from westaudit.checks.selectors import OFFICE, RowSelector
from westaudit.core.results import Remediation, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class WithinOfficeParams(Params):
    records: RowSelector
    columns: tuple[str, ...]


@register("within_office")
class WithinOfficeCheck(CheckKind):
    Params = WithinOfficeParams
    summary_zh = "隶属：记录所涉单位均在本单位辖区内"
    fails_row_by_row = True

    def column_refs(self) -> Iterator[ColumnRef]:
        yield from self.params.records.column_refs("records")
        for column in self.params.columns:
            yield ColumnRef(self.params.records.table, column, "columns")

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        p = self.params
        records = p.records.select(ctx)
        records = records[records[OFFICE].isin(offices)]
        inside = {office: ctx.org.subtree(office) for office in offices}
        outside = pd.Series(False, index=records.index)
        reasons = pd.Series("", index=records.index)
        reasons_en = pd.Series("", index=records.index)
        for column in p.columns:
            named_outside = [named not in inside[owner] for owner, named in zip(records[OFFICE], records[column],
                                                                                   strict=True)]
            mask = pd.Series(named_outside, index=records.index, dtype=bool)
            outside |= mask
            header_zh, header_en = remedy.column(ctx, p.records.table, column)
            reasons[mask] += f"{header_zh}不在辖区内；"
            reasons_en[mask] += f"{header_en} outside the office's area; "
        offending = records[outside].assign(_reason=reasons[outside].str.rstrip("；"),
                                            _reason_en=reasons_en[outside].str.rstrip("; "))
        return outcomes_by_rows(offices, records, offending, "全部在辖区内", p.records.table,
                                Status.NOT_APPLICABLE,
                                RowWording("{total} 条中 {bad} 条越出辖区", "{bad} of {total} rows name an office outside"),
                                remedy=lambda bad: self._remedy(ctx, bad), expected_en="all inside the office's area")

    def _remedy(self, ctx: EvalContext, bad: pd.DataFrame) -> Remediation:
        table = self.params.records.table
        names = [remedy.column(ctx, table, column) for column in self.params.columns]
        return remedy.correct_rows(ctx, table, remedy.source_rows(bad), (
            f"{'、'.join(z for z, _ in names)}应为本辖区内的单位；确需跨辖区的，附上级项目办批准后再报",
            f"{', '.join(e for _, e in names)} must name an office inside the area; where it must be outside, "
            "attach the superior office's approval"))
