"""The service side: service provinces (GS, GZ), prefectures, counties and service units. Their plans, quotas,
trainings, activities, subsidies, funds, agreements, grievances and tasks, and the volunteer columns their
duties read.

Runs after the recruiting part and before the national one. GS and GZ also recruit, and six service-province
articles are word for word recruiting-province articles read from the same rows (annual plan, commendation,
local projects, annual report, grievances, tasks). For the plan, report, grievance and task a defect at GS or
GZ therefore fails both articles, and both are planted with one fix; for commendation and local projects the
service rules ask for more than the recruiting rows give, so only the service article fails.
榆中县 (GS-LZ-YZ) is the sample's passing county (its self-check must exit 0): nothing is planted there.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections import Counter

from sample_parts.world import COUNTIES, PREFECTURES, YEAR, World, province_of, units_of
from westaudit.spec.tables import load_contract

SERVICE_PROVINCES = ("GS", "GZ")
# thresholds of rules/parameters/service.yaml and rules/parameters.yaml the rows are built around
PROVINCE_COMMENDATIONS = 2     # province_commendation_min
PROVINCE_SUPPORT_EFFORTS = 2   # province_support_seeking_min
LOCAL_PROJECT_ACTIVITIES = 1   # local_project_activities_min
UNIT_EMPLOYMENT_RATIO = 0.20   # unit_employment_ratio_min


def _date(text: object) -> dt.date:
    """ISO dates, and the Chinese ones (2025年7月11日) other parts write as offices do."""
    chinese = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", str(text))
    return dt.date(*map(int, chinese.groups())) if chinese else dt.date.fromisoformat(str(text))


def _spellings(table: str, column: str, code: str) -> set[str]:
    return {code, *load_contract()[table].columns[column].values[code]}


def _prefecture_of(county: str) -> str:
    return county.rsplit("-", 1)[0]


def _active(volunteer: dict[str, object]) -> bool:
    return _date(volunteer["service_start"]).year <= YEAR <= _date(volunteer["service_end"]).year


def _volunteers(world: World, **wanted: object) -> list[dict[str, object]]:
    return [v for v in world.tables["volunteers"] if all(v[c] == value for c, value in wanted.items())]


def _doc(world: World, document_id: str, office: str, doc_type: str, year: int = YEAR, **cells: object) -> None:
    world.add("documents", document_id=document_id, office_id=office, doc_type=doc_type, year=year,
              title=f"{office} {year} 年{doc_type}", **cells)


def _activity(world: World, office: str, kind: str, number: int | str, held_on: str, **cells: object) -> dict[str, object]:
    row = {"activity_id": f"SA-{office}-{kind}-{number}", "office_id": office, "activity_type": kind,
           "held_on": f"{YEAR}-{held_on}", **cells}
    world.add("activities", **row)
    return row


def _activities_held(world: World, office: str, code: str) -> int:
    kinds = _spellings("activities", "activity_type", code)
    return sum(1 for a in world.tables.get("activities", []) if a["office_id"] == office
               and a["activity_type"] in kinds and _date(a["held_on"]).year == YEAR)


def _top_up(world: World, office: str, kind: str, code: str, dates: tuple[str, ...], target: int) -> None:
    """Bring the office's activities of a type (other parts may have added some) up to exactly target."""
    held = _activities_held(world, office, code)
    if held > target:
        raise ValueError(f"{office} already has {held} {code} activities, more than the {target} planned")
    for number, day in enumerate(dates[held:target], start=held + 1):
        _activity(world, office, kind, number, day)


def _shared_doc(world: World, office: str, code: str, year: int, **passing: object) -> dict[str, object]:
    """The office's document of a type shared with another part, or a compliant one added here."""
    kinds = _spellings("documents", "doc_type", code)
    for row in world.tables.get("documents", []):
        if row["office_id"] == office and row["doc_type"] in kinds and int(row["year"]) == year:
            return row
    document_id = f"SD-{office}-{code}-{year}"
    _doc(world, document_id, office, next(iter(load_contract()["documents"].columns["doc_type"].values[code])),
         year, **passing)
    return world.row("documents", "document_id", document_id)


def _plant_all(world: World, rules: tuple[str, ...], office: str, why: str, evidence: list[str] | None,
               fix: list[dict[str, object]]) -> None:
    """One defect failing several rules: each is planted with its own copy of the one (idempotent) fix."""
    for rule in rules:
        world.plant(rule, office, why, evidence=copy.deepcopy(evidence), fix=copy.deepcopy(fix))


