"""document: an office drew up the document its duty names (plan, report, measures...) for the year,
sent it to the superior office the article names, in time, and had it approved or published where required.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, ParamName, Params, parameters_used
from westaudit.checks.office_rows import OfficeRows
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, OfficeCode, RowSelector
from westaudit.core.results import Counts, Status
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext


class DocumentParams(Params):
    documents: RowSelector
    submitted_to: OfficeCode | None = None
    due: ParamName | None = None
    approved_by: OfficeCode | None = None
    published: bool = False


def _superior(ctx: EvalContext, office: str, role: str) -> str | None:
    parent = ctx.org.offices[office].parent_id
    return ctx.org.nearest_with_role(parent, role) if parent in ctx.org else None


@register("document")
class DocumentCheck(CheckKind):
    Params = DocumentParams
    summary_zh = "文件：按时制定并报送（审批、发布）规定文件"

    def column_refs(self) -> Iterator[ColumnRef]:
        p = self.params
        yield from p.documents.column_refs("documents")
        if p.submitted_to:
            yield ColumnRef(p.documents.table, "submitted_to", "submitted_to")
        if p.submitted_to or p.due:
            yield ColumnRef(p.documents.table, "submitted_on", "due")
        if p.approved_by:
            yield ColumnRef(p.documents.table, "approved_by", "approved_by")
            yield ColumnRef(p.documents.table, "approved_on", "approved_by")
        if p.published:
            yield ColumnRef(p.documents.table, "published_on", "published")

    def _expected(self, ctx: EvalContext) -> str:
        p = self.params
        parts = ["本年度文件 a document for the year"]
        if p.submitted_to:
            parts.append(f"报送 sent to {p.submitted_to}")
        if p.due:
            parts.append(f"不晚于 by {ctx.deadline(p.due).date()}")
        if p.approved_by:
            parts.append(f"经 {p.approved_by} 审批 approved")
        if p.published:
            parts.append("已发布 published")
        return "；".join(parts)

    def _row_problems(self, ctx: EvalContext, docs: pd.DataFrame) -> pd.Series:
        """Per document, what keeps it from meeting the duty ('' when it meets it)."""
        p = self.params
        problems = pd.Series("", index=docs.index)

        def flag(mask: pd.Series, text: str) -> None:
            problems[mask.fillna(True).astype(bool)] += text + "; "

        if p.submitted_to:
            superior = {o: _superior(ctx, o, p.submitted_to) for o in docs[OFFICE].unique()}
            flag(docs["submitted_to"] != docs[OFFICE].map(superior), f"未报送{p.submitted_to} not sent to superior")
            flag(docs["submitted_on"].isna(), "未填报送日期 not sent")
        if p.due:
            flag(docs["submitted_on"] > ctx.deadline(p.due), "逾期报送 sent late")
            if not p.submitted_to:  # a document with no date cannot show it met its deadline
                flag(docs["submitted_on"].isna(), "未填报送日期 no date sent")
        if p.approved_by:
            flag(docs["approved_on"].isna(), "未经审批 not approved")
            flag(docs["approved_by"] != docs[OFFICE].map(self._approvers(ctx, docs)), "审批单位不符 wrong approver")
        if p.published:
            flag(docs["published_on"].isna(), "未发布 not published")
        return problems.str.rstrip("; ")

    def _approvers(self, ctx: EvalContext, docs: pd.DataFrame) -> dict[str, str | None]:
        """The approving office: the office itself when it plays the role (e.g. national), else its superior."""
        role = self.params.approved_by
        return {o: o if role in ctx.org.offices[o].roles else _superior(ctx, o, role) for o in docs[OFFICE].unique()}

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        docs = self.params.documents.select(ctx)
        docs = docs[docs[OFFICE].isin(offices)]
        docs = docs.assign(_reason=self._row_problems(ctx, docs))
        expected = self._expected(ctx)
        good = docs[docs["_reason"] == ""].groupby(OFFICE)["document_id"]
        good_ids, good_counts = good.agg("、".join).to_dict(), good.size().to_dict()
        by_office = OfficeRows(docs)
        # the due date is the one value a document is judged against
        typed = {"threshold": ctx.deadline(self.params.due).date().isoformat() if self.params.due else None,
                 "parameters": parameters_used(ctx, self.params.due)}
        outcomes = []
        for office in offices:
            total = by_office.count(office)
            if office in good_counts:
                count = good_counts[office]
                outcomes.append(OfficeOutcome(office, Status.PASS, good_ids[office], expected,
                                              f"已有合规文件 {count} 份", f"{count} compliant document(s)",
                                              counts=Counts(int(count), total), **typed))
                continue
            own = by_office.of(office)
            if own.empty:
                outcomes.append(OfficeOutcome(office, Status.FAIL, 0, expected, "本年度无此类文件",
                                              "no such document for the year", counts=Counts(0, 0), **typed))
            else:
                outcomes.append(OfficeOutcome(office, Status.FAIL, "、".join(own["document_id"]), expected,
                                              "文件不合规：" + "；".join(own["_reason"]),
                                              "document falls short: " + "; ".join(own["_reason"]), own, self.params.documents.table,
                                              counts=Counts(0, total), **typed))
        return outcomes
