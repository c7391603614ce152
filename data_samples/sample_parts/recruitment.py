"""Recruiting provinces (GS, GZ, BJ) and universities (UNI-LZU, UNI-GZU, UNI-BNU): plans, quotas, assessments,
activities, reports, grievances, tasks and the volunteer columns their duties read.

GS and GZ also serve, and several of their duties are the same data as a serving province's (annual plan,
commendation, local projects, annual report, grievances, tasks), so those failures are planted on BJ, which only
recruits: a defect there fails one article only.
"""

from __future__ import annotations

from collections import Counter

from sample_parts.world import UNIVERSITIES, YEAR, World

PROVINCES = ("GS", "GZ", "BJ")
PROVINCE_OF_UNIVERSITY = {uid: province for uid, _, province in UNIVERSITIES}


def _doc(world: World, document_id: str, office: str, doc_type: str, year: int = YEAR, **dates: object) -> None:
    world.add("documents", document_id=document_id, office_id=office, doc_type=doc_type, year=year,
              title=f"{office} {year} 年{doc_type}", **dates)


def _activity(world: World, office: str, kind: str, number: int, held_on: str) -> None:
    world.add("activities", activity_id=f"RA-{office}-{kind}-{number}", office_id=office, activity_type=kind,
              held_on=held_on)


def _plans_and_reports(world: World) -> None:
    for pid in PROVINCES:
        approved = {} if pid == "BJ" else {"approved_by": "N", "approved_on": f"{YEAR}-03-25"}
        _doc(world, f"RD-{pid}-PLAN", pid, "年度工作方案", submitted_to="N", submitted_on=f"{YEAR}-03-10", **approved)
        _doc(world, f"RD-{pid}-REPORT", pid, "年度项目实施工作报告", year=YEAR - 1, submitted_to="N",
             submitted_on=f"{YEAR}-02-14" if pid == "BJ" else f"{YEAR}-01-20")
    world.plant("recruit_province-01", "BJ", "北京市年度工作方案已报全国项目办，但未经审定", evidence=["RD-BJ-PLAN"],
                fix=[{"table": "documents", "key": "RD-BJ-PLAN", "set": {"approved_by": "N", "approved_on": "2025-03-28"}}])
    world.plant("recruit_province-13", "BJ", "北京市 2024 年度项目实施工作报告 2 月 14 日才报全国项目办（应于 1 月 31 日前）",
                evidence=["RD-BJ-REPORT"],
                fix=[{"table": "documents", "key": "RD-BJ-REPORT", "set": {"submitted_on": "2025-01-28"}}])
    for uid, _, pid in UNIVERSITIES:
        sent_to = "N" if uid == "UNI-GZU" else pid
        _doc(world, f"RD-{uid}-PLAN", uid, "年度工作计划", submitted_to=sent_to, submitted_on=f"{YEAR}-03-05",
             approved_by=sent_to, approved_on=f"{YEAR}-03-20")
        _doc(world, f"RD-{uid}-REPORT", uid, "年度项目实施工作报告", year=YEAR - 1, submitted_to=pid,
             submitted_on=f"{YEAR}-02-10" if uid == "UNI-LZU" else f"{YEAR}-01-15")
    world.plant("university-01", "UNI-GZU", "贵州大学年度工作计划报全国项目办审批，未报贵州省项目办", evidence=["RD-UNI-GZU-PLAN"],
                fix=[{"table": "documents", "key": "RD-UNI-GZU-PLAN", "set": {"submitted_to": "GZ", "approved_by": "GZ"}}])
    world.plant("university-09", "UNI-LZU", "兰州大学 2024 年度项目实施工作报告 2 月 10 日才报甘肃省项目办（应于 1 月 31 日前）",
                evidence=["RD-UNI-LZU-REPORT"],
                fix=[{"table": "documents", "key": "RD-UNI-LZU-REPORT", "set": {"submitted_on": "2025-01-25"}}])