# --- service provinces -------------------------------------------------------------------------------------------

def _province_plans(world: World) -> None:
    for pid in SERVICE_PROVINCES:
        _shared_doc(world, pid, "annual_plan", YEAR, submitted_to="N", submitted_on=f"{YEAR}-03-10",
                    approved_by="N", approved_on=f"{YEAR}-03-25")
        _shared_doc(world, pid, "annual_report", YEAR - 1, submitted_to="N", submitted_on=f"{YEAR}-01-20")
        _doc(world, f"SD-{pid}-DISPATCH", pid, "派遣计划", submitted_on=f"{YEAR}-07-08" if pid == "GZ" else f"{YEAR}-06-10")
        _doc(world, f"SD-{pid}-TRAINING", pid, "培训计划", submitted_on=f"{YEAR}-05-20")
    plan = _shared_doc(world, "GZ", "annual_plan", YEAR)
    plan.update(approved_by=None, approved_on=None)
    _plant_all(world, ("service_province-01", "recruit_province-01"), "GZ", "贵州省年度工作方案已报全国项目办，但未经审定",
                 [plan["document_id"]], [{"table": "documents", "key": plan["document_id"],
                                          "set": {"approved_by": "N", "approved_on": f"{YEAR}-03-25"}}])
    report = _shared_doc(world, "GS", "annual_report", YEAR - 1)
    report["submitted_on"] = f"{YEAR}-02-18"
    _plant_all(world, ("service_province-15", "recruit_province-13"), "GS",
                 "甘肃省 2024 年度项目实施工作报告 2 月 18 日才报全国项目办（应于 1 月 31 日前）", [report["document_id"]],
                 [{"table": "documents", "key": report["document_id"], "set": {"submitted_on": f"{YEAR}-01-20"}}])
    world.plant("service_province-03", "GZ", "贵州省派遣计划 7 月 8 日才印发（应于 6 月 30 日前）", evidence=["SD-GZ-DISPATCH"],
                fix=[{"table": "documents", "key": "SD-GZ-DISPATCH", "set": {"submitted_on": f"{YEAR}-06-20"}}])


def _province_counties(world: World) -> None:
    """Qualification review of service counties and dispatch quotas for each county."""
    _doc(world, "SD-GS-QUALIFICATION", "GS", "服务县资格审核", submitted_to="N", submitted_on=f"{YEAR}-04-15",
         approved_by="N", approved_on=f"{YEAR}-05-10")
    _doc(world, "SD-GZ-QUALIFICATION", "GZ", "服务县资格审核", submitted_to="N", submitted_on=f"{YEAR}-04-20")
    world.plant("service_province-11", "GZ", "贵州省服务县资格审核意见已报全国项目办，但未获批准", evidence=["SD-GZ-QUALIFICATION"],
                fix=[{"table": "documents", "key": "SD-GZ-QUALIFICATION",
                      "set": {"approved_by": "N", "approved_on": f"{YEAR}-05-20"}}])
    dispatched = Counter(v["county_id"] for v in _volunteers(world, cohort_year=YEAR))
    for cid, _, _ in COUNTIES:
        short = cid == "GS-LZ-GL"
        world.add("quotas", quota_id=f"SQ-{cid}", year=YEAR, allocator_id=province_of(cid), office_id=cid,
                  quota_type="派遣指标", number=dispatched[cid] - 1 if short else dispatched[cid] + 1)
    world.plant("service_province-03.quota", "GS",
                f"甘肃省给皋兰县派遣名额 {dispatched['GS-LZ-GL'] - 1} 人，实际派遣 {dispatched['GS-LZ-GL']} 人",
                evidence=["SQ-GS-LZ-GL"],
                fix=[{"table": "quotas", "key": "SQ-GS-LZ-GL", "set": {"number": dispatched["GS-LZ-GL"] + 1}}])


