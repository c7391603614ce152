"""The reports' words in Chinese (default) and English: one small catalogue, looked up by key."""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache

from westaudit.core.offices import OFFICE_CODES_ZH
from westaudit.core.results import STATUS_ZH, Result, Status
from westaudit.core.submission import RECEIPT_STATE_EN, RECEIPT_STATE_ZH, ReceiptState
from westaudit.intake.rectification import STATES_EN

LANGS = ("zh", "en")

STATUS_EN = {
    Status.PASS: "pass", Status.FAIL: "fail", Status.WARN: "warning", Status.NOT_APPLICABLE: "not applicable",
    Status.INSUFFICIENT_DATA: "insufficient data", Status.WAIVED: "waived",
}

LEVEL = {
    "zh": {"national": "全国", "province": "省级", "prefecture": "地市", "county": "县级", "university": "高校",
           "unit": "服务单位"},
    "en": {"national": "national", "province": "province", "prefecture": "prefecture", "county": "county",
           "university": "university", "unit": "service unit"},
}
LEVEL_ORDER = ("national", "province", "prefecture", "county", "university", "unit")

OFFICE_CODES_EN = {
    "national": "national office", "recruit_province": "recruiting province", "service_province": "serving province",
    "service_prefecture": "serving prefecture", "service_county": "serving county", "university": "university",
    "service_unit": "service unit",
}

