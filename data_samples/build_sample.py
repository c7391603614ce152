"""Writes data_samples/west2025: a small, realistic package with planted violations (see planted.yaml).

Deterministic: run it again and the files come out byte for byte the same. Headers are the Chinese
ones of the data contract, enum cells are written in Chinese, one file is GB18030 as many offices send.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from westaudit.tables import load_contract

OUT = Path(__file__).resolve().parent / "west2025"
YEAR = 2025
GB18030_TABLES = ("post_adjustments",)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁婷雪琳晨欣怡佳悦思雨子涵博文轩"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

PROVINCES = [  # id, name, recruits, serves, region code for ID numbers
    ("GS", "甘肃省项目办", True, True, "620102"),
    ("GZ", "贵州省项目办", True, True, "520102"),
    ("BJ", "北京市项目办", True, False, "110108"),
]
PREFECTURES = [("GS-LZ", "兰州市项目办", "GS"), ("GS-DX", "定西市项目办", "GS"), ("GZ-QDN", "黔东南州项目办", "GZ")]
COUNTIES = [
    ("GS-LZ-YZ", "榆中县项目办", "GS-LZ"), ("GS-LZ-GL", "皋兰县项目办", "GS-LZ"), ("GS-DX-LX", "临洮县项目办", "GS-DX"),
    ("GZ-QDN-LP", "黎平县项目办", "GZ-QDN"), ("GZ-QDN-CJ", "从江县项目办", "GZ-QDN"), ("GZ-QDN-RJ", "榕江县项目办", "GZ-QDN"),
]
UNIT_KINDS = ["第一中学", "人民医院", "农业技术推广站"]
UNIVERSITIES = [("UNI-LZU", "兰州大学项目办", "GS"), ("UNI-GZU", "贵州大学项目办", "GZ"), ("UNI-BNU", "北京师范大学项目办", "BJ")]


@dataclass
class Package:
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    planted: list[dict[str, object]] = field(default_factory=list)

    def add(self, table: str, **row: object) -> None:
        self.tables.setdefault(table, []).append(row)

    def plant(self, rule: str, office: str, why: str, evidence: list[str] | None = None,
              fix: list[dict[str, object]] | None = None) -> None:
        self.planted.append({"rule": rule, "office": office, "why": why, "evidence": evidence, "fix": fix or []})


def id_number(rng: random.Random, region: str) -> str:
    body = f"{region}{rng.randint(1996, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def build_offices(pkg: Package) -> None:
    pkg.add("offices", office_id="N", name="全国项目办", level="全国")
    for pid, name, recruits, serves, _ in PROVINCES:
        pkg.add("offices", office_id=pid, name=name, level="省级", parent_id="N",
                recruits="是" if recruits else "否", serves="是" if serves else "否")
    for fid, name, parent in PREFECTURES:
        pkg.add("offices", office_id=fid, name=name, level="地市", parent_id=parent)
    for cid, name, parent in COUNTIES:
        pkg.add("offices", office_id=cid, name=name, level="县级", parent_id=parent)
        for index, kind in enumerate(UNIT_KINDS, start=1):
            pkg.add("offices", office_id=f"{cid}-U{index}", name=name.removesuffix("项目办") + kind,
                    level="服务单位", parent_id=cid)
    for uid, name, parent in UNIVERSITIES:
        pkg.add("offices", office_id=uid, name=name, level="高校", parent_id=parent)


def build_volunteers(pkg: Package, rng: random.Random) -> dict[str, list[str]]:
    """25 volunteers per county: 12 finishing in 2025 (2 extended), 13 starting in August 2025."""
    by_county: dict[str, list[str]] = {}
    number = 0
    for cid, _, _ in COUNTIES:
        region = next(p[4] for p in PROVINCES if cid.startswith(p[0]))
        for slot in range(25):
            number += 1
            vid = f"V{YEAR}{number:04d}"
            cohort = 2024 if slot < 12 else 2025
            status = "延期" if slot in (0, 1) else ("期满" if cohort == 2024 else "在岗")
            end = f"{cohort + 1}-07-31" if status != "延期" else f"{cohort + 2}-07-31"
            pkg.add("volunteers", volunteer_id=vid, name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                    id_number=id_number(rng, region), phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                    university_id=rng.choice(UNIVERSITIES)[0], county_id=cid, unit_id=f"{cid}-U{slot % 3 + 1}",
                    cohort_year=cohort, service_start=f"{cohort}-08-01", service_end=end, status=status)
            by_county.setdefault(cid, []).append(vid)
    return by_county


def build_placements(pkg: Package, by_county: dict[str, list[str]]) -> None:
    for cid, volunteers in by_county.items():
        placed = volunteers[2:5] if cid == "GS-LZ-GL" else volunteers[2:8]
        for index, vid in enumerate(placed, start=1):
            pkg.add("job_placements", placement_id=f"J-{cid}-{index}", volunteer_id=vid, county_id=cid,
                    placed_on=f"{YEAR}年{6 + index % 2}月{10 + index}日", employer="当地事业单位")
    pkg.plant("service_county-09", "GS-LZ-GL", "皋兰县 2025 年在县服务 25 人，仅为 3 人落实就业（12%，低于 20%）",
              fix=[{"table": "job_placements", "add": {"placement_id": f"J-GS-LZ-GL-{n}",
                                                       "volunteer_id": by_county["GS-LZ-GL"][n + 1],
                                                       "county_id": "GS-LZ-GL", "placed_on": "2025-07-01"}}
                   for n in (4, 5)])


def build_extension_filings(pkg: Package, by_county: dict[str, list[str]]) -> None:
    for cid, volunteers in by_county.items():
        province = cid.split("-")[0]
        for slot in (0, 1):
            fid = f"EF-{cid}-{slot + 1}"
            late = cid == "GZ-QDN-CJ" and slot == 1
            pkg.add("extension_filings", filing_id=fid, volunteer_id=volunteers[slot], province_id=province,
                    year=YEAR, reported_on="2025-04-08" if late else f"2025-03-{20 + slot}")
    pkg.plant("service_province-07", "GZ", "贵州省一条延期备案 4 月 8 日才上报全国项目办（应于 3 月底前）",
              evidence=["EF-GZ-QDN-CJ-2"],
              fix=[{"table": "extension_filings", "key": "EF-GZ-QDN-CJ-2", "set": {"reported_on": "2025-03-28"}}])


def build_assessments(pkg: Package) -> None:
    scores = {"GS-LZ-YZ": 91, "GS-LZ-GL": 84, "GS-DX-LX": 62, "GZ-QDN-LP": 88, "GZ-QDN-CJ": 58, "GZ-QDN-RJ": 79}
    for cid, score in scores.items():
        province = cid.split("-")[0]
        outcome = "末位淘汰" if cid == "GS-DX-LX" else ("优秀" if score >= 85 else "合格")
        pkg.add("assessments", assessment_id=f"A-{cid}", year=YEAR, assessor_id=province, subject_id=cid,
                score=score, outcome=outcome)
    pkg.plant("service_province-12", "GZ", "贵州省年度考核中末位的从江县（58 分）未被淘汰", evidence=["A-GZ-QDN-CJ"],
              fix=[{"table": "assessments", "key": "A-GZ-QDN-CJ", "set": {"outcome": "末位淘汰"}}])
    for cid, _, _ in COUNTIES:
        for index, score in enumerate((93, 80, 64), start=1):
            kept_on = cid == "GZ-QDN-LP" and index == 3
            pkg.add("assessments", assessment_id=f"A-{cid}-U{index}", year=YEAR, assessor_id=cid,
                    subject_id=f"{cid}-U{index}", score=score, outcome="合格" if kept_on or index == 2 else
                    ("优秀" if index == 1 else "末位淘汰"))
    pkg.plant("service_county-05", "GZ-QDN-LP", "黎平县末位的服务单位（64 分）未被淘汰", evidence=["A-GZ-QDN-LP-U3"],
              fix=[{"table": "assessments", "key": "A-GZ-QDN-LP-U3", "set": {"outcome": "淘汰"}}])


def build_post_adjustments(pkg: Package, by_county: dict[str, list[str]]) -> None:
    def adjust(aid: str, cid: str, vid: str, to_unit: str, **dates: str) -> None:
        pkg.add("post_adjustments", adjustment_id=aid, volunteer_id=vid, county_id=cid, from_unit_id=f"{cid}-U1",
                to_unit_id=to_unit, **dates)

    signed = {"volunteer_consent_on": "2025-09-01", "unit_consent_on": "2025-09-03",
              "province_approved_on": "2025-09-10", "effective_on": "2025-09-15"}
    adjust("T-GZ-QDN-RJ-1", "GZ-QDN-RJ", by_county["GZ-QDN-RJ"][12], "GZ-QDN-RJ-U2", **signed)
    adjust("T-GS-DX-LX-1", "GS-DX-LX", by_county["GS-DX-LX"][12], "GS-LZ-YZ-U2", **signed)
    pkg.plant("service_county-03.within_county", "GS-DX-LX", "临洮县把志愿者调整到榆中县的服务单位，超出本县范围",
              evidence=["T-GS-DX-LX-1"],
              fix=[{"table": "post_adjustments", "key": "T-GS-DX-LX-1", "set": {"to_unit_id": "GS-DX-LX-U2"}}])


def write_csv(path: Path, table: str, rows: list[dict[str, object]], encoding: str) -> None:
    columns = load_contract()[table].columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spec.zh for spec in columns.values()])
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in columns])
    path.write_bytes(buffer.getvalue().encode(encoding))


def build() -> Package:
    rng = random.Random(20250331)
    pkg = Package()
    build_offices(pkg)
    by_county = build_volunteers(pkg, rng)
    build_placements(pkg, by_county)
    build_extension_filings(pkg, by_county)
    build_assessments(pkg)
    build_post_adjustments(pkg, by_county)
    return pkg


def main() -> None:
    pkg = build()
    OUT.mkdir(exist_ok=True)
    contract = load_contract()
    for table, rows in pkg.tables.items():
        encoding = "gb18030" if table in GB18030_TABLES else "utf-8-sig"
        write_csv(OUT / f"{contract[table].title_zh}.csv", table, rows, encoding)
    manifest = {"office_id": "N", "year": YEAR, "title": "西部计划 2025 年度示例报送（含预置问题）"}
    (OUT / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    header = "# Violations planted in this package; the audit must find exactly these. Written by build_sample.py.\n"
    (OUT / "planted.yaml").write_text(header + yaml.safe_dump(pkg.planted, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