def _centralized_training(world: World) -> None:
    untrained = world.by_county["GZ-QDN-RJ"][20]
    for volunteer in _volunteers(world, cohort_year=YEAR):
        if volunteer["volunteer_id"] != untrained:
            world.add("trainings", training_id=f"TC-{volunteer['volunteer_id']}", volunteer_id=volunteer["volunteer_id"],
                      office_id=province_of(volunteer["county_id"]), training_type="集中培训", held_on=f"{YEAR}-07-25")
    world.plant("service_province-04.centralized", "GZ", f"贵州省 2025 年新到志愿者 {untrained} 未参加省级集中培训",
                evidence=[untrained], fix=[{"table": "trainings", "add": {
                    "training_id": f"TC-{untrained}", "volunteer_id": untrained, "office_id": "GZ",
                    "training_type": "集中培训", "held_on": f"{YEAR}-07-25"}}])


def _province_activities(world: World) -> None:
    _top_up(world, "GS", "节假日慰问", "holiday_visit", ("01-26", "09-30"), 2)
    _top_up(world, "GZ", "节假日慰问", "holiday_visit", ("01-26",), 1)
    world.plant("service_province-05", "GZ", "贵州省全年仅春节 1 次重大节假日慰问（应不少于 2 次）",
                fix=[{"table": "activities", "add": {"activity_id": "SA-GZ-节假日慰问-2", "office_id": "GZ",
                                                     "activity_type": "节假日慰问", "held_on": f"{YEAR}-09-30"}}])
    _top_up(world, "GS", "评选表彰", "commendation", ("10-20", "11-25"), PROVINCE_COMMENDATIONS)
    _top_up(world, "GZ", "评选表彰", "commendation", ("10-20",), PROVINCE_COMMENDATIONS - 1)
    world.plant("service_province-08", "GZ", "贵州省全年只推荐过 1 次评选表彰（优秀项目办、优秀志愿者应各推荐 1 次）",
                fix=[{"table": "activities", "add": {"activity_id": "SA-GZ-评选表彰-x", "office_id": "GZ",
                                                     "activity_type": "评选表彰", "held_on": f"{YEAR}-11-25"}}])
    for pid, dates in (("GS", ("03-20", "06-20", "09-20", "12-10")), ("GZ", ("02-10", "04-10", "06-10", "07-10"))):
        for number, day in enumerate(dates, start=1):
            _activity(world, pid, "事迹上报", number, day, target_office_id="N")
    world.plant("service_province-09", "GZ", "贵州省 7 月 10 日后再未向全国项目办上报志愿者事迹（间隔超过 120 天）",
                fix=[{"table": "activities", "key": "SA-GZ-事迹上报-4", "set": {"held_on": f"{YEAR}-09-30"}}])
    _top_up(world, "GS", "争取支持", "support_seeking", ("04-15", "10-15"), PROVINCE_SUPPORT_EFFORTS)
    _top_up(world, "GZ", "争取支持", "support_seeking", ("04-15",), PROVINCE_SUPPORT_EFFORTS - 1)
    world.plant("service_province-10", "GZ", "贵州省全年仅 1 次争取相关部门和社会力量支持（应不少于 2 次）",
                fix=[{"table": "activities", "add": {"activity_id": "SA-GZ-争取支持-x", "office_id": "GZ",
                                                     "activity_type": "社会支持", "held_on": f"{YEAR}-10-15"}}])


def _local_projects(world: World) -> None:
    for pid in SERVICE_PROVINCES:
        _top_up(world, pid, "地方项目", "local_project", ("08-20",), LOCAL_PROJECT_ACTIVITIES)
    _doc(world, "SD-GS-LOCAL-RULES", "GS", "地方项目管理办法", year=2021, published_on="2021-06-01")
    _doc(world, "SD-GZ-LOCAL-RULES", "GZ", "地方项目管理办法")
    world.plant("service_province-14.rules", "GZ", "贵州省地方项目管理办法已起草但未印发", evidence=["SD-GZ-LOCAL-RULES"],
                fix=[{"table": "documents", "key": "SD-GZ-LOCAL-RULES", "set": {"published_on": f"{YEAR}-05-15"}}])


def _province_archive(world: World) -> None:
    """One volunteer of last year's cohort (not the recruiting rule's concern) left without a file; the national
    part reads the same gap for national-13."""
    unfiled = world.row("volunteers", "volunteer_id", world.by_county["GZ-QDN-CJ"][10])
    unfiled["archive_created_on"] = None
    world.plant("service_province-13", "GZ", f"在贵州省服务的志愿者 {unfiled['volunteer_id']} 未建立信息档案",
                evidence=[unfiled["volunteer_id"]],
                fix=[{"table": "volunteers", "key": unfiled["volunteer_id"], "set": {"archive_created_on": "2024-07-12"}}])


