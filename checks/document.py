"""document: an office drew up the document its duty names (plan, report, measures...) for the year,
sent it to the superior office the article names, in time, and had it approved or published where required.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from westaudit.checks import remedy
from westaudit.checks.base import CheckKind, ColumnRef, OfficeOutcome, ParamName, Params, parameters_used
from westaudit.checks.office_rows import OfficeRows, values_by
from westaudit.checks.registry import register
from westaudit.checks.selectors import OFFICE, OfficeCode, RowSelector
from westaudit.core.results import Counts, Remediation, Status
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


# each problem a document can have, in words (the message; the evidence rows keep both languages in their reason)
_PROBLEMS = {
    "not_sent": ("未报送上级项目办", "not sent to the superior office"),
    "no_date": ("未填报送日期", "no date sent"),
    "late": ("逾期报送", "sent late"),
    "not_approved": ("未经审批", "not approved"),
    "wrong_approver": ("审批单位不符", "approved by the wrong office"),
    "not_published": ("未发布", "not published"),
}


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

    def _expected(self, ctx: EvalContext) -> tuple[str, str]:
        p = self.params
        zh, en = ["本年度文件"], ["a document for the year"]
        if p.submitted_to:
            role_zh, role_en = remedy.office_code(p.submitted_to)
            zh.append(f"报送{role_zh}")
            en.append(f"sent to {role_en}")
        if p.due:
            zh.append(f"不晚于 {ctx.deadline(p.due).date()}")
            en.append(f"by {ctx.deadline(p.due).date()}")
        if p.approved_by:
            role_zh, role_en = remedy.office_code(p.approved_by)
            zh.append(f"经{role_zh}审批")
            en.append(f"approved by {role_en}")
        if p.published:
            zh.append("已发布")
            en.append("published")
        return "；".join(zh), "; ".join(en)

    def _row_problems(self, ctx: EvalContext, docs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per document, what keeps it from meeting the duty ('' when it meets it), and the same as one flag
        column per problem (what the remediation is written from)."""
        p = self.params
        problems = pd.Series("", index=docs.index)
        problems_en = pd.Series("", index=docs.index)
        flags: dict[str, pd.Series] = {}

        def flag(mask: pd.Series, text: tuple[str, str], problem: str) -> None:
            hit = mask.fillna(True).astype(bool)
            problems[hit] += text[0] + "；"
            problems_en[hit] += text[1] + "; "
            flags[problem] = flags[problem] | hit if problem in flags else hit

        if p.submitted_to:
            superior = {o: _superior(ctx, o, p.submitted_to) for o in docs[OFFICE].unique()}
            to_zh, to_en = remedy.office_code(p.submitted_to)
            flag(docs["submitted_to"] != docs[OFFICE].map(superior), (f"未报送{to_zh}", f"not sent to the {to_en}"),
                 "not_sent")
            flag(docs["submitted_on"].isna(), ("未填报送日期", "no date sent"), "no_date")
        if p.due:
            flag(docs["submitted_on"] > ctx.deadline(p.due), ("逾期报送", "sent late"), "late")
            if not p.submitted_to:  # a document with no date cannot show it met its deadline
                flag(docs["submitted_on"].isna(), ("未填报送日期", "no date sent"), "no_date")
        if p.approved_by:
            flag(docs["approved_on"].isna(), ("未经审批", "not approved"), "not_approved")
            flag(docs["approved_by"] != docs[OFFICE].map(self._approvers(ctx, docs)), ("审批单位不符", "wrong approver"),
                 "wrong_approver")
        if p.published:
            flag(docs["published_on"].isna(), ("未发布", "not published"), "not_published")
        reasons = pd.DataFrame({"_reason": problems.str.rstrip("；"), "_reason_en": problems_en.str.rstrip("; ")})
        return reasons, pd.DataFrame(flags, index=docs.index, dtype=bool)

    def _due(self, ctx: EvalContext) -> str | None:
        return ctx.deadline(self.params.due).date().isoformat() if self.params.due else None

    def _to_add(self, ctx: EvalContext, office: str) -> Remediation:
        """The document missing altogether: the row to add to the documents sheet."""
        p, table = self.params, self.params.documents.table
        fill: list[tuple[str, tuple[str, str]]] = []
        for name, wanted in p.documents.where.items():
            fill.append((name, remedy.code(ctx, table, name, wanted[0] if isinstance(wanted, list) else wanted)))
        fill.append(("office_id", (office, office)))
        if p.documents.year_column:
            year = str(ctx.year + p.documents.year_offset)
            fill.append((p.documents.year_column, (year, year)))
        note_zh, note_en = [], []
        if p.submitted_to:
            superior = _superior(ctx, office, p.submitted_to) or remedy.office_code(p.submitted_to)[0]
            fill.append(("submitted_to", (superior, superior)))
            note_zh.append("报送后填报送日期")
            note_en.append("fill in the date sent")
        if p.approved_by:
            approver = self._approver(ctx, office) or remedy.office_code(p.approved_by)[0]
            fill.append(("approved_by", (approver, approver)))
            note_zh.append("审批后填审批日期")
            note_en.append("the date approved once approved")
        if p.published:
            note_zh.append("发布后填发布日期")
            note_en.append("the date published once published")
        note = ("；" + "，".join(note_zh), "; " + ", ".join(note_en)) if note_zh else ("", "")
        return remedy.add_row(ctx, table, fill, self._due(ctx), note)

    def _to_correct(self, ctx: EvalContext, office: str, own: pd.DataFrame, flags: pd.DataFrame) -> Remediation:
        """The documents there but short of the duty: what to correct in their rows."""
        p, table = self.params, self.params.documents.table
        found = set(flags.columns[flags.loc[own.index].any()]) if not flags.empty else set()
        steps: list[tuple[str, str]] = []
        if "not_sent" in found:
            superior = _superior(ctx, office, p.submitted_to) or ""
            steps.append((f"报送单位编号填 {superior}（{remedy.office_code(p.submitted_to)[0]}）",
                          f"submitted_to {superior} ({remedy.office_code(p.submitted_to)[1]})"))
        if "no_date" in found:
            steps.append(("填写报送日期", "fill in the date sent"))
        if "late" in found:
            steps.append((f"报送日期晚于 {self._due(ctx)}，写明逾期原因", f"sent after {self._due(ctx)}: say why"))
        if "not_approved" in found or "wrong_approver" in found:
            approver = self._approver(ctx, office) or ""
            steps.append((f"报{approver}（{remedy.office_code(p.approved_by)[0]}）审批，审批单位编号填 {approver}并填审批日期",
                          f"have it approved by {approver} ({remedy.office_code(p.approved_by)[1]}), approved_by "
                          f"{approver} and the date approved"))
        if "not_published" in found:
            steps.append(("发布后填写发布日期", "publish it and fill in the date published"))
        return remedy.correct_rows(ctx, table, remedy.source_rows(own),
                                   ("；".join(z for z, _ in steps), "; ".join(e for _, e in steps)), self._due(ctx))

    def _approver(self, ctx: EvalContext, office: str) -> str | None:
        role = self.params.approved_by
        return office if role in ctx.org.offices[office].roles else _superior(ctx, office, role)

    def _approvers(self, ctx: EvalContext, docs: pd.DataFrame) -> dict[str, str | None]:
        """The approving office: the office itself when it plays the role (e.g. national), else its superior."""
        role = self.params.approved_by
        return {o: o if role in ctx.org.offices[o].roles else _superior(ctx, o, role) for o in docs[OFFICE].unique()}

    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        docs = self.params.documents.select(ctx)
        docs = docs[docs[OFFICE].isin(offices)]
        reasons, flags = self._row_problems(ctx, docs)
        docs = docs.assign(_reason=reasons["_reason"], _reason_en=reasons["_reason_en"])
        expected, expected_en = self._expected(ctx)
        good = docs[docs["_reason"] == ""]
        good_by_office = values_by(good[OFFICE], good["document_id"])
        good_ids = {office: "、".join(ids) for office, ids in good_by_office.items()}
        good_counts = {office: len(ids) for office, ids in good_by_office.items()}
        by_office = OfficeRows(docs)
        # the due date is the one value a document is judged against
        typed = {"threshold": ctx.deadline(self.params.due).date().isoformat() if self.params.due else None,
                 "parameters": parameters_used(ctx, self.params.due), "expected_en": expected_en}
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
                                              "no such document for the year", counts=Counts(0, 0), **typed,
                                              remediation=self._to_add(ctx, office)))
            else:
                found = [problem for problem in _PROBLEMS if problem in flags and flags.loc[own.index, problem].any()]
                outcomes.append(OfficeOutcome(office, Status.FAIL, "、".join(own["document_id"]), expected,
                                              "文件不合规：" + "；".join(_PROBLEMS[f][0] for f in found),
                                              "document falls short: " + "; ".join(_PROBLEMS[f][1] for f in found),
                                              own, self.params.documents.table,
                                              counts=Counts(0, total), **typed,
                                              remediation=self._to_correct(ctx, office, own, flags)))
        return outcomes
