"""The four headline duties: employment ratio, extension filings by March, last-place elimination, post adjustments."""

from __future__ import annotations

from sample_parts.world import COUNTIES, YEAR, World, province_of, units_of


def _placements(world: World) -> None:
    for cid, volunteers in world.by_county.items():
        # 8 of 25 (32%) placed; 黎平 places 6 (24%: meets the article's 20% but not the 25% warning band, a
        # warning); 皋兰 places 3 (12%, the planted failure)
        placed = volunteers[2:5] if cid == "GS-LZ-GL" else volunteers[2:8] if cid == "GZ-QDN-LP" else volunteers[2:10]
        for index, vid in enumerate(placed, start=1):
            world.add("job_placements", placement_id=f"J-{cid}-{index}", volunteer_id=vid, county_id=cid,
                      placed_on=f"{YEAR}年{6 + index % 2}月{10 + index}日", employer="当地事业单位")
    world.plant("service_county-09", "GS-LZ-GL", "皋兰县 2025 年在县服务 25 人，仅为 3 人落实就业（12%，低于 20%）",
                fix=[{"table": "job_placements", "add": {"placement_id": f"J-GS-LZ-GL-{n}",
                                                         "volunteer_id": world.by_county["GS-LZ-GL"][n + 1],
                                                         "county_id": "GS-LZ-GL", "placed_on": "2025-07-01"}}
                     for n in (4, 5, 6, 7)])


def _extension_filings(world: World) -> None:
    for cid, volunteers in world.by_county.items():
        for slot in (0, 1):
            late = cid == "GZ-QDN-CJ" and slot == 1
            world.add("extension_filings", filing_id=f"EF-{cid}-{slot + 1}", volunteer_id=volunteers[slot],
                      province_id=province_of(cid), year=YEAR, reported_on="2025-04-08" if late else f"2025-03-{20 + slot}")
    world.plant("service_province-07", "GZ", "贵州省一条延期备案 4 月 8 日才上报全国项目办（应于 3 月底前）",
                evidence=["EF-GZ-QDN-CJ-2"],
                fix=[{"table": "extension_filings", "key": "EF-GZ-QDN-CJ-2", "set": {"reported_on": "2025-03-28"}}])


def _assessments(world: World) -> None:
    scores = {"GS-LZ-YZ": 91, "GS-LZ-GL": 84, "GS-DX-LX": 62, "GZ-QDN-LP": 88, "GZ-QDN-CJ": 58, "GZ-QDN-RJ": 79}
    for cid, score in scores.items():
        outcome = "末位淘汰" if cid == "GS-DX-LX" else ("优秀" if score >= 85 else "合格")
        world.add("assessments", assessment_id=f"A-{cid}", year=YEAR, assessor_id=province_of(cid), subject_id=cid,
                  score=score, outcome=outcome)
    world.plant("service_province-12", "GZ", "贵州省年度考核中末位的从江县（58 分）未被淘汰", evidence=["A-GZ-QDN-CJ"],
                fix=[{"table": "assessments", "key": "A-GZ-QDN-CJ", "set": {"outcome": "末位淘汰"}}])
    for cid, _, _ in COUNTIES:
        for index, (unit, score) in enumerate(zip(units_of(cid), (93, 80, 64), strict=True), start=1):
            kept_on = cid == "GZ-QDN-LP" and index == 3
            outcome = "优秀" if index == 1 else ("合格" if kept_on or index == 2 else "末位淘汰")
            world.add("assessments", assessment_id=f"A-{unit}", year=YEAR, assessor_id=cid, subject_id=unit,
                      score=score, outcome=outcome)
    world.plant("service_county-05", "GZ-QDN-LP", "黎平县末位的服务单位（64 分）未被淘汰", evidence=["A-GZ-QDN-LP-U3"],
                fix=[{"table": "assessments", "key": "A-GZ-QDN-LP-U3", "set": {"outcome": "淘汰"}}])


def _post_adjustments(world: World) -> None:
    signed = {"volunteer_consent_on": "2025-09-01", "unit_consent_on": "2025-09-03",
              "province_approved_on": "2025-09-10", "effective_on": "2025-09-15"}
    for aid, cid, to_unit in (("T-GZ-QDN-RJ-1", "GZ-QDN-RJ", "GZ-QDN-RJ-U2"), ("T-GS-DX-LX-1", "GS-DX-LX", "GS-LZ-YZ-U2")):
        world.add("post_adjustments", adjustment_id=aid, volunteer_id=world.by_county[cid][12], county_id=cid,
                  from_unit_id=units_of(cid)[0], to_unit_id=to_unit, approved_by=province_of(cid), **signed)
    world.plant("service_county-03.within_county", "GS-DX-LX", "临洮县把志愿者调整到榆中县的服务单位，超出本县范围",
                evidence=["T-GS-DX-LX-1"],
                fix=[{"table": "post_adjustments", "key": "T-GS-DX-LX-1", "set": {"to_unit_id": "GS-DX-LX-U2"}}])


def build(world: World) -> None:
    _placements(world)
    _extension_filings(world)
    _assessments(world)
    _post_adjustments(world)