def _province_grievances_and_tasks(world: World) -> None:
    complainant = world.by_county["GZ-QDN-LP"][16]
    world.add("grievances", grievance_id="SG-GZ-1", volunteer_id=complainant, office_id="GZ",
              received_on=f"{YEAR}-11-03", summary="服务单位未落实免费住宿")
    _plant_all(world, ("service_province-16", "recruit_province-14"), "GZ", "贵州省 11 月 3 日受理的权益诉求至今未答复",
                 ["SG-GZ-1"], [{"table": "grievances", "key": "SG-GZ-1", "set": {"answered_on": f"{YEAR}-11-12"}}])
    world.add("tasks", task_id="ST-GS-1", assigned_by="N", assigned_to="GS", title="服务县岗位核查",
              assigned_on=f"{YEAR}-10-08", due_on=f"{YEAR}-10-31", completed_on=f"{YEAR}-11-06")
    _plant_all(world, ("service_province-17", "recruit_province-15"), "GS", "甘肃省全国项目办交办的岗位核查逾期 6 天完成",
                 ["ST-GS-1"], [{"table": "tasks", "key": "ST-GS-1", "set": {"completed_on": f"{YEAR}-10-30"}}])


# --- prefectures -----------------------------------------------------------------------------------------------

def _prefecture_activities(world: World) -> None:
    for cid, _, fid in COUNTIES:
        if cid != "GS-LZ-GL":
            _activity(world, fid, "督导检查", cid, "05-14", target_office_id=cid)
        if cid != "GZ-QDN-CJ":
            _activity(world, fid, "协助考核", cid, "12-08", target_office_id=cid)
    world.plant("service_prefecture-01", "GS-LZ", "兰州市全年未督导皋兰县项目办", evidence=["GS-LZ-GL"],
                fix=[{"table": "activities", "add": {"activity_id": "SA-GS-LZ-督导-GL", "office_id": "GS-LZ",
                                                     "activity_type": "督导", "held_on": f"{YEAR}-06-03",
                                                     "target_office_id": "GS-LZ-GL"}}])
    world.plant("service_prefecture-04", "GZ-QDN", "黔东南州未协助省项目办考核从江县", evidence=["GZ-QDN-CJ"],
                fix=[{"table": "activities", "add": {"activity_id": "SA-GZ-QDN-协助考核-CJ", "office_id": "GZ-QDN",
                                                     "activity_type": "协助考核", "held_on": f"{YEAR}-12-09",
                                                     "target_office_id": "GZ-QDN-CJ"}}])
    for fid, _, _ in PREFECTURES:
        dates = ("04-22",) if fid == "GS-DX" else ("04-22", "09-16")
        for number, (kind, day) in enumerate(zip(("政策协调", "就业服务"), dates, strict=False), start=1):
            _activity(world, fid, kind, number, day)
    world.plant("service_prefecture-03", "GS-DX", "定西市全年仅 1 次协调落实鼓励政策（应不少于 2 次）",
                fix=[{"table": "activities", "add": {"activity_id": "SA-GS-DX-就业服务-2", "office_id": "GS-DX",
                                                     "activity_type": "就业服务", "held_on": f"{YEAR}-09-16"}}])


def _prefecture_funds_and_tasks(world: World) -> None:
    for fid, _, _ in PREFECTURES:
        if fid != "GZ-QDN":
            world.add("expenditures", expense_id=f"SX-{fid}-M", office_id=fid, fund="配套经费", category="培训",
                      amount=30000, spent_on=f"{YEAR}-07-18")
        world.add("tasks", task_id=f"ST-{fid}", assigned_by=province_of(fid), assigned_to=fid, title="志愿者在岗抽查",
                  assigned_on=f"{YEAR}-06-02", due_on=f"{YEAR}-06-30",
                  completed_on=None if fid == "GZ-QDN" else f"{YEAR}-06-25")
    world.plant("service_prefecture-05", "GZ-QDN", "黔东南州本年度无到位的项目管理配套经费",
                fix=[{"table": "expenditures", "add": {"expense_id": "SX-GZ-QDN-M", "office_id": "GZ-QDN", "fund": "配套经费",
                                                       "category": "培训", "amount": 20000, "spent_on": f"{YEAR}-08-01"}}])
    world.plant("service_prefecture-06", "GZ-QDN", "黔东南州省项目办交办的在岗抽查未完成", evidence=["ST-GZ-QDN"],
                fix=[{"table": "tasks", "key": "ST-GZ-QDN", "set": {"completed_on": f"{YEAR}-06-28"}}])


