"""The seven office codes of articles.tsv (the duty roles an office may play), in article order."""

OFFICE_CODES = (
    "national", "recruit_province", "service_province", "service_prefecture",
    "service_county", "university", "service_unit",
)

OFFICE_CODES_ZH = {
    "national": "全国项目办", "recruit_province": "招募省项目办", "service_province": "服务省项目办",
    "service_prefecture": "服务地（市）项目办", "service_county": "服务县项目办",
    "university": "高校项目办", "service_unit": "服务单位",
}
