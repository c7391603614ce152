"""The national office's duties (national-01 … national-18): its documents, activities, quotas, insurance,
grievances and leading-group tasks, and the per-volunteer records it keeps (notices, certificates, files,
system registration).

The national office is the only office of its role, so every violation planted here is at N; the passing
side is the corrected copy. Runs after the other parts: volunteers' information files and the provinces'
assessment methods are shared with province rules, so the national violations of those are read from the
rows the other parts built (see _plant_archive and _plant_method_reviews).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sample_parts.world import COUNTIES, UNIVERSITIES, YEAR, World, province_of

NATIONAL = "N"
METHOD_REVIEW_DAYS = 30  # national_method_review_days
METHOD_TYPES = ("考核办法", "考核评估办法", "assessment_method")


def _date(text: object) -> dt.date:
    return dt.date.fromisoformat(str(text))


def _shift(text: object, days: int) -> str:
    return (_date(text) + dt.timedelta(days=days)).isoformat()


def _doc(world: World, document_id: str, doc_type: str, year: int, **dates: str) -> None:
    world.add("documents", document_id=document_id, office_id=NATIONAL, doc_type=doc_type, year=year, **dates)


def _documents(world: World) -> None:
    _doc(world, f"D-N-{YEAR}-PLAN", "年度工作计划", YEAR, published_on=f"{YEAR}-02-20")
    _doc(world, f"D-N-{YEAR}-IMPL", "年度实施方案", YEAR, published_on=f"{YEAR}-04-15")
    world.plant("national-01", NATIONAL, "全国项目办 2025 年度实施方案 4 月 15 日才印发（应于 3 月底前）",
                evidence=[f"D-N-{YEAR}-IMPL"],
                fix=[{"table": "documents", "key": f"D-N-{YEAR}-IMPL", "set": {"published_on": f"{YEAR}-03-25"}}])
    _doc(world, f"D-N-{YEAR}-POLICY", "政策文件", YEAR)
    world.plant("national-02.policy", NATIONAL, "会同有关部门起草的政策文件年内未发布", evidence=[f"D-N-{YEAR}-POLICY"],
                fix=[{"table": "documents", "key": f"D-N-{YEAR}-POLICY", "set": {"published_on": f"{YEAR}-09-01"}}])
    _doc(world, f"D-N-{YEAR}-RECRUIT", "招募派遣计划", YEAR, published_on=f"{YEAR}-04-18")
    _doc(world, f"D-N-{YEAR}-TRAINING", "培训计划", YEAR, published_on=f"{YEAR}-07-05")
    world.plant("national-06", NATIONAL, "2025 年度培训计划 7 月 5 日才印发（应于 6 月底前）",
                evidence=[f"D-N-{YEAR}-TRAINING"],
                fix=[{"table": "documents", "key": f"D-N-{YEAR}-TRAINING", "set": {"published_on": f"{YEAR}-06-16"}}])
    _doc(world, "D-N-2023-MATERIALS", "培训教材", 2023, published_on="2023-05-10")
    world.plant("national-08", NATIONAL, "全国项目办未制定印发《志愿者管理办法》", fix=[
        {"table": "documents", "add": {"document_id": "D-N-2022-MEASURES", "office_id": NATIONAL,
                                       "doc_type": "志愿者管理办法", "year": 2022, "published_on": "2022-03-01"}}])
    _doc(world, f"D-N-{YEAR}-SUPERVISION", "督导制度", YEAR)
    world.plant("national-09", NATIONAL, "督导制度已起草但未印发", evidence=[f"D-N-{YEAR}-SUPERVISION"],
                fix=[{"table": "documents", "key": f"D-N-{YEAR}-SUPERVISION", "set": {"published_on": f"{YEAR}-05-06"}}])
    _doc(world, f"D-N-{YEAR}-SUBSIDY", "补贴发放办法", YEAR)
    world.plant("national-10", NATIONAL, "生活、交通补贴发放办法已起草但未印发", evidence=[f"D-N-{YEAR}-SUBSIDY"],
                fix=[{"table": "documents", "key": f"D-N-{YEAR}-SUBSIDY", "set": {"published_on": f"{YEAR}-02-28"}}])
    _doc(world, f"D-N-{YEAR}-BUDGET", "经费预算", YEAR, submitted_on=f"{YEAR}-03-10")
    _doc(world, f"D-N-{YEAR - 1}-AUDIT", "审计报告", YEAR - 1, submitted_on=f"{YEAR}-08-15")
    world.plant("national-15.audit", NATIONAL, "2024 年度经费审计报告 8 月 15 日才报送（应于 6 月底前）",
                evidence=[f"D-N-{YEAR - 1}-AUDIT"],
                fix=[{"table": "documents", "key": f"D-N-{YEAR - 1}-AUDIT", "set": {"submitted_on": f"{YEAR}-06-20"}}])
    _doc(world, f"D-N-{YEAR - 1}-EVALUATION", "年度项目评估报告", YEAR - 1, published_on=f"{YEAR}-07-20")
    world.plant("national-16", NATIONAL, "2024 年度项目评估报告 7 月 20 日才发布（应于 6 月底前）",
                evidence=[f"D-N-{YEAR - 1}-EVALUATION"],
                fix=[{"table": "documents", "key": f"D-N-{YEAR - 1}-EVALUATION", "set": {"published_on": f"{YEAR}-06-18"}}])


ACTIVITIES = [  # type, dates held in the audit year
    ("政策协调", ["03-12", "09-20"]),
    ("争取支持", ["05-08"]),
    ("工作指导", ["04-22", "10-15"]),
    ("就业创业服务", ["06-10"]),
    ("宣传", ["05-04"]),
    ("表彰", ["11-28"]),
    ("工作交流", ["07-16"]),
    ("文化建设", ["10-30"]),
]


def _activity(type_zh: str, index: int, held_on: str) -> dict[str, object]:
    return {"activity_id": f"ACT-N-{type_zh}-{index}", "office_id": NATIONAL, "activity_type": type_zh,
            "held_on": f"{YEAR}-{held_on}"}


def _activities(world: World) -> None:
    for type_zh, dates in ACTIVITIES:
        for index, held_on in enumerate(dates, start=1):
            world.add("activities", **_activity(type_zh, index, held_on))
    world.plant("national-03", NATIONAL, "全年仅开展 1 次争取社会支持活动（应不少于 2 次）",
                fix=[{"table": "activities", "add": _activity("争取支持", 2, "11-12")}])
    world.plant("national-11", NATIONAL, "全年仅开展 1 次就业创业服务（应不少于 2 次）",
                fix=[{"table": "activities", "add": _activity("就业创业服务", 2, "07-08")}])
    world.plant("national-12", NATIONAL, "全年仅开展 1 次全国性宣传活动（应不少于 2 次）",
                fix=[{"table": "activities", "add": _activity("宣传", 2, "12-05")}])


def _quotas(world: World) -> None:
    cohort = [v for v in world.tables["volunteers"] if v["cohort_year"] == YEAR]
    university_province = {uid: province for uid, _, province in UNIVERSITIES}
    recruited = Counter(university_province[v["university_id"]] for v in cohort)
    dispatched = Counter(province_of(v["county_id"]) for v in cohort)
    for province, count in sorted(recruited.items()):
        world.add("quotas", quota_id=f"Q-N-{YEAR}-RECRUIT-{province}", year=YEAR, allocator_id=NATIONAL,
                  office_id=province, quota_type="招募指标", number=count + 3)
    for province, count in sorted(dispatched.items()):
        short = province == "GZ"
        world.add("quotas", quota_id=f"Q-N-{YEAR}-DISPATCH-{province}", year=YEAR, allocator_id=NATIONAL,
                  office_id=province, quota_type="派遣指标", number=count - 2 if short else count + 2)
    world.plant("national-04.dispatch", NATIONAL, f"向贵州省派遣 {dispatched['GZ']} 人，超过派遣指标 {dispatched['GZ'] - 2} 人",
                evidence=[f"Q-N-{YEAR}-DISPATCH-GZ"],
                fix=[{"table": "quotas", "key": f"Q-N-{YEAR}-DISPATCH-GZ", "set": {"number": dispatched["GZ"] + 2}}])


def _missing(value: object) -> bool:
    return value is None or value == ""


def _volunteer_records(world: World) -> None:
    """Notices, certificates and system registration for every volunteer (only the national rules read them)."""
    for volunteer in world.tables["volunteers"]:
        cohort, start = volunteer["cohort_year"], volunteer["service_start"]
        volunteer.setdefault("confirmation_notice_on", f"{cohort}-06-20")
        volunteer.setdefault("service_certificate_on", f"{cohort}-07-25")
        volunteer.setdefault("registered_on", _shift(start, 10))
    newcomers = [v["volunteer_id"] for v in world.tables["volunteers"] if v["cohort_year"] == YEAR]
    late_notice, late_registration = newcomers[20], newcomers[45]
    world.row("volunteers", "volunteer_id", late_notice)["confirmation_notice_on"] = None
    world.plant("national-05", NATIONAL, "一名 2025 年入选志愿者未发放确认通知书", evidence=[late_notice],
                fix=[{"table": "volunteers", "key": late_notice, "set": {"confirmation_notice_on": f"{YEAR}-06-20"}}])
    world.row("volunteers", "volunteer_id", late_registration)["registered_on"] = f"{YEAR}-09-15"
    world.plant("national-14", NATIONAL, "一名志愿者 8 月 1 日到岗，9 月 15 日才录入信息管理系统（应在 30 天内）",
                evidence=[late_registration],
                fix=[{"table": "volunteers", "key": late_registration, "set": {"registered_on": f"{YEAR}-08-11"}}])


def _insurance(world: World) -> None:
    unrenewed = world.by_county["GS-DX-LX"][9]
    for volunteer in world.tables["volunteers"]:
        vid = volunteer["volunteer_id"]
        end = f"{YEAR - 1}-12-31" if vid == unrenewed else volunteer["service_end"]
        world.add("insurance", policy_id=f"INS-{vid}", volunteer_id=vid, arranged_by=NATIONAL,
                  start_on=volunteer["service_start"], end_on=end)
    world.plant("national-07", NATIONAL, "一名服务至 2025 年 7 月的志愿者，保险 2024 年底到期后未续保", evidence=[unrenewed],
                fix=[{"table": "insurance", "key": f"INS-{unrenewed}",
                      "set": {"end_on": world.row("volunteers", "volunteer_id", unrenewed)["service_end"]}}])


def _plant_archive(world: World) -> None:
    """Files are also the service provinces' duty (service_province-13): a volunteer another part left without
    a file is the national violation too. Only when no part left one is a file left out here."""
    volunteers = world.tables["volunteers"]
    offenders = [v for v in volunteers if "archive_created_on" in v and _active(v) and _archive_missing(v)]
    for volunteer in volunteers:
        volunteer.setdefault("archive_created_on", _file_date(volunteer))
    if not offenders:
        # last year's cohort: the recruiting provinces' rule (recruit_province-11) only looks at this year's
        offenders = [world.row("volunteers", "volunteer_id", world.by_county["GZ-QDN-RJ"][9])]
        offenders[0]["archive_created_on"] = None
    world.plant("national-13", NATIONAL, f"{len(offenders)} 名在岗志愿者未建立信息档案或建档晚于服务期满",
                evidence=sorted(v["volunteer_id"] for v in offenders),
                fix=[{"table": "volunteers", "key": v["volunteer_id"],
                      "set": {"archive_created_on": _file_date(v)}} for v in offenders])


def _file_date(volunteer: dict[str, object]) -> str:
    """Files are opened before the volunteer starts (recruit_province-11 wants them by service_start)."""
    return _shift(volunteer["service_start"], -20)


def _active(volunteer: dict[str, object]) -> bool:
    return _date(volunteer["service_start"]).year <= YEAR <= _date(volunteer["service_end"]).year


def _archive_missing(volunteer: dict[str, object]) -> bool:
    value = volunteer["archive_created_on"]
    return _missing(value) or str(value) > str(volunteer["service_end"])


def _plant_method_reviews(world: World) -> None:
    """Assessment methods are the provinces' rows (recruit_province-05): the national office's part is reviewing
    those sent to it. A second method (for universities) is added only for a province that already has one for
    the year, so that no province's own result changes."""
    methods = [d for d in world.tables.get("documents", []) if d["doc_type"] in METHOD_TYPES
               and int(d["year"]) == YEAR and d["office_id"] in {p for _, _, p in UNIVERSITIES}]
    if not methods:
        return
    province = sorted(d["office_id"] for d in methods)[0]
    document_id = f"D-{province}-{YEAR}-METHOD-UNI"
    world.add("documents", document_id=document_id, office_id=province, doc_type="考核办法", year=YEAR,
              title="高校项目办考核办法", submitted_to=NATIONAL, submitted_on=f"{YEAR}-03-02", approved_by=NATIONAL,
              approved_on=f"{YEAR}-04-20")
    overdue = [d["document_id"] for d in world.tables["documents"] if _review_overdue(d)]
    world.plant("national-09.methods", NATIONAL, "省级项目办报送的考核办法超过 30 天未审定", evidence=sorted(overdue),
                fix=[{"table": "documents", "key": key, "set": {"approved_by": NATIONAL, "approved_on": _shift(
                    world.row("documents", "document_id", key)["submitted_on"], 20)}} for key in overdue])