# --- counties --------------------------------------------------------------------------------------------------

def _county_documents(world: World) -> None:
    for cid, _, _ in COUNTIES:
        pid = province_of(cid)
        approved = {} if cid == "GS-LZ-GL" else {"approved_by": pid, "approved_on": f"{YEAR}-03-05"}
        _doc(world, f"SD-{cid}-PLAN", cid, "年度工作计划", submitted_to=pid, submitted_on=f"{YEAR}-02-20", **approved)
        _doc(world, f"SD-{cid}-POSTS", cid, "岗位申报", year=YEAR - 1 if cid == "GZ-QDN-RJ" else YEAR, submitted_to=pid,
             submitted_on=f"{YEAR - 1 if cid == 'GZ-QDN-RJ' else YEAR}-04-15")
        _doc(world, f"SD-{cid}-CASES", cid, "典型事迹", submitted_to=pid,
             submitted_on=f"{YEAR}-12-05" if cid == "GZ-QDN-LP" else f"{YEAR}-11-20")
        _doc(world, f"SD-{cid}-REPORT", cid, "年度项目实施工作报告", year=YEAR - 1,
             submitted_to=_prefecture_of(cid) if cid == "GZ-QDN-CJ" else pid, submitted_on=f"{YEAR}-01-25")
    world.plant("service_county-01", "GS-LZ-GL", "皋兰县年度工作计划已报省项目办，但未经审批", evidence=["SD-GS-LZ-GL-PLAN"],
                fix=[{"table": "documents", "key": "SD-GS-LZ-GL-PLAN", "set": {"approved_by": "GS", "approved_on": f"{YEAR}-03-06"}}])
    posts_fix = [{"table": "documents", "key": "SD-GZ-QDN-RJ-POSTS", "set": {"year": YEAR, "submitted_on": f"{YEAR}-04-15"}}]
    _plant_all(world, ("service_county-02",), "GZ-QDN-RJ", "榕江县本年度未向省项目办申报服务岗位（只有 2024 年的申报）",
               None, posts_fix)
    _plant_all(world, ("service_province-02",), "GZ", "贵州省榕江县本年度未申报服务岗位", ["GZ-QDN-RJ"], posts_fix)
    world.plant("service_county-06", "GZ-QDN-LP", "黎平县志愿者典型事迹 12 月 5 日才上报（应于 11 月 30 日前）",
                evidence=["SD-GZ-QDN-LP-CASES"],
                fix=[{"table": "documents", "key": "SD-GZ-QDN-LP-CASES", "set": {"submitted_on": f"{YEAR}-11-20"}}])
    world.plant("service_county-11", "GZ-QDN-CJ", "从江县 2024 年度实施工作报告报给了黔东南州，未报贵州省项目办",
                evidence=["SD-GZ-QDN-CJ-REPORT"],
                fix=[{"table": "documents", "key": "SD-GZ-QDN-CJ-REPORT", "set": {"submitted_to": "GZ"}}])


def _county_posts(world: World) -> None:
    posted = Counter(v["unit_id"] for v in _volunteers(world, cohort_year=YEAR))
    over = "GS-DX-LX-U1"
    for cid, _, _ in COUNTIES:
        for unit in units_of(cid):
            world.add("quotas", quota_id=f"SQ-{unit}", year=YEAR, allocator_id=cid, office_id=unit, quota_type="岗位需求",
                      number=posted[unit] - 1 if unit == over else posted[unit] + 1)
    world.plant("service_county-02.posts", "GS-DX-LX", f"临洮县第一服务单位核定需求 {posted[over] - 1} 人，实际安排 {posted[over]} 人",
                evidence=[f"SQ-{over}"], fix=[{"table": "quotas", "key": f"SQ-{over}", "set": {"number": posted[over] + 1}}])


