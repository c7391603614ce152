"""The ordered procedures (check kind `procedure`): post adjustments, serious-incident reporting up the chain,
departures and the recruitment pipeline. Each plant breaks one step of one procedure and nothing else; each
fix moves that one record back into line without pushing a later step out of its own limit.

Runs after the national part: a confirmation notice that part leaves out also breaks recruit_province-04.
"""

from __future__ import annotations

from sample_parts.world import COUNTIES, UNIVERSITIES, YEAR, World, province_of, units_of

PROVINCE_OF_UNIVERSITY = {uid: province for uid, _, province in UNIVERSITIES}
NOTICE_ON = f"{YEAR}-06-20"  # the day the national part issues every notice


def _post_adjustment(world: World) -> None:
    county = "GZ-QDN-LP"  # 榆中县 is the sample's county with nothing planted
    world.add("post_adjustments", adjustment_id=f"T-{county}-1", volunteer_id=world.by_county[county][13],
              county_id=county, from_unit_id=units_of(county)[0], to_unit_id=units_of(county)[2],
              volunteer_consent_on="2025-10-08", unit_consent_on="2025-10-09", approved_by=province_of(county),
              province_approved_on="2025-10-20",
              effective_on="2025-10-15")
    world.plant("service_county-03", county, "黎平县一项岗位调整 10 月 15 日生效，省级项目办 10 月 20 日才批准",
                evidence=[f"T-{county}-1"],
                fix=[{"table": "post_adjustments", "key": f"T-{county}-1", "set": {"province_approved_on": "2025-10-14"}}])


# incident, county, times of the reports unit > county > prefecture > province > national (2025-09-<day> HH:MM)
_CHAINS = {
    "INC-1": ("GS-LZ-YZ", ("09-03 10:00", "09-03 11:00", "09-03 13:00", "09-03 16:00")),
    "INC-2": ("GZ-QDN-LP", ("09-10 12:00", "09-10 13:00", "09-10 15:00", "09-10 18:00")),  # unit 3 h after
    "INC-3": ("GS-DX-LX", ("09-12 10:00", "09-12 15:00", "09-12 16:00", "09-12 20:00")),  # county 5 h after
    "INC-4": ("GZ-QDN-CJ", ("09-15 10:00", "09-15 11:00", "09-15 17:00", "09-15 20:00")),  # prefecture 6 h after
    "INC-5": ("GS-LZ-GL", ("09-20 10:00", "09-20 11:00", "09-20 13:00", "09-21 09:00")),  # province 20 h after
}


def _incidents(world: World) -> None:
    for incident, (county, times) in _CHAINS.items():
        unit, prefecture, province = units_of(county)[1], county.rsplit("-", 1)[0], county.split("-")[0]
        world.add("incidents", incident_id=incident, volunteer_id=world.by_county[county][14], unit_id=unit,
                  county_id=county, occurred_at=f"{YEAR}-09-{times[0][3:5]} 09:00", severity="重大",
                  description="志愿者下乡途中交通事故受伤")
        hops = ((unit, county), (county, prefecture), (prefecture, province), (province, "N"))
        for hop, ((sender, receiver), at) in enumerate(zip(hops, times, strict=True), start=1):
            world.add("incident_reports", report_id=f"{incident}-R{hop}", incident_id=incident,
                      from_office_id=sender, to_office_id=receiver, reported_at=f"{YEAR}-{at}")
    world.add("incidents", incident_id="INC-6", volunteer_id=world.by_county["GZ-QDN-RJ"][15],
              unit_id=units_of("GZ-QDN-RJ")[0], county_id="GZ-QDN-RJ", occurred_at=f"{YEAR}-10-02 15:30",
              severity="一般", description="志愿者感冒发热，已就医")

    def late(rule: str, office: str, why: str, report: str, on_time: str) -> None:
        world.plant(rule, office, why, evidence=[report.rsplit("-R", 1)[0]],
                    fix=[{"table": "incident_reports", "key": report, "set": {"reported_at": f"{YEAR}-{on_time}"}}])

    late("service_unit-05", "GZ-QDN-LP-U2", "黎平县人民医院在重大事件发生 3 小时后才向县级项目办报告（限 2 小时）",
         "INC-2-R1", "09-10 11:00")
    late("service_county-04", "GS-DX-LX", "临洮县项目办收到重大事件报告 5 小时后才上报（限 2 小时）",
         "INC-3-R2", "09-12 12:00")
    late("service_prefecture-02", "GZ-QDN", "黔东南州项目办收到重大事件报告 6 小时后才上报省级（限 4 小时）",
         "INC-4-R3", "09-15 14:00")
    late("service_province-06", "GS", "甘肃省项目办收到重大事件报告 20 小时后才上报全国项目办（限 12 小时）",
         "INC-5-R4", "09-21 00:00")