_WORDS: dict[str, tuple[str, str]] = {
    "report_title": ("西部计划职责履行审计报告", "West Plan duty audit report"),
    "index_title": ("西部计划职责履行审计 · 总览", "West Plan duty audit · overview"),
    "evaluation_title": ("西部计划年度评估报告（全国项目办职责第16条）",
                         "West Plan annual evaluation report (national office, article 16)"),
    "year": ("审计年度", "audit year"),
    "submitted_by": ("报送单位", "submitted by"),
    "ruleset": ("规则集版本", "rule-set version"),
    "generated": ("生成时间", "generated"),
    "level": ("层级", "level"),
    "office": ("机构", "office"),
    "parent": ("上级机构", "parent office"),
    "compliance": ("符合率", "compliance"),
    "compliance_note": ("符合率 =（符合 + 提示）÷（符合 + 提示 + 不符合 + 数据不足）；不适用、已豁免不计入。",
                        "compliance = (pass + warning) ÷ (pass + warning + fail + insufficient data); not applicable "
                        "and waived excluded."),
    "rank": ("名次", "rank"),
    "failed_articles": ("不符合的条款", "failed articles"),
    "results": ("核查项", "checks"),
    "article": ("条款", "article"),
    "article_n": ("{office}第{n}条", "{office} article {n}"),
    "duty": ("职责", "duty"),
    "status": ("结论", "status"),
    "measured": ("实测", "measured"),
    "expected": ("要求", "expected"),
    "explanation": ("说明", "explanation"),
    "value_basis": ("取值依据", "basis of the values"),
    "by_severity": ("按严重程度", "by severity"),
    "as_of": ("评估日期", "as of"),
    "policy": ("采用政策", "policy adopted by"),
    "to_fix": ("整改建议", "what to fix"),
    "evidence": ("证据行", "evidence rows"),
    "evidence_file": ("文件:行", "file:row"),
    "evidence_key": ("编号", "key"),
    "evidence_reason": ("原因", "reason"),
    "evidence_values": ("内容", "values"),
    "evidence_more": ("共 {total} 行，此处列出 {shown} 行；完整列表见 {file}",
                      "{total} rows, {shown} shown here; the full list is in {file}"),
    "evidence_capped": ("（数据文件最多保存每项 500 行）", "(the data file keeps at most 500 rows per check)"),
    "incomplete": ("依据的数据不完整（有拒收行或未提交）：", "rests on incomplete data (rows rejected or not submitted): "),
    "no_rule": ("尚无自动核查规则", "no automated check yet"),
    "no_results": ("本机构没有适用的核查项。", "No checks apply to this office."),
    "children": ("直属下级机构", "offices directly below"),
    "county_ranking": ("服务县符合率排名", "serving counties ranked by compliance"),
    "hierarchy": ("机构层级", "hierarchy"),
    "by_level": ("{level}机构", "{level} offices"),
    "back_to_index": ("返回总览", "back to the overview"),
    "data_files": ("数据文件", "data files"),
    "downloads": ("下载", "downloads"),
    "evaluation_link": ("全国年度评估报告", "national annual evaluation report"),
    "pass_fail_counts": ("符合/提示/不符合/数据不足", "pass/warning/fail/insufficient"),
    "none": ("无", "none"),
    "pages_note": ("{pages} 个机构（有须整改、提示或豁免事项的机构及其上级）单独成页；其余 {rest} 个机构无事项，"
                   "只在下表列出其数字，名称不带链接（全部成页：{command}）。",
                   "{pages} offices (those with something to fix, a hint or a waiver, and the offices above them) have "
                   "a page; the other {rest} have nothing to act on and are listed below with their figures, their "
                   "names without a link (a page for every office: {command})."),
    "not_submitted": ("未提交", "not submitted"),
    "table_accounts": ("数据核对：读取 = 接受 + 拒收", "data check: rows read = accepted + rejected"),
    "table": ("数据表", "table"),
    "column": ("列", "column"),
    "value": ("值", "value"),
    "files": ("文件", "files"),
    "rows_read": ("读取", "read"),
    "rows_accepted": ("接受", "accepted"),
    "rows_rejected": ("拒收", "rejected"),
    "sort_hint": ("点击表头排序", "click a column header to sort"),
    # consolidated audits: the packages behind the report and their self-check receipts
    "package": ("数据包", "package"),
    "no_package": ("未报送数据包（职责均为数据不足）", "no package submitted (every duty: insufficient data)"),
    "submissions": ("报送的数据包与自查回执", "packages submitted and their self-check receipts"),
    "supervising": ("监督机构 {office} 合并审计 {n} 个数据包", "{n} packages audited together by the supervising office {office}"),
    "submitting_office": ("报送机构", "submitted by"),
    "rows_merged": ("合并重复", "merged duplicates"),
    "receipt": ("自查回执", "self-check receipt"),
    "receipt_checked": ("自查：{office}，{at}，规则集 {version}", "self-checked by {office} at {at}, rule set {version}"),
    "same_ruleset": ("与本次审计相同", "same as this audit"),
    "other_ruleset": ("与本次审计不同", "not this audit's"),
    "failing_rules": ("不符合", "failing"),
    "receipt_below": ("自查含下属 {n} 个机构", "the self-check covered the offices below it ({n})"),
    "receipt_below_passed": ("均无不符合", "none failed"),
    "receipt_mismatch": ("回执与数据包不符：自查后已改动", "the receipt does not match: changed after the self-check"),
    "changed_files": ("改动的文件", "files changed"),
    "missing_offices": ("未报送数据包的机构（其职责均为数据不足）", "offices with no package (every duty: insufficient data)"),
    # evaluation report
    "by_province": ("分省情况", "by province"),
    "province": ("省份", "province"),
    "volunteers_serving": ("本年度在岗志愿者", "volunteers serving in the year"),
    "counties": ("服务县", "serving counties"),
    "employment_ok": ("就业比例达标县（≥{min}）", "counties placing ≥{min}"),
    "employment_median": ("县就业比例中位数", "median county employment ratio"),
    "extension_on_time": ("延期备案按时", "extension filings on time"),
    "counties_eliminated": ("末位淘汰服务县", "counties eliminated"),
    "subsidy_on_time": ("补贴按时发放", "subsidies paid on time"),
    "incidents_on_time": ("突发事件按时报告", "incidents reported on time"),
    "heatmap_title": ("各条款分省符合率", "compliance by article and province"),
    "employment_title": ("服务县就业比例分布", "distribution of county employment ratios"),
    "employment_axis": ("就业比例", "employment ratio"),
    "county_count": ("县数", "counties"),
    "threshold": ("下限", "minimum"),
    "on_time_title": ("时限类职责按时率", "on-time rates of deadline duties"),
    "per_article": ("各条款符合情况（全国）", "compliance per article (all offices)"),
    "offices_judged": ("评价机构数", "offices judged"),
    "evaluation_scope": ("评估范围：报送单位 {office} 辖区内 {n} 个省级项目办。",
                         "Scope: {n} provinces under the submitting office {office}."),
    "no_provinces": ("辖区内没有省级项目办。", "No province offices in scope."),
    "nothing_judged": ("无可评价结果", "nothing judged"),
    "own_compliance": ("本级符合率（同总览）", "own compliance (as in the overview)"),
    "province_compliance": ("全省符合率", "province-wide compliance"),
    "last_place_twice": ("连续两年末位", "last two years running"),
    "not_compared": ("未比较", "not compared"),
    "assessed_by": ("{subject}（{assessor}考核）", "{subject} (assessed by {assessor})"),
    "definitions": ("各列的含义", "What each column counts"),
    # each rate defined where it appears: the by-province columns, then each chart
    "def_volunteers_serving": ("志愿者名册中服务期与审计年度有交叠的志愿者，按其服务县所在省份计。",
                               "volunteers whose service overlaps the audit year, counted in the province of "
                               "their serving county."),
    "def_employment_ok": ("省内服务县中，落实就业岗位的志愿者占在县服务志愿者的比例不低于 {min} 的县数 ÷ 已评价的服务县数"
                          "（{article}）。",
                          "of the province's serving counties judged, those where the volunteers placed in a job "
                          "reach at least {min} of the volunteers serving there ({article})."),
    "def_employment_median": ("省内已评价服务县就业比例的中位数。", "the middle of the judged counties' employment ratios."),
    "def_extension_on_time": ("按时备案的服务延期 ÷ 应备案的服务延期，省内各机构合计（{article}）。",
                              "service extensions filed on time ÷ extensions to file, summed over the province's "
                              "offices ({article})."),
    "def_counties_eliminated": ("年度考核表中本年度结论为淘汰的服务县数。",
                                "serving counties whose assessment of the audit year is elimination."),
    "def_subsidy_on_time": ("按时发放的补贴（每名志愿者每月一条）÷ 应发放的补贴，省内各机构合计。",
                            "subsidies paid on time (one per volunteer and month) ÷ subsidies due, summed over the "
                            "province's offices."),
    "def_incidents_on_time": ("按时报告的突发事件 ÷ 应报告的突发事件，省内各机构合计。",
                              "incidents reported in time ÷ incidents to report, summed over the province's offices."),
    "def_last_place_twice": ("年度考核中被同一考核单位连续两年（{before}、{year} 年）排在末位的服务县、服务单位；"
                             "与审计库记录的上一年度排名比较。",
                             "serving counties and service units ranked last by the same assessor in {before} and "
                             "{year}, compared with the previous year's standings in the audit store."),
    "def_last_place_not_compared": ("年度考核中被同一考核单位连续两年排在末位的服务县、服务单位；本次未与 {before} 年比较"
                                    "（未使用审计库，或其中没有该年的考核排名），显示「未比较」。",
                                    "serving counties and service units ranked last by the same assessor two years "
                                    "running; not compared with {before} this time (no audit store, or no standings "
                                    "of that year in it), shown as “not compared”."),
    "def_own_compliance": ("省级项目办自身各项职责的符合率，即总览页该省一行的数字。",
                           "the compliance of the province office's own duties: the figure of its row in the "
                           "overview."),
    "def_province_compliance": ("省内全部机构（省级、地市、服务县、服务单位、高校项目办）全部核查项合计的符合率。总览页每行只计"
                                "该机构本身，所以与本级符合率不同。",
                                "the compliance of every check of every office in the province (the province office, "
                                "prefectures, counties, service units, universities) taken together. The overview "
                                "counts each office's own checks only, so this differs from the own compliance."),
    "def_not_submitted": ("所需数据表未报送。", "the table needed was not submitted."),
    "def_lacking": ("有关数据已报送，但其中的行被拒收，无法评价：更正各机构页面所列被拒收的行后重新审计。",
                    "submitted, but rows it needs were rejected, so nothing could be judged: correct the rejected "
                    "rows each office's page lists and audit again."),
    "def_nothing_judged": ("有数据，但没有可评价的结果（例如全部为不适用或已豁免）。",
                           "data there, but no result to judge (all not applicable or waived, say)."),
    "def_compliance": ("（符合 + 提示）÷（符合 + 提示 + 不符合 + 数据不足）；不适用、已豁免不计入。",
                       "(pass + warning) ÷ (pass + warning + fail + insufficient data); not applicable and waived "
                       "excluded."),
    "def_heatmap": ("每格：该省内各机构在该条款各规则上的全省符合率（定义见上）；颜色越绿越高；灰色「{none}」：该省在该条款没有可评价的结果。",
                    "Each cell: the province-wide compliance (defined above) of the article's rules among the "
                    "province's offices; greener is higher; grey “{none}”: nothing in the province to judge on it."),
    "def_employment_chart": ("每根柱：就业比例落在该区间的服务县数；红色柱低于下限，虚线为下限 {min}。",
                             "Each bar: the number of serving counties whose employment ratio falls in that band; red "
                             "bars are below the minimum, the dashed line is the minimum {min}."),
    "no_counties_judged": ("没有可评价的服务县", "no serving county judged"),
    "def_on_time": ("按时率 = 按时完成的记录 ÷ 应完成的记录，省内各机构合计；「{missing}」：该省没有可评价的记录。",
                    "On-time rate = records done in time ÷ records due, summed over the province's offices; "
                    "“{missing}”: nothing in the province to judge."),
    "def_per_article": ("评价机构数：在该条款有可评价结果的机构；符合率定义见上，全国合计。",
                        "Offices judged: offices with a result to judge on the article; compliance as defined above, "
                        "over all offices."),
    # the first screen: verdict, what to fix, filters
    "verdict_ready": ("可以报送", "Ready to submit"),
    "verdict_fix": ("需整改 {n} 项", "{n} to put right"),
    "verdict_fatal": ("其中致命 {m} 项", "{m} of them fatal"),
    "verdict_hints": ("另有提示 {k} 项", "and {k} hint(s)"),
    "verdict_ready_note": ("没有不符合或数据不足的职责。", "No duty failed or lacks the data to judge it."),
    "verdict_scope": ("{offices} 个机构需整改（共 {n} 项，其中致命 {m} 项），{ready} 个机构可以报送。",
                      "{offices} offices to put things right ({n} in all, {m} fatal); {ready} ready to submit."),
    "findings": ("需整改的职责", "duties to put right"),
    "severity": ("严重程度", "severity"),
    "reason": ("原因", "reason"),
    "duties_title": ("职责条款与取值依据", "Duty articles and the values they are judged by"),
    "duties_note": ("各机构页面中符合及无需评价的职责只列一行，其条文和取值依据见本页；需整改的职责在机构页面中完整列出。",
                    "An office page lists each duty passed or with nothing to judge in one row, linking here for its "
                    "article text and the basis of its values; what is to put right it shows in full."),
    "folded_articles_md": ("符合及无需评价的职责（{n} 项）", "duties passed or with nothing to judge ({n})"),
    "duties_md_rows": ("逐项列表见本机构页面", "each of them is listed on the office's page"),
    "duties_md_bases": ("各条文及取值依据见", "the text of each article and the basis of its values on"),
    "duties_link": ("职责条款与取值依据", "duty articles and value bases"),
    "folded_articles": ("符合及无需评价的职责（{n} 项，点击展开）", "duties passed or with nothing to judge ({n}, click to open)"),
    "filter_failed": ("只看需整改", "only what is to fix"),
    "filter_severity": ("严重程度", "severity"),
    "filter_level": ("层级", "level"),
    "filter_all": ("全部", "all"),
    "filter_search": ("搜索机构、职责、编号…", "search offices, duties, ids…"),
    "filter_shown": ("显示 {shown} / {total}", "showing {shown} of {total}"),
    "below_findings": ("下级机构需整改的职责", "duties to put right in the offices below"),
    "evaluation_summary": ("评估摘要", "Summary"),
    "rectification": ("整改情况（整改清单）", "rectification (the list sent back)"),
    "rectification_by": ("期限 {date}", "by {date}"),
    "rectification_none": ("清单中未填", "not filled in the list"),
    "rectification_blank": ("未填状态", "no state given"),
    # punctuation: full-width in Chinese, ASCII with spaces in English
    "colon": ("：", ": "),
    "open": ("（", " ("),
    "close": ("）", ")"),
    "list_sep": ("、", ", "),
    "semicolon": ("；", "; "),
    "item_sep": ("；", "; "),
}