def _county_activities(world: World) -> None:
    for cid, _, _ in COUNTIES:
        visits = ("01-20", "04-25", "08-15") if cid == "GZ-QDN-CJ" else ("01-20", "04-25", "08-15", "11-20")
        for number, day in enumerate(visits, start=1):
            _activity(world, cid, "节假日慰问" if number == 1 else "看望慰问", number, day)
        if cid != "GZ-QDN-RJ":
            _activity(world, cid, "推荐表彰", 1, "10-28")
    world.plant("service_county-07", "GZ-QDN-CJ", "从江县全年仅看望慰问志愿者 3 次，8 月 15 日后再未看望",
                fix=[{"table": "activities", "add": {"activity_id": "SA-GZ-QDN-CJ-看望慰问-4", "office_id": "GZ-QDN-CJ",
                                                     "activity_type": "看望慰问", "held_on": f"{YEAR}-11-20"}}])
    world.plant("service_county-06.commendation", "GZ-QDN-RJ", "榕江县本年度未推荐优秀志愿者参加评选表彰",
                fix=[{"table": "activities", "add": {"activity_id": "SA-GZ-QDN-RJ-推荐表彰-1", "office_id": "GZ-QDN-RJ",
                                                     "activity_type": "推荐表彰", "held_on": f"{YEAR}-10-28"}}])


def _months_active(volunteer: dict[str, object]) -> list[dt.date]:
    start, end = _date(volunteer["service_start"]), _date(volunteer["service_end"])
    first = max(start, dt.date(YEAR, 1, 1)).replace(day=1)
    last = min(end, dt.date(YEAR, 12, 31))
    return [dt.date(YEAR, month, 1) for month in range(first.month, last.month + 1)] if first <= last else []


def _subsidies(world: World) -> None:
    late = world.by_county["GZ-QDN-LP"][14]
    for volunteer in world.tables["volunteers"]:
        vid = volunteer["volunteer_id"]
        for month in _months_active(volunteer):
            world.add("subsidies", payment_id=f"SP-{vid}-{month:%m}", volunteer_id=vid, county_id=volunteer["county_id"],
                      subsidy_type="生活补贴", month=month.isoformat(), amount=2000,
                      paid_on=f"{YEAR}-10-21" if (vid, month.month) == (late, 10) else month.replace(day=10).isoformat())
            world.add("subsidies", payment_id=f"ST-{vid}-{month:%m}", volunteer_id=vid, county_id=volunteer["county_id"],
                      subsidy_type="交通补贴", month=month.isoformat(), amount=200, paid_on=month.replace(day=10).isoformat())
    world.plant("service_county-08", "GZ-QDN-LP", f"黎平县志愿者 {late} 10 月生活补贴 10 月 21 日才发放（应于 15 日前）",
                evidence=[late], fix=[{"table": "subsidies", "key": f"SP-{late}-10", "set": {"paid_on": f"{YEAR}-10-12"}}])


def _county_funds_grievances_tasks(world: World) -> None:
    for index, (cid, _, _) in enumerate(COUNTIES):
        world.add("expenditures", expense_id=f"SX-{cid}-1", office_id=cid, fund="项目管理经费", category="培训",
                  amount=8000, spent_on=f"{YEAR}-08-10")
        world.add("expenditures", expense_id=f"SX-{cid}-2", office_id=cid, fund="奖励经费", category="表彰奖励",
                  amount=3000, spent_on=f"{YEAR}-12-01")
        world.add("grievances", grievance_id=f"SG-{cid}", volunteer_id=world.by_county[cid][3 + index], office_id=cid,
                  received_on=f"{YEAR}-06-02", answered_on=f"{YEAR}-06-22" if cid == "GS-LZ-GL" else f"{YEAR}-06-09",
                  summary="生活补贴发放时间")
        world.add("tasks", task_id=f"ST-{cid}", assigned_by=_prefecture_of(cid), assigned_to=cid, title="志愿者信息核对",
                  assigned_on=f"{YEAR}-04-01", due_on=f"{YEAR}-04-20",
                  completed_on=None if cid == "GS-DX-LX" else f"{YEAR}-04-18")
    world.add("expenditures", expense_id="SX-GS-DX-LX-3", office_id="GS-DX-LX", fund="项目管理经费", category="其他",
              amount=4600, spent_on=f"{YEAR}-09-05")
    world.plant("service_county-08.funds", "GS-DX-LX", "临洮县 4600 元项目管理经费支出用途为“其他”，不在规定范围内",
                evidence=["SX-GS-DX-LX-3"],
                fix=[{"table": "expenditures", "key": "SX-GS-DX-LX-3", "set": {"category": "项目办工作"}}])
    world.plant("service_county-12", "GS-LZ-GL", "皋兰县受理的权益诉求 20 天后才答复（应在 15 天内）", evidence=["SG-GS-LZ-GL"],
                fix=[{"table": "grievances", "key": "SG-GS-LZ-GL", "set": {"answered_on": f"{YEAR}-06-12"}}])
    world.plant("service_county-13", "GS-DX-LX", "临洮县地（市）项目办交办的信息核对未完成", evidence=["ST-GS-DX-LX"],
                fix=[{"table": "tasks", "key": "ST-GS-DX-LX", "set": {"completed_on": f"{YEAR}-04-19"}}])


