"""The national evaluation's opening paragraph, written from its figures: how many provinces met the employment
duty, who filed, paid or reported late, who was ranked last two years running, and who stands lowest. Nothing here is typed by hand: each sentence is
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
            sentence = (f"就业比例（不低于 {minimum}）：{len(judged)} 个省份中 {len(met)} 个省份的服务县全部达标，共 "
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
    lacking = _lacking(evaluation, lang)
    if lacking:
        sentences.append(lacking)
    last_place = _last_place_twice(evaluation, lang)
    if last_place:
        sentences.append(last_place)
    scored = [p for p in provinces if p.score.compliance is not None]
    if len(scored) > 1:
        lowest = min(scored, key=lambda p: (p.score.compliance, p.province.office.office_id))
        rate, own = percent(lowest.score.compliance), percent(lowest.own_score.compliance)
        sentences.append(f"全省符合率（省内全部机构合计）最低的省份：{lowest.province.office.name}（{rate}；"
                         f"其本级符合率 {own}，即总览页所列）。" if lang == "zh"
                         else f"Lowest province-wide compliance (every office in the province): "
                              f"{lowest.province.office.name} ({rate}; its own compliance, as the overview shows it, "
                              f"{own}).")
    return sentences


_FIGURES = {"employment_ok": ("就业比例", "employment ratio"), "extension": ("延期备案", "extension filings"),
            "subsidy": ("补贴发放", "subsidy payments"), "incidents": ("突发事件报告", "incident reports")}


def _lacking(evaluation: Evaluation, lang: str) -> str | None:
    """The provinces whose figures could not be made because rows they rest on were rejected (数据不足)."""
    index = 0 if lang == "zh" else 1
    named = [(p, [_FIGURES[name][index] for name in _FIGURES if name in p.lacking])
             for p in evaluation.provinces if p.lacking]
    if not named:
        return None
    if lang == "zh":
        return "数据不足（数据中有被拒收的行，无法评价）：" + "；".join(
            f"{p.province.office.name}的{'、'.join(figures)}" for p, figures in named) + "。"
    return "Insufficient data (rows were rejected, nothing could be judged): " + "; ".join(
        f"{p.province.office.name}: {', '.join(figures)}" for p, figures in named) + "."


def _last_place_twice(evaluation: Evaluation, lang: str) -> str | None:
    """Who ranked last two years running, from the typed flags (Result.last_ranked_again), never the messages."""
    before, year = evaluation.last_place_compared_with, evaluation.year
    if not evaluation.ranking_judged:
        return None
    if before is None:
        return (f"连续两年末位：未与 {year - 1} 年比较（本次审计未使用审计库，或审计库中没有 {year - 1} 年的考核排名）。"
                if lang == "zh" else f"Last place two years running: not compared with {year - 1} (no audit store "
                                     f"was used, or it holds no {year - 1} standings).")
    judged = [p for p in evaluation.provinces if p.last_place_twice is not None]
    twice = [flag for p in judged for flag in p.last_place_twice]
    if not twice:
        return (f"与 {before} 年的考核排名相比，{len(judged)} 个省份中没有连续两年排名末位的被考核单位。" if lang == "zh"
                else f"Compared with the {before} standings, no one was ranked last two years running in the "
                     f"{len(judged)} provinces judged.")
    if lang == "zh":
        listed = "、".join(f"{f.subject_name}（{f.assessor_name}考核）" for f in twice)
        return f"连续两年（{before}、{year} 年）排名末位的有 {len(twice)} 个：{listed}。"
    listed = ", ".join(f"{f.subject_name} (assessed by {f.assessor_name})" for f in twice)
    return f"Ranked last two years running ({before} and {year}): {len(twice)}, namely {listed}."
