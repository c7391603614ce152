"""Tables are typed after the tables they refer to, so every reference is checked when a package loads."""

from __future__ import annotations

import shutil

from conftest import SAMPLE
from westaudit.package import _typing_order, load_package
from westaudit.tables import load_contract


def test_each_table_comes_after_the_tables_its_references_point_to():
    contract = load_contract()
    order = _typing_order(set(contract), contract)
    assert order[0] == "offices" and sorted(order) == sorted(contract)
    for name in order:
        for column in contract[name].columns.values():
            if column.type == "ref":
                assert order.index(column.ref.split(".")[0]) < order.index(name), (name, column.ref)


def test_a_report_of_an_incident_nobody_recorded_is_rejected(tmp_path, ruleset):
    package = tmp_path / "package"
    shutil.copytree(SAMPLE, package)
    reports = package / "事件上报记录.csv"
    reports.write_text(reports.read_text(encoding="utf-8-sig").rstrip("\n")
                       + "\nINC-X-R1,INC-NOWHERE,GS-LZ-YZ-U2,GS-LZ-YZ,2025-09-03 10:00\n", encoding="utf-8-sig")
    loaded = load_package(package, ruleset.contract)
    rejected = [r for r in loaded.rejected if r.table == "incident_reports"]
    assert [(r.column, r.value) for r in rejected] == [("incident_id", "INC-NOWHERE")]
