"""The national evaluation's opening paragraph, written from its figures: how many provinces met the employment
duty, who filed, paid or reported late, and who stands lowest. Nothing here is typed by hand: each sentence is
a figure of reports/evaluation.py put into words, so it says what the tables below say."""

from __future__ import annotations

from collections.abc import Callable

from .evaluation import Evaluation, ProvinceFigures, Rate
from .render import percent

_SEP = {"zh": "、", "en": ", "}


def _named(provinces: list[tuple[ProvinceFigures, Rate]], lang: str) -> str:
    return _SEP[lang].join(f"{p.province.office.name}（{r.done}/{r.total}）" if lang == "zh"
                           else f"{p.province.office.name} ({r.done}/{r.total})" for p, r in provinces)


def _on_time(evaluation: Evaluation, figure: Callable[[ProvinceFigures], Rate | None], what: tuple[str, str],
             lang: str) -> str | None:
    judged = [(p, figure(p)) for p in evaluation.provinces if figure(p) is not None and figure(p).total]
    if not judged:
        return None
    late = [(p, r) for p, r in judged if r.done < r.total]
    what_zh, what_en = what
    if not late:
        return (f"{what_zh}：{len(judged)} 个省份全部按时。" if lang == "zh"
                else f"{what_en}: all on time in the {len(judged)} provinces judged.")
    return (f"{what_zh}未全部按时的有 {len(late)} 个省份：{_named(late, lang)}。" if lang == "zh"
            else f"{what_en} not all on time in {len(late)} province(s): {_named(late, lang)}.")


def summary_sentences(evaluation: Evaluation, lang: str) -> list[str]:
    sentences = []
    provinces = evaluation.provinces
    judged = [(p, p.employment_ok) for p in provinces if p.employment_ok is not None and p.employment_ok.total]
    minimum = percent(evaluation.employment_min)
    if judged:
        met = [p for p, r in judged if r.done == r.total]
        short = [(p, r) for p, r in judged if r.done < r.total]
        counties = sum(r.total for _, r in judged)
        placing = sum(r.done for _, r in judged)
        if lang == "zh":
            sentence = (f"就业比例（不低于 {minimum}）：{len(judged)} 个省份中 {len(met)} 个省份的服务县全部达标，共"
                        f"{counties} 个服务县中 {placing} 个达标")
            sentence += f"；未全部达标的省份：{_named(short, lang)}。" if short else "。"
        else:
            sentence = (f"Employment ratio (at least {minimum}): in {len(met)} of {len(judged)} provinces every "
                        f"serving county met it; {placing} of {counties} counties did")
            sentence += f"; provinces short of it: {_named(short, lang)}." if short else "."
        sentences.append(sentence)
    for figure, what in ((lambda p: p.extension, ("延期备案", "Extension filings")),
                         (lambda p: p.subsidy, ("补贴发放", "Subsidy payments")),
                         (lambda p: p.incidents, ("突发事件报告", "Incident reports"))):
        sentence = _on_time(evaluation, figure, what, lang)
        if sentence:
            sentences.append(sentence)
    scored = [p for p in provinces if p.score.compliance is not None]
    if len(scored) > 1:
        lowest = min(scored, key=lambda p: (p.score.compliance, p.province.office.office_id))
        rate = percent(lowest.score.compliance)
        sentences.append(f"符合率最低的省份：{lowest.province.office.name}（{rate}，符合率的含义见文末）。" if lang == "zh"
                         else f"Lowest compliance: {lowest.province.office.name} ({rate}; the rate is defined at the end).")
    return sentences