def _recruitment(world: World) -> None:
    for pid in PROVINCES:
        _doc(world, f"RD-{pid}-RECRUIT", pid, "招募计划", submitted_on=f"{YEAR}-06-12" if pid == "GZ" else f"{YEAR}-04-20")
    world.plant("recruit_province-02", "GZ", "贵州省年度招募计划 6 月 12 日才印发（应于 5 月 31 日前）", evidence=["RD-GZ-RECRUIT"],
                fix=[{"table": "documents", "key": "RD-GZ-RECRUIT", "set": {"submitted_on": "2025-05-20"}}])
    recruits = Counter(v["university_id"] for v in world.tables["volunteers"] if v["cohort_year"] == YEAR)
    for uid, _, pid in UNIVERSITIES:
        short = uid == "UNI-LZU"
        world.add("quotas", quota_id=f"RQ-{uid}", year=YEAR, allocator_id=pid, office_id=uid, quota_type="招募指标",
                  number=recruits[uid] - 1 if short else recruits[uid] + 2)
    world.plant("recruit_province-02.quota", "GS",
                f"甘肃省分给兰州大学招募指标 {recruits['UNI-LZU'] - 1} 人，实际招募 {recruits['UNI-LZU']} 人，超出指标",
                evidence=["RQ-UNI-LZU"],
                fix=[{"table": "quotas", "key": "RQ-UNI-LZU", "set": {"number": recruits["UNI-LZU"] + 2}}])
    for uid, _, _ in UNIVERSITIES:
        if uid != "UNI-LZU":
            _doc(world, f"RD-{uid}-NOTICE", uid, "招募公示", published_on=f"{YEAR}-06-08")
        if uid != "UNI-BNU":
            _doc(world, f"RD-{uid}-RESERVE", uid, "候备人选库", submitted_on=f"{YEAR}-06-15")
    _doc(world, "RD-UNI-LZU-NOTICE", "UNI-LZU", "招募公示")
    world.plant("university-02", "UNI-LZU", "兰州大学招募公示已拟定但未发布", evidence=["RD-UNI-LZU-NOTICE"],
                fix=[{"table": "documents", "key": "RD-UNI-LZU-NOTICE", "set": {"published_on": "2025-06-08"}}])
    world.plant("university-02.reserve", "UNI-BNU", "北京师范大学本年度未建立志愿者候备人选库",
                fix=[{"table": "documents", "add": {"document_id": "RD-UNI-BNU-RESERVE", "office_id": "UNI-BNU",
                                                    "doc_type": "候备人选库", "year": YEAR}}])


def _assessments(world: World) -> None:
    for pid in ("GS", "GZ"):
        _doc(world, f"RD-{pid}-METHOD", pid, "考核办法", submitted_to="N", submitted_on=f"{YEAR}-04-10",
             approved_by="N", approved_on=f"{YEAR}-04-25")
    _doc(world, "RD-BJ-METHOD", "BJ", "考核办法", year=YEAR - 1, submitted_to="N", submitted_on=f"{YEAR - 1}-04-10",
         approved_by="N", approved_on=f"{YEAR - 1}-04-25")
    world.plant("recruit_province-05", "BJ", "北京市只有 2024 年的高校项目办考核办法，本年度未制定",
                fix=[{"table": "documents", "add": {"document_id": "RD-BJ-METHOD-2025", "office_id": "BJ",
                                                    "doc_type": "考核办法", "year": YEAR, "submitted_to": "N",
                                                    "submitted_on": "2025-04-10", "approved_by": "N",
                                                    "approved_on": "2025-04-25"}}])
    # universities score above every county, so the serving provinces' last places stay the counties
    for uid, _, pid in UNIVERSITIES:
        if uid != "UNI-GZU":
            world.add("assessments", assessment_id=f"RA-{uid}", year=YEAR, assessor_id=pid, subject_id=uid,
                      score=95, outcome="优秀")
    world.plant("recruit_province-05.assessment", "GZ", "贵州省本年度未对贵州大学项目办进行考核", evidence=["UNI-GZU"],
                fix=[{"table": "assessments", "add": {"assessment_id": "RA-UNI-GZU", "year": YEAR, "assessor_id": "GZ",
                                                      "subject_id": "UNI-GZU", "score": 96, "outcome": "优秀"}}])


# (activity type, offices, dates, the office planted short, why, the date its fix adds)
PROVINCE_ACTIVITIES = (
    ("统一派遣", ("GS", "GZ"), ("07-22",), "BJ", "北京市本年度未统一组织志愿者赴服务省报到、派遣", "07-24"),
    ("政策协调", ("GS", "GZ"), ("03-15", "09-18"), "BJ", "北京市全年仅 1 次协调落实政策活动（应不少于 2 次）", "10-20"),
    ("宣传", ("GZ", "BJ"), ("04-12", "05-20"), "GS", "甘肃省全年仅 1 次宣传活动（应不少于 2 次）", "11-05"),
    ("推荐表彰", ("GS", "GZ"), ("11-10",), "BJ", "北京市本年度未组织推荐优秀项目办和志愿者参加评选表彰", "11-15"),
    ("就业服务", ("GS", "GZ"), ("06-10", "09-12"), "BJ", "北京市全年仅 1 次为期满志愿者提供就业创业服务（应不少于 2 次）", "10-16"),
    ("地方项目", ("GS", "GZ"), ("08-20",), "BJ", "北京市本年度未开展西部计划地方项目推进活动", "08-25"),
)
PROVINCE_RULE_OF_ACTIVITY = {"统一派遣": "recruit_province-06", "政策协调": "recruit_province-07", "宣传": "recruit_province-08",
                             "推荐表彰": "recruit_province-09", "就业服务": "recruit_province-10", "地方项目": "recruit_province-12"}
UNIVERSITY_ACTIVITIES = (
    ("宣传动员", ("UNI-LZU", "UNI-GZU"), ("04-08",), "UNI-BNU", "北京师范大学本年度未开展招募报名宣传动员", "04-10",
     "university-01.publicity"),
    ("跟踪培养", ("UNI-GZU", "UNI-BNU"), ("05-16", "11-20"), "UNI-LZU", "兰州大学全年仅 1 次跟踪培养活动（应不少于 2 次）", "11-22",
     "university-07"),
)