SEVERITY = {
    "zh": {"fatal": "致命", "warning": "警告"},
    "en": {"fatal": "fatal", "warning": "warning"},
}

REMEDIATION: dict[tuple[str, Status], tuple[str, str]] = {
    ("ratio", Status.FAIL): ("为证据行所列对象补齐相应记录，使比例达到要求（{expected}），并留存佐证材料。",
                             "Complete the records for the members listed as evidence until the share meets {expected}."),
    ("deadline", Status.FAIL): ("对逾期或未填日期的记录说明原因并补报；今后在截止日期（{expected}）前完成。",
                                "Explain and file the late or undated records; finish before the deadline ({expected})."),
    ("ranking", Status.FAIL): ("完成对全部下级对象的年度考核，对末位对象执行淘汰，并把结果录入年度考核表。",
                               "Assess every subordinate, eliminate the last-ranked, and record it in the assessments."),
    ("within_office", Status.FAIL): ("纠正越出本辖区的记录；确需跨辖区的，按规定报上级项目办批准。",
                                     "Correct the records that leave the office's area, or obtain the approval required."),
}
_DEFAULT_FAIL = ("对照条文逐项整改，核对并更正证据行所列记录。",
                 "Work through the article and correct the records listed as evidence.")
_BY_STATUS = {
    Status.WARN: ("核实证据行所列情况，必要时整改。", "Check the rows listed as evidence and act where needed."),
    Status.INSUFFICIENT_DATA: ("补报所缺数据表（{tables}）后重新审计。",
                               "Submit the missing tables ({tables}) and audit again."),
}
_INCOMPLETE = ("更正被拒收的行（{tables}）后重新报送。", "Correct the rejected rows ({tables}) and submit again.")
_CORRECTIONS = ("更正证据所列被拒收的行（{tables}）后重新报送、重新审计。",
                "Correct the rejected rows listed as evidence ({tables}), submit and audit again.")