# --- service units ---------------------------------------------------------------------------------------------

def _unit_documents_grievances_tasks(world: World) -> None:
    for index, (cid, _, _) in enumerate(COUNTIES):
        for unit in units_of(cid):
            _doc(world, f"SD-{unit}-POSTS", unit, "服务岗位申请", submitted_to=cid,
                 submitted_on=f"{YEAR}-04-10" if unit == "GZ-QDN-LP-U3" else f"{YEAR}-03-20")
            world.add("tasks", task_id=f"ST-{unit}", assigned_by=cid, assigned_to=unit, title="志愿者考勤汇总",
                      assigned_on=f"{YEAR}-07-01", due_on=f"{YEAR}-07-15",
                      completed_on=f"{YEAR}-07-22" if unit == "GS-DX-LX-U2" else f"{YEAR}-07-14")
        unit = units_of(cid)[0]
        world.add("grievances", grievance_id=f"SG-{unit}", volunteer_id=world.by_county[cid][9 + index], office_id=unit,
                  received_on=f"{YEAR}-09-08", answered_on=f"{YEAR}-10-08" if cid == "GZ-QDN-CJ" else f"{YEAR}-09-12",
                  summary="宿舍维修")
    world.plant("service_unit-01", "GZ-QDN-LP-U3", "黎平县农业技术推广站 4 月 10 日才向县项目办申请服务岗位（应于 3 月 31 日前）",
                evidence=["SD-GZ-QDN-LP-U3-POSTS"],
                fix=[{"table": "documents", "key": "SD-GZ-QDN-LP-U3-POSTS", "set": {"submitted_on": f"{YEAR}-03-25"}}])
    world.plant("service_unit-09", "GS-DX-LX-U2", "临洮县人民医院县项目办交办的考勤汇总逾期 7 天完成", evidence=["ST-GS-DX-LX-U2"],
                fix=[{"table": "tasks", "key": "ST-GS-DX-LX-U2", "set": {"completed_on": f"{YEAR}-07-15"}}])
    world.plant("service_unit-08", "GZ-QDN-CJ-U1", "从江县第一中学受理的权益诉求 30 天后才答复（应在 15 天内）",
                evidence=["SG-GZ-QDN-CJ-U1"],
                fix=[{"table": "grievances", "key": "SG-GZ-QDN-CJ-U1", "set": {"answered_on": f"{YEAR}-09-15"}}])


