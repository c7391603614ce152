"""A province that leaves its recruiting or serving flag blank: the org chart would give it no duty of that side,
so none of those articles would be judged and nothing would say why. It is a data-quality finding instead, listed
with the rows to correct (report.json `rejected_rows`, the pages and the terminal), the row kept as it was."""

from __future__ import annotations

import pandas as pd

from westaudit.core.columns import SOURCE_FILE, SOURCE_ROW
from westaudit.core.results import RejectedRow

_FLAGS = {
    "recruits": "省级项目办须填写是否招募省（是/否）；留空则不判定其招募省职责 "
                "a province must say whether it recruits (yes/no): left blank, none of its recruiting duties is judged",
    "serves": "省级项目办须填写是否服务省（是/否）；留空则不判定其服务省职责 "
              "a province must say whether it serves (yes/no): left blank, none of its serving duties is judged",
}


def blank_province_flags(offices: pd.DataFrame, scope: set[str]) -> tuple[RejectedRow, ...]:
    """One finding per blank flag of a province row in the audit's scope (a column left out is blank in every row)."""
    provinces = offices[(offices["level"].astype("string") == "province") & offices["office_id"].isin(scope)]
    found = []
    for column, expected in _FLAGS.items():
        blank = provinces[column].isna() if column in provinces else pd.Series(True, index=provinces.index)
        for _, row in provinces[blank.to_numpy(dtype=bool)].iterrows():
            found.append(RejectedRow("offices", str(row.get(SOURCE_FILE, "")), int(row.get(SOURCE_ROW, 0) or 0),
                                     column, "", expected, str(row["office_id"]), row_kept=True))
    return tuple(found)
