"""The offices table at national shape: 28 provincial units (22 serving), prefectures, counties, service
units and universities, with skewed sizes (a few large provinces and counties, many small ones)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import OrgFrames, Planter, World, scaled

# code (GB/T 2260 first two digits; 66 for the Xinjiang Production and Construction Corps), name, serves
PROVINCES = (
    ("11", "北京", False), ("12", "天津", False), ("13", "河北", True), ("14", "山西", True),
    ("15", "内蒙古", True), ("22", "吉林", True), ("23", "黑龙江", True), ("31", "上海", False),
    ("32", "江苏", False), ("33", "浙江", False), ("34", "安徽", True), ("36", "江西", True),
    ("41", "河南", True), ("42", "湖北", True), ("43", "湖南", True), ("44", "广东", False),
    ("45", "广西", True), ("46", "海南", True), ("50", "重庆", True), ("51", "四川", True),
    ("52", "贵州", True), ("53", "云南", True), ("54", "西藏", True), ("61", "陕西", True),
    ("62", "甘肃", True), ("63", "青海", True), ("64", "宁夏", True), ("65", "新疆", True),
)
PLACE_CHARS = np.array(list("安平宁和永昌兴隆丰庆福泰清源山河阳城东西南北新德华靖远定临泽武威江川石门溪龙岩云台"))
UNIT_KINDS = np.array(["第一中学", "第二中学", "人民医院", "中心卫生院", "农业技术推广站", "团县委", "司法局",
                       "乡镇人民政府", "民政局", "中心小学", "疾病预防控制中心", "图书馆"])
UNIVERSITY_KINDS = np.array(["大学", "师范大学", "理工大学", "农业大学", "医科大学", "财经大学", "职业技术学院"])
COUNTIES_AT_SCALE_1 = 2100
PREFECTURES_AT_SCALE_1 = 330
UNITS_AT_SCALE_1 = 25000
UNIVERSITIES_AT_SCALE_1 = 2500


def _split(rng: np.random.Generator, total: int, parts: int, sigma: float) -> np.ndarray:
    """total items over parts, at least one each, skewed by lognormal weights."""
    weights = rng.lognormal(0.0, sigma, size=parts)
    return 1 + rng.multinomial(total - parts, weights / weights.sum())


def _place_names(rng: np.random.Generator, count: int) -> np.ndarray:
    return np.char.add(rng.choice(PLACE_CHARS, size=count), rng.choice(PLACE_CHARS, size=count))


def _children(parent_ids: np.ndarray, counts: np.ndarray, separator: str, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids numbered within each parent: parent 6201 with 3 children gives 620101, 620102, 620103.

    The number width grows with the largest family, so every id of a level has the same length and none
    can be read as another parent's child."""
    width = max(width, len(str(int(counts.max()))))
    parents = np.repeat(parent_ids, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    numbers = np.arange(len(parents)) - starts + 1
    return np.char.add(np.char.add(parents, separator), np.char.zfill(numbers.astype(str), width)), parents


class OrgChartPlanter(Planter):
    name = "orgchart"
    tables = ("offices",)

    def build(self, world: World, rng: np.random.Generator) -> None:
        codes = np.array([p[0] for p in PROVINCES])
        serving = np.array([p[2] for p in PROVINCES])
        provinces = pd.DataFrame({"office_id": codes, "name": [f"{p[1]}项目办" for p in PROVINCES],
                                  "recruits": True, "serves": serving})
        serving_codes = codes[serving]
        prefecture_count = max(len(serving_codes), scaled(PREFECTURES_AT_SCALE_1, world.scale))
        county_count = max(prefecture_count, scaled(COUNTIES_AT_SCALE_1, world.scale))
        per_province = _split(rng, prefecture_count, len(serving_codes), 0.4)
        prefecture_ids, prefecture_province = _children(serving_codes, per_province, "", 2)
        per_prefecture = _split(rng, county_count, len(prefecture_ids), 0.5)
        county_ids, county_prefecture = _children(prefecture_ids, per_prefecture, "", 2)
        county_names = np.char.add(_place_names(rng, len(county_ids)), "县")
        unit_count = max(len(county_ids), scaled(UNITS_AT_SCALE_1, world.scale))
        per_county = _split(rng, unit_count, len(county_ids), 0.6)
        unit_ids, unit_county = _children(county_ids, per_county, "-", 3)
        county_name_of = dict(zip(county_ids, county_names, strict=True))
        unit_names = np.char.add(pd.Series(unit_county).map(county_name_of).to_numpy().astype(str),
                                 rng.choice(UNIT_KINDS, size=len(unit_ids)))
        university_count = max(len(codes), scaled(UNIVERSITIES_AT_SCALE_1, world.scale))
        per_university_province = _split(rng, university_count, len(codes), 0.5)
        university_ids, university_province = _children(np.char.add("U", codes), per_university_province, "", 3)
        university_names = np.char.add(np.char.add(np.repeat([p[1] for p in PROVINCES], per_university_province),
                                                   _place_names(rng, len(university_ids))),
                                       rng.choice(UNIVERSITY_KINDS, size=len(university_ids)))
        prefecture_province = prefecture_province.astype(str)
        county_province = pd.Series(county_prefecture).str[:2].to_numpy()
        university_province = np.char.replace(university_province, "U", "")

        world.org = OrgFrames(
            provinces=provinces,
            prefectures=pd.DataFrame({"office_id": prefecture_ids, "province_id": prefecture_province}),
            counties=pd.DataFrame({"office_id": county_ids, "prefecture_id": county_prefecture,
                                   "province_id": county_province, "name": county_names}),
            units=pd.DataFrame({"office_id": unit_ids, "county_id": unit_county}),
            universities=pd.DataFrame({"office_id": university_ids, "province_id": university_province}),
        )
        prefecture_names = np.char.add(_place_names(rng, len(prefecture_ids)), "市项目办")
        world.add("offices", pd.concat([
            pd.DataFrame({"office_id": ["N"], "name": ["全国项目办"], "level": ["national"]}),
            provinces.assign(level="province", parent_id="N"),
            pd.DataFrame({"office_id": prefecture_ids, "name": prefecture_names, "level": "prefecture",
                          "parent_id": prefecture_province}),
            pd.DataFrame({"office_id": county_ids, "name": np.char.add(county_names, "项目办"), "level": "county",
                          "parent_id": county_prefecture}),
            pd.DataFrame({"office_id": unit_ids, "name": unit_names, "level": "unit", "parent_id": unit_county}),
            pd.DataFrame({"office_id": university_ids, "name": np.char.add(university_names, "项目办"),
                          "level": "university", "parent_id": university_province}),
        ], ignore_index=True))