def _departure(vid: str, unit: str, county: str) -> dict[str, object]:
    return {"departure_id": f"DP-{vid}", "volunteer_id": vid, "unit_id": unit, "county_id": county,
            "left_on": f"{YEAR}-07-31", "unit_appraisal_on": f"{YEAR}-06-20", "unit_reported_to_county_on": f"{YEAR}-06-24",
            "county_appraisal_on": f"{YEAR}-07-02", "certificate_filled_on": f"{YEAR}-07-10",
            "handover_on": f"{YEAR}-07-25"}


def _departures(world: World) -> None:
    """Every 2024 volunteer of each county who finishes in July 2025 (期满), but one in 临洮县 whose departure went
    unrecorded (the roster shows the volunteer gone: service_county-10.recorded and service_unit-04.recorded)."""
    unrecorded = world.by_county["GS-DX-LX"][11]
    for county, _, _ in COUNTIES:
        for vid in world.by_county[county][2:12]:
            if vid != unrecorded:
                world.add("departures", **_departure(vid, world.row("volunteers", "volunteer_id", vid)["unit_id"], county))
    gone = world.row("volunteers", "volunteer_id", unrecorded)
    fix = [{"table": "departures", "add": _departure(unrecorded, gone["unit_id"], "GS-DX-LX")}]
    why = f"名册显示志愿者 {unrecorded} 已期满离岗，但无离岗手续记录"
    world.plant("service_county-10.recorded", "GS-DX-LX", why, evidence=[unrecorded], fix=fix)
    world.plant("service_unit-04.recorded", gone["unit_id"], why, evidence=[unrecorded], fix=fix)
    late_report = world.row("departures", "departure_id", f"DP-{world.by_county['GS-LZ-GL'][3]}")
    late_report["unit_reported_to_county_on"] = f"{YEAR}-06-30"
    world.plant("service_unit-04", late_report["unit_id"], "皋兰县一所服务单位鉴定后 10 天才上报县级项目办（限 7 天）",
                evidence=[late_report["departure_id"]],
                fix=[{"table": "departures", "key": late_report["departure_id"],
                      "set": {"unit_reported_to_county_on": f"{YEAR}-06-27"}}])
    no_handover = world.row("departures", "departure_id", f"DP-{world.by_county['GZ-QDN-RJ'][2]}")
    no_handover["handover_on"] = None
    world.plant("service_county-10", "GZ-QDN-RJ", "榕江县一名期满志愿者离岗，未办理工作交接",
                evidence=[no_handover["departure_id"]],
                fix=[{"table": "departures", "key": no_handover["departure_id"], "set": {"handover_on": f"{YEAR}-07-25"}}])


def _recruits(world: World) -> list[dict[str, object]]:
    return [v for v in world.tables["volunteers"] if v["cohort_year"] == YEAR]


def _recruitment_records(world: World) -> None:
    """Passed exam organised by the province, agreement, notice, pre-departure training, then leaving university."""
    for volunteer in _recruits(world):
        vid, university = volunteer["volunteer_id"], volunteer["university_id"]
        province = PROVINCE_OF_UNIVERSITY[university]
        world.add("medical_exams", exam_id=f"MX-{vid}", volunteer_id=vid, office_id=province,
                  exam_on=f"{YEAR}-05-20", result="合格")
        world.add("agreements", agreement_id=f"AR-{vid}", volunteer_id=vid, agreement_type="招募协议",
                  office_id=province, signed_on=f"{YEAR}-06-10")
        world.add("trainings", training_id=f"TP-{vid}", volunteer_id=vid, office_id=university,
                  training_type="离校前培训", held_on=f"{YEAR}-06-25")
        volunteer.setdefault("confirmation_notice_on", NOTICE_ON)
        volunteer["left_university_on"] = f"{YEAR}-06-30"


def _recruit(world: World, university: str, from_end: int) -> dict[str, object]:
    """One of the university's last recruits of the year holding a notice (other parts plant on the first ones)."""
    return [v for v in _recruits(world) if v["university_id"] == university and v["confirmation_notice_on"]][-from_end]


