"""The sample's world: the office hierarchy and the volunteers every part builds on, and the planted list."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

YEAR = 2025
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
VOLUNTEERS_PER_COUNTY = 25


@dataclass
class World:
    """What the parts share. Rows are plain dicts with the contract's column names; cells may be Chinese."""

    rng: random.Random
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    planted: list[dict[str, object]] = field(default_factory=list)
    by_county: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: str, **row: object) -> None:
        self.tables.setdefault(table, []).append(row)

    def row(self, table: str, column: str, value: object) -> dict[str, object]:
        return next(r for r in self.tables[table] if r[column] == value)

    def plant(self, rule: str, office: str, why: str, evidence: list[str] | None = None,
              fix: list[dict[str, object]] | None = None) -> None:
        """Record a violation built into the data: the audit must find exactly these, and each fix clears it."""
        self.planted.append({"rule": rule, "office": office, "why": why, "evidence": evidence, "fix": fix or []})


def id_number(rng: random.Random, region: str) -> str:
    body = f"{region}{rng.randint(1996, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def units_of(county: str) -> list[str]:
    return [f"{county}-U{index}" for index in range(1, len(UNIT_KINDS) + 1)]


def province_of(office: str) -> str:
    return office.split("-")[0]


def _build_offices(world: World) -> None:
    world.add("offices", office_id="N", name="全国项目办", level="全国")
    for pid, name, recruits, serves, _ in PROVINCES:
        world.add("offices", office_id=pid, name=name, level="省级", parent_id="N",
                  recruits="是" if recruits else "否", serves="是" if serves else "否")
    for fid, name, parent in PREFECTURES:
        world.add("offices", office_id=fid, name=name, level="地市", parent_id=parent)
    for cid, name, parent in COUNTIES:
        world.add("offices", office_id=cid, name=name, level="县级", parent_id=parent)
        for unit, kind in zip(units_of(cid), UNIT_KINDS, strict=True):
            world.add("offices", office_id=unit, name=name.removesuffix("项目办") + kind, level="服务单位", parent_id=cid)
    for uid, name, parent in UNIVERSITIES:
        world.add("offices", office_id=uid, name=name, level="高校", parent_id=parent)


def _build_volunteers(world: World) -> None:
    """25 volunteers per county: 12 finishing in 2025 (2 of them extended), 13 starting in August 2025."""
    rng = world.rng
    number = 0
    for cid, _, _ in COUNTIES:
        region = next(p[4] for p in PROVINCES if p[0] == province_of(cid))
        for slot in range(VOLUNTEERS_PER_COUNTY):
            number += 1
            vid = f"V{YEAR}{number:04d}"
            cohort = 2024 if slot < 12 else 2025
            status = "延期" if slot in (0, 1) else ("期满" if cohort == 2024 else "在岗")
            end = f"{cohort + 1}-07-31" if status != "延期" else f"{cohort + 2}-07-31"
            world.add("volunteers", volunteer_id=vid, name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                      id_number=id_number(rng, region), phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                      university_id=rng.choice(UNIVERSITIES)[0], county_id=cid, unit_id=units_of(cid)[slot % 3],
                      cohort_year=cohort, service_start=f"{cohort}-08-01", service_end=end, status=status)
            world.by_county.setdefault(cid, []).append(vid)


def make_world(seed: int = 20250331) -> World:
    world = World(random.Random(seed))
    _build_offices(world)
    _build_volunteers(world)
    return world