class Words:
    """One language's words, by attribute (templates: `T.year`) and by key (`T["year"]`). Attributes, so that
    jinja's lookup (attribute first) finds them at once: pages look words up millions of times at national scale."""

    def __init__(self, words: dict[str, str]):
        self.__dict__.update(words)

    def __getitem__(self, key: str) -> str:
        return self.__dict__[key]


@cache
def words(lang: str) -> Words:
    index = LANGS.index(lang)
    return Words({key: pair[index] for key, pair in _WORDS.items()})


def status_label(status: Status, lang: str) -> str:
    return STATUS_ZH[status] if lang == "zh" else STATUS_EN[status]


def severity_label(severity: str, lang: str) -> str:
    return SEVERITY[lang].get(severity, severity)


def rectification_state_label(state: str, lang: str) -> str:
    if not state:
        return words(lang)["rectification_blank"]
    return state if lang == "zh" else STATES_EN.get(state, state)


def receipt_state_label(state: ReceiptState, lang: str) -> str:
    return RECEIPT_STATE_ZH[state] if lang == "zh" else RECEIPT_STATE_EN[state]


def office_code_label(code: str, lang: str) -> str:
    return OFFICE_CODES_ZH[code] if lang == "zh" else OFFICE_CODES_EN[code]


@cache
def article_label(code: str, number: int, lang: str) -> str:
    return words(lang)["article_n"].format(office=office_code_label(code, lang), n=number)