def _review_overdue(document: dict[str, object]) -> bool:
    if document["doc_type"] not in METHOD_TYPES or document.get("submitted_to") != NATIONAL:
        return False
    submitted = document.get("submitted_on")
    if _missing(submitted) or _date(submitted).year != YEAR:
        return False
    approved = document.get("approved_on")
    return _missing(approved) or (_date(approved) - _date(submitted)).days > METHOD_REVIEW_DAYS


def _grievances_and_tasks(world: World) -> None:
    complainants = [world.by_county[cid][14] for cid, _, _ in COUNTIES[:3]]
    for index, (vid, received, answered) in enumerate(zip(
            complainants, ("03-03", "06-16", "10-09"), ("03-12", "07-06", "10-20"), strict=True), start=1):
        world.add("grievances", grievance_id=f"G-N-{index}", volunteer_id=vid, office_id=NATIONAL,
                  received_on=f"{YEAR}-{received}", answered_on=f"{YEAR}-{answered}", summary="服务保障诉求")
    world.plant("national-17", NATIONAL, "一件权益诉求 6 月 16 日受理，7 月 6 日才答复（超过 15 天）", evidence=["G-N-2"],
                fix=[{"table": "grievances", "key": "G-N-2", "set": {"answered_on": f"{YEAR}-06-28"}}])
    # the national leading group is not an office: its tasks are recorded as assigned by and to N
    for index, (due, done) in enumerate((("04-30", "04-26"), ("09-30", None), ("12-15", "12-10")), start=1):
        world.add("tasks", task_id=f"T-N-{index}", assigned_by=NATIONAL, assigned_to=NATIONAL,
                  title="全国领导小组交办事项", assigned_on=f"{YEAR}-0{index * 3}-01", due_on=f"{YEAR}-{due}",
                  completed_on=f"{YEAR}-{done}" if done else None)
    world.plant("national-18", NATIONAL, "全国领导小组交办的一项工作（9 月 30 日到期）未完成", evidence=["T-N-2"],
                fix=[{"table": "tasks", "key": "T-N-2", "set": {"completed_on": f"{YEAR}-09-28"}}])


def build(world: World) -> None:
    _documents(world)
    _activities(world)
    _quotas(world)
    _volunteer_records(world)
    _insurance(world)
    _plant_archive(world)
    _plant_method_reviews(world)
    _grievances_and_tasks(world)