def _activities(world: World) -> None:
    plans = [(*row, PROVINCE_RULE_OF_ACTIVITY[row[0]]) for row in PROVINCE_ACTIVITIES] + list(UNIVERSITY_ACTIVITIES)
    for kind, complete, dates, short, why, fix_date, rule in plans:
        for office in complete:
            for number, day in enumerate(dates, start=1):
                _activity(world, office, kind, number, f"{YEAR}-{day}")
        for number, day in enumerate(dates[:-1], start=1):
            _activity(world, short, kind, number, f"{YEAR}-{day}")
        world.plant(rule, short, why, fix=[{"table": "activities", "add": {
            "activity_id": f"RA-{short}-{kind}-{len(dates)}", "office_id": short, "activity_type": kind,
            "held_on": f"{YEAR}-{fix_date}"}}])


def _grievances_and_tasks(world: World) -> None:
    volunteers = world.tables["volunteers"]
    for number, office in enumerate((*PROVINCES, *PROVINCE_OF_UNIVERSITY), start=1):
        answered = {"BJ": f"{YEAR}-09-26", "UNI-GZU": None}.get(office, f"{YEAR}-09-12")
        world.add("grievances", grievance_id=f"RG-{office}", volunteer_id=volunteers[number * 7]["volunteer_id"],
                  office_id=office, received_on=f"{YEAR}-09-02", answered_on=answered, summary="服务地住宿条件反映")
        superior = "N" if office in PROVINCES else PROVINCE_OF_UNIVERSITY[office]
        world.add("tasks", task_id=f"RT-{office}", assigned_by=superior, assigned_to=office, title="志愿者在岗情况核查",
                  assigned_on=f"{YEAR}-05-06", due_on=f"{YEAR}-05-31",
                  completed_on=f"{YEAR}-06-09" if office in ("BJ", "UNI-BNU") else f"{YEAR}-05-28")
    world.plant("recruit_province-14", "BJ", "北京市受理的权益诉求 24 天后才答复（应在 15 天内）", evidence=["RG-BJ"],
                fix=[{"table": "grievances", "key": "RG-BJ", "set": {"answered_on": "2025-09-15"}}])
    world.plant("university-10", "UNI-GZU", "贵州大学受理的权益诉求至今未答复", evidence=["RG-UNI-GZU"],
                fix=[{"table": "grievances", "key": "RG-UNI-GZU", "set": {"answered_on": "2025-09-10"}}])
    world.plant("recruit_province-15", "BJ", "北京市全国项目办交办任务逾期 9 天完成", evidence=["RT-BJ"],
                fix=[{"table": "tasks", "key": "RT-BJ", "set": {"completed_on": "2025-05-30"}}])
    world.plant("university-11", "UNI-BNU", "北京师范大学省项目办交办任务逾期 9 天完成", evidence=["RT-UNI-BNU"],
                fix=[{"table": "tasks", "key": "RT-UNI-BNU", "set": {"completed_on": "2025-05-30"}}])


def _first(world: World, university: str, **wanted: object) -> dict[str, object]:
    return next(v for v in world.tables["volunteers"] if v["university_id"] == university
                and all(v[column] == value for column, value in wanted.items()))


def _volunteer_records(world: World) -> None:
    """The optional volunteer columns, filled where no other part has set them."""
    for v in world.tables["volunteers"]:
        v.setdefault("archive_created_on", f"{v['cohort_year']}-07-10")
        v.setdefault("records_kept_at_university", "是")
        v.setdefault("org_relations_transferred", "是")
        if v["status"] == "期满":
            v.setdefault("employment_certificate_on", f"{YEAR}-08-20")
    late = _first(world, "UNI-BNU", cohort_year=YEAR)
    late["archive_created_on"] = f"{YEAR}-08-12"
    world.plant("recruit_province-11", "BJ", f"北京市招募的志愿者 {late['volunteer_id']} 到岗后才建立信息档案",
                evidence=[late["volunteer_id"]],
                fix=[{"table": "volunteers", "key": late["volunteer_id"], "set": {"archive_created_on": "2025-07-10"}}])
    kept_back = _first(world, "UNI-GZU", status="在岗")
    kept_back["org_relations_transferred"] = "否"
    world.plant("university-06", "UNI-GZU", f"贵州大学在岗志愿者 {kept_back['volunteer_id']} 的党团组织关系未转至服务地",
                evidence=[kept_back["volunteer_id"]],
                fix=[{"table": "volunteers", "key": kept_back["volunteer_id"], "set": {"org_relations_transferred": "是"}}])
    # university-08 (就业报到证) is not planted: the certificate is no longer issued from 2023 and the rule is in
    # force up to 2022 only, so a 2025 package is not judged on it


def build(world: World) -> None:
    _plans_and_reports(world)
    _recruitment(world)
    _assessments(world)
    _activities(world)
    _grievances_and_tasks(world)
    _volunteer_records(world)