def fix_text(result: Result, kind: str, lang: str) -> str:
    """What to do about a result: the kind's own remediation (the sheet, the rows, what to enter, by when) when
    it wrote one, else the hint of its kind and status; with the rows rejected from its tables after it."""
    if result.remediation is None:
        return remediation(kind, result.status, result.expected, result.incomplete_tables, lang,
                           result.awaits_corrections)
    text = result.remediation.text_zh if lang == "zh" else result.remediation.text_en
    if result.incomplete_tables and result.status is not Status.INSUFFICIENT_DATA:
        tables = ("、" if lang == "zh" else ", ").join(result.incomplete_tables)
        text = " ".join([text, _INCOMPLETE[LANGS.index(lang)].format(tables=tables)])
    return text


@lru_cache(maxsize=4096)
def remediation(kind: str, status: Status, expected: str, incomplete: tuple[str, ...], lang: str,
                corrections: bool = False) -> str:
    """A short hint generated from the check kind and status, so a new rule of a known kind needs no new text.
    corrections: insufficient_data because rows the rule reads were rejected (Result.awaits_corrections)."""
    index = LANGS.index(lang)
    tables = "、".join(incomplete) if lang == "zh" else ", ".join(incomplete)
    if corrections:
        hint = _CORRECTIONS[index]
    elif status is Status.FAIL:
        hint = REMEDIATION.get((kind, status), _DEFAULT_FAIL)[index]
    elif status in _BY_STATUS:
        hint = _BY_STATUS[status][index]
    else:
        hint = ""
    if incomplete and status is not Status.INSUFFICIENT_DATA:
        hint = " ".join(filter(None, [hint, _INCOMPLETE[index]]))
    return hint.format(expected=expected, tables=tables)


# China Standard Time: the offices' own clock, whatever zone the audit ran in (the run stores UTC)
CHINA = dt.timezone(dt.timedelta(hours=8))


@lru_cache(maxsize=1024)  # every page of an audit shows the same time: 6,810 pages at N=1
def china_time(stamp: object, lang: str) -> str:
    """An ISO time (report.generated_at, a receipt's checked_at) as an official reads it: 2025年3月31日 14:05
    (北京时间) / 2025-03-31 14:05 CST. A time without a zone is taken as UTC, as westaudit writes them."""
    if not stamp:
        return "—"
    try:
        moment = stamp if isinstance(stamp, dt.datetime) else dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    local = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(CHINA)
    if lang == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"
    return f"{local:%Y-%m-%d %H:%M} CST"