def _recruitment_plants(world: World) -> None:
    elsewhere = _recruit(world, "UNI-GZU", 1)["volunteer_id"]
    world.row("medical_exams", "exam_id", f"MX-{elsewhere}")["office_id"] = "UNI-GZU"
    world.plant("recruit_province-03", "GZ", "贵州省一名入选志愿者的体检由高校自行组织，未参加省级集中体检",
                evidence=[elsewhere],
                fix=[{"table": "medical_exams", "key": f"MX-{elsewhere}", "set": {"office_id": "GZ"}}])

    _notice_plant(world)

    # examined two days after leaving university; agreement and notice follow within their own limits
    after_leaving = _recruit(world, "UNI-LZU", 1)["volunteer_id"]
    world.row("medical_exams", "exam_id", f"MX-{after_leaving}")["exam_on"] = f"{YEAR}-07-02"
    world.row("agreements", "agreement_id", f"AR-{after_leaving}")["signed_on"] = f"{YEAR}-07-10"
    world.row("volunteers", "volunteer_id", after_leaving)["confirmation_notice_on"] = f"{YEAR}-07-20"
    world.plant("university-03", "UNI-LZU", "兰州大学一名入选毕业生 6 月 30 日离校，7 月 2 日才体检",
                evidence=[after_leaving],
                fix=[{"table": "medical_exams", "key": f"MX-{after_leaving}", "set": {"exam_on": f"{YEAR}-06-25"}}])

    slow = _recruit(world, "UNI-GZU", 2)["volunteer_id"]
    world.row("medical_exams", "exam_id", f"MX-{slow}")["exam_on"] = f"{YEAR}-05-01"
    world.plant("university-04", "UNI-GZU", "贵州大学一名入选毕业生 5 月 1 日体检合格，40 天后才签订招募协议（限 30 天）",
                evidence=[slow],
                fix=[{"table": "medical_exams", "key": f"MX-{slow}", "set": {"exam_on": f"{YEAR}-05-15"}}])

    untrained = _recruit(world, "UNI-BNU", 1)["volunteer_id"]
    world.tables["trainings"] = [t for t in world.tables["trainings"] if t["training_id"] != f"TP-{untrained}"]
    world.plant("university-05", "UNI-BNU", "北京师范大学一名入选毕业生离校前未参加培训", evidence=[untrained],
                fix=[{"table": "trainings", "add": {"training_id": f"TP-{untrained}", "volunteer_id": untrained,
                                                    "office_id": "UNI-BNU", "training_type": "离校前培训",
                                                    "held_on": f"{YEAR}-06-25"}}])


def _notice_plant(world: World) -> None:
    """A notice 25 days after the agreement, in the province of any recruit another part left without one:
    that recruit breaks recruit_province-04 too, so both go into the one plant for that province."""
    unnoticed = [v for v in _recruits(world) if not v["confirmation_notice_on"]]
    province = PROVINCE_OF_UNIVERSITY[unnoticed[0]["university_id"]] if unnoticed else "BJ"
    university = next(uid for uid, _, p in UNIVERSITIES if p == province)
    late = _recruit(world, university, 3)
    late["confirmation_notice_on"] = f"{YEAR}-07-05"
    same_province = [v for v in unnoticed if PROVINCE_OF_UNIVERSITY[v["university_id"]] == province]
    world.plant("recruit_province-04", province,
                "一名志愿者签订招募协议 25 天后才发放确认通知书（限 15 天）"
                + (f"；另有 {len(same_province)} 名未发放确认通知书" if same_province else ""),
                evidence=[late["volunteer_id"], *(v["volunteer_id"] for v in same_province)],
                fix=[{"table": "volunteers", "key": v["volunteer_id"], "set": {"confirmation_notice_on": NOTICE_ON}}
                     for v in [late, *same_province]])
    for other in {PROVINCE_OF_UNIVERSITY[v["university_id"]] for v in unnoticed} - {province}:
        missing = [v for v in unnoticed if PROVINCE_OF_UNIVERSITY[v["university_id"]] == other]
        world.plant("recruit_province-04", other, f"{len(missing)} 名志愿者未发放确认通知书",
                    evidence=[v["volunteer_id"] for v in missing],
                    fix=[{"table": "volunteers", "key": v["volunteer_id"], "set": {"confirmation_notice_on": NOTICE_ON}}
                         for v in missing])


def build(world: World) -> None:
    _post_adjustment(world)
    _incidents(world)
    _departures(world)
    _recruitment_records(world)
    _recruitment_plants(world)