def _unit_volunteer_care(world: World) -> None:
    """Three-party agreements, business training, staff management and free housing for every volunteer."""
    unsigned, untrained = world.by_county["GZ-QDN-RJ"][13], world.by_county["GZ-QDN-LP"][15]
    for volunteer in world.tables["volunteers"]:
        vid, start = volunteer["volunteer_id"], _date(volunteer["service_start"])
        volunteer.setdefault("staff_managed", "是")
        volunteer.setdefault("housing_free", "是")
        if vid != unsigned:
            world.add("agreements", agreement_id=f"SV-{vid}", volunteer_id=vid, agreement_type="三方服务协议",
                      office_id=volunteer["county_id"], unit_id=volunteer["unit_id"], signed_on=start.isoformat())
        if vid != untrained:
            world.add("trainings", training_id=f"TB-{vid}", volunteer_id=vid, office_id=volunteer["unit_id"],
                      training_type="业务培训", held_on=(start + dt.timedelta(days=14)).isoformat())
    signed = world.row("volunteers", "volunteer_id", unsigned)
    agreement = [{"table": "agreements", "add": {"agreement_id": f"SV-{unsigned}", "volunteer_id": unsigned,
                                                 "agreement_type": "三方服务协议", "office_id": signed["county_id"],
                                                 "unit_id": signed["unit_id"], "signed_on": signed["service_start"]}}]
    world.plant("service_unit-02", signed["unit_id"], f"志愿者 {unsigned} 到岗后未签订三方服务协议", evidence=[unsigned],
                fix=agreement)
    # the same missing agreement is the county's failure too: it is a party to every service agreement
    world.plant("service_county-03.agreement", str(signed["county_id"]), f"县级项目办未与志愿者 {unsigned} 签订三方服务协议",
                evidence=[unsigned], fix=agreement)
    trained = world.row("volunteers", "volunteer_id", untrained)
    world.plant("service_unit-02.training", trained["unit_id"], f"志愿者 {untrained} 未接受服务单位业务培训", evidence=[untrained],
                fix=[{"table": "trainings", "add": {"training_id": f"TB-{untrained}", "volunteer_id": untrained,
                                                    "office_id": trained["unit_id"], "training_type": "业务培训",
                                                    "held_on": f"{YEAR}-08-15"}}])
    for rule, vid, column, why in (
            ("service_unit-02.staff", world.by_county["GS-DX-LX"][18], "staff_managed", "未纳入单位正式职工序列管理"),
            ("service_unit-03", world.by_county["GS-LZ-GL"][19], "housing_free", "住宿自行付费，未落实免费住宿")):
        volunteer = world.row("volunteers", "volunteer_id", vid)
        volunteer[column] = "否"
        world.plant(rule, volunteer["unit_id"], f"志愿者 {vid} {why}", evidence=[vid],
                    fix=[{"table": "volunteers", "key": vid, "set": {column: "是"}}])


def _unit_employment(world: World) -> None:
    """The share of each unit's serving volunteers placed this year, from every part's placements."""
    placed = {p["volunteer_id"] for p in world.tables.get("job_placements", []) if _date(p["placed_on"]).year == YEAR}
    for cid, _, _ in COUNTIES:
        for unit in units_of(cid):
            serving = [v["volunteer_id"] for v in _volunteers(world, unit_id=unit) if _active(v)]
            lacking = [vid for vid in serving if vid not in placed]
            needed = math.ceil(UNIT_EMPLOYMENT_RATIO * len(serving) - 1e-9) - (len(serving) - len(lacking))
            if needed <= 0:
                continue
            # the newest volunteers are placed by the fix, clear of the county-level fix (headline part)
            fix = [{"table": "job_placements", "add": {"placement_id": f"SJ-{vid}", "volunteer_id": vid, "county_id": cid,
                                                       "placed_on": f"{YEAR}-12-01", "employer": "当地企业"}}
                   for vid in lacking[-needed:]]
            world.plant("service_unit-06", unit, f"{unit} 在岗 {len(serving)} 人，本年落实就业 {len(serving) - len(lacking)} 人，"
                        f"不足 {UNIT_EMPLOYMENT_RATIO:.0%}", evidence=sorted(lacking), fix=fix)


def _unit_assessment(world: World) -> None:
    """One unit's assessment filed under last year: the unit was not assessed, nor did its county assess all units."""
    unit = "GZ-QDN-RJ-U2"
    row = next(a for a in world.tables["assessments"] if a["subject_id"] == unit and a["year"] == YEAR)
    row["year"] = YEAR - 1
    fix = [{"table": "assessments", "key": row["assessment_id"], "set": {"year": YEAR}}]
    _plant_all(world, ("service_unit-07",), unit, "榕江县人民医院的考核记录年度填为 2024，本年度未接受县项目办考核", [unit], fix)
    _plant_all(world, ("service_county-05",), "GZ-QDN-RJ", "榕江县本年度未对人民医院进行考核，未完成对全部服务单位的考核",
               None, fix)


def build(world: World) -> None:
    _province_plans(world)
    _province_counties(world)
    _centralized_training(world)
    _province_activities(world)
    _local_projects(world)
    _province_archive(world)
    _province_grievances_and_tasks(world)
    _prefecture_activities(world)
    _prefecture_funds_and_tasks(world)
    _county_documents(world)
    _county_posts(world)
    _county_activities(world)
    _subsidies(world)
    _county_funds_grievances_tasks(world)
    _unit_documents_grievances_tasks(world)
    _unit_volunteer_care(world)
    _unit_employment(world)
    _unit_assessment(world)
