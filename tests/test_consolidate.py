"""Consolidation: a province audits its counties' packages (one a filled template workbook) and its own as one
submission. Conflicts, duplicates and rows outside a package's subtree are accounted for row by row, an office
with no package is insufficient_data, and every finding names its package."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from conftest import REPO
from package_split import append_row, fill_template, read_rows, split_package, write_rows
from westaudit.cli import main
from westaudit.core.results import Status
from westaudit.evaluate.audit import run_audit
from westaudit.evaluate.consolidate import consolidate
from westaudit.evaluate.coverage import NO_PACKAGE_EN
from westaudit.intake.orgchart import OrgChart
from westaudit.intake.package import load_package
from westaudit.reports.report_json import offices_of, report_document, results_of
from westaudit.reports.site import write_site
from westaudit.spec.policies import load_policies

FIXED_SAMPLE = REPO / "data_samples" / "west2025_fixed"
PROVINCE = "GS"
TEMPLATE_COUNTY = "GS-LZ-YZ"  # filled in as a `westaudit template` workbook
CSV_COUNTIES = ("GS-LZ-GL", "GS-DX-LX")
COUNTIES = (TEMPLATE_COUNTY, *CSV_COUNTIES)
# in GS's subtree but sending nothing: the two prefectures and the university
MISSING = ("GS-DX", "GS-LZ", "UNI-LZU")


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> Path:
    """GS's own rows and three county packages, each in its own folder, as a province would receive them."""
    root = tmp_path_factory.mktemp("received")
    split_package(FIXED_SAMPLE, root / PROVINCE, PROVINCE, own_rows_only=True)
    for county in CSV_COUNTIES:
        split_package(FIXED_SAMPLE, root / county, county)
    as_csv = split_package(FIXED_SAMPLE, tmp_path_factory.mktemp("csv") / TEMPLATE_COUNTY, TEMPLATE_COUNTY)
    workbook = root / TEMPLATE_COUNTY / f"{TEMPLATE_COUNTY}.xlsx"
    assert main(["template", "--office", TEMPLATE_COUNTY, "--year", "2025", "--out", str(workbook),
                 "--package", str(FIXED_SAMPLE)]) == 0
    fill_template(workbook, as_csv)
    return root


def _copy(packages: Path, target: Path, leave_out: tuple[str, ...] = ()) -> Path:
    shutil.copytree(packages, target, ignore=lambda folder, names: [n for n in names if n in leave_out])
    return target


def _out_of_force(rules_of) -> set[str]:
    """The rules not in force in the sample's year (a rule set or a report)."""
    return {rule.id for rule in rules_of.rules if not rule.in_force_on(dt.date(2025, 12, 31))}


def _comparable(result, label: str | None = None) -> tuple:
    """A result as report.json holds it; evidence files named as the consolidated audit names them."""
    evidence = tuple((e.table, f"{label}/{e.source_file}" if label else e.source_file, e.source_row, e.key, e.reason)
                     for e in result.evidence)
    return (result.rule_id, result.office_id, result.status.value, result.measured, result.expected,
            tuple(result.incomplete_tables), evidence, result.evidence_total)


def _from_json(result: dict) -> tuple:
    evidence = tuple((e["table"], e["source_file"], e["source_row"], e["key"], e["reason"]) for e in result["evidence"])
    return (result["rule_id"], result["office_id"], result["status"], result["measured"], result["expected"],
            tuple(result["incomplete_tables"]), evidence, result["evidence_total"])


# --------------------------------------------------------------------------------------------------------
# Done when: three self-checked counties + the province = the union of the self-checks + the province's duties
# --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def province_audit(packages, tmp_path_factory, ruleset):
    received = _copy(packages, tmp_path_factory.mktemp("e2e") / "received")
    self_checks: dict[str, list[tuple]] = {}
    for county in COUNTIES:
        assert main(["check", str(received / county), "--office", county, "--no-store"]) == 0
        package = load_package(received / county, ruleset.contract)
        # the package's self-check: the county and each of its service units, as its receipt records them
        self_checks[county] = [_comparable(r, county)
                               for r in run_audit(package, ruleset, subtree_of=county).results]
    out = received.parent / "out"
    exit_code = main(["audit", str(received), "--out", str(out), "--no-store"])
    document = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return exit_code, document, self_checks, out


def test_province_audit_is_the_union_of_the_self_checks_plus_the_province_duties(province_audit, ruleset):
    exit_code, document, self_checks, _ = province_audit
    assert exit_code == 0 and document["consolidation"]["supervising_office"] == PROVINCE
    results = [_from_json(r) for r in results_of(document)]
    union = [result for county in COUNTIES for result in self_checks[county]]
    province_rules = {rule.id for rule in ruleset.rules if rule.office in ("recruit_province", "service_province")}
    province = [r for r in results if r[1] == PROVINCE]
    missing = [r for r in results if r[1] in MISSING]
    assert sorted(results, key=repr) == sorted(union + province + missing, key=repr)
    assert {r[0] for r in province} == province_rules
    # GS sent its own package: a duty of GS is insufficient_data only where it reads GS's rows naming volunteers of
    # a package nobody sent (rejected at the merge: they cannot be judged), never for want of GS's own tables
    held = [r for r in province if r[2] == Status.INSUFFICIENT_DATA.value]
    assert all(r[7] > 0 and all(e[1].startswith(f"{PROVINCE}/") and "volunteers" in e[4] for e in r[6]) for r in held)
    # a rule out of force in the year (university-08) judges nobody, sent or not
    ended = _out_of_force(ruleset)
    assert all(r[2] == (Status.NOT_APPLICABLE if r[0] in ended else Status.INSUFFICIENT_DATA).value for r in missing)
    assert {r[1] for r in missing} == set(MISSING)
    # the template county's rows were read from its workbook, and its results are those of its self-check
    volunteers = next(t for t in document["tables"] if t["table"] == "volunteers")
    assert f"{TEMPLATE_COUNTY}/{TEMPLATE_COUNTY}.xlsx#志愿者名册" in volunteers["source_files"]


def test_each_package_is_shown_as_self_checked_with_the_result_of_its_receipt(province_audit):
    _, document, self_checks, out = province_audit
    packages = {p["label"]: p for p in document["consolidation"]["packages"]}
    assert packages[PROVINCE]["receipt"]["state"] == "absent"
    for county in COUNTIES:
        receipt = packages[county]["receipt"]
        assert receipt["state"] == "matches" and receipt["same_ruleset"] and receipt["office_id"] == county
        own = Counter(r[2] for r in self_checks[county] if r[1] == county)
        assert {status: n for status, n in receipt["counts"].items() if n} == dict(own)
        assert receipt["ruleset_version"] == document["ruleset_version"]
        # the receipt records every office the county judged (it and its service units), each with its own
        # counts, and they are the counts the province's audit finds for the same office
        judged = sorted({r[1] for r in self_checks[county]})
        assert receipt["offices"][0]["office_id"] == county and sorted(o["office_id"] for o in receipt["offices"]) == judged
        assert len(judged) > 1
        for office in receipt["offices"]:
            audited = Counter(r["status"] for r in results_of(document) if r["office_id"] == office["office_id"])
            assert {status: n for status, n in office["counts"].items() if n} == dict(audited), office["office_id"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("与自查一致") == len(COUNTIES) and "未自查" in index
    assert index.count("自查含下属 3 个机构：均无不符合") == len(COUNTIES)


# --------------------------------------------------------------------------------------------------------
# Duplicates, conflicts, rows outside a package's subtree, missing offices
# --------------------------------------------------------------------------------------------------------

LX, GL = "GS-DX-LX", "GS-LZ-GL"


def _plant(received: Path) -> dict[str, dict[str, str]]:
    """GS resends one LX subsidy with another amount (a conflict) and one GL placement as it is (a duplicate);
    LX lists GL among its offices and sends an activity of GL's (outside its subtree). Returns the planted rows."""
    headers, subsidies = read_rows(received / LX / "补贴发放.csv")
    amount = next(h for h in headers if h.startswith("金额"))
    write_rows(received / PROVINCE / "补贴发放.csv", headers, [dict(subsidies[0], **{amount: "9999"})])
    headers, placements = read_rows(received / GL / "就业落实.csv")
    write_rows(received / PROVINCE / "就业落实.csv", headers, [placements[0]])
    headers, offices = read_rows(received / GL / "组织机构.csv")
    for office in ("GS-LZ", GL):  # GL and the prefecture above it, as GL's package lists them
        append_row(received / LX, "组织机构", next(row for row in offices if row[headers[0]] == office))
    headers, activities = read_rows(received / LX / "工作活动.csv")
    foreign = dict(activities[0], **{headers[0]: "ACT-PLANTED-GL", headers[1]: GL})
    append_row(received / LX, "工作活动", foreign)
    return {"subsidy": subsidies[0], "placement": placements[0], "activity": foreign}


@pytest.fixture(scope="module")
def planted(packages, tmp_path_factory, ruleset):
    received = _copy(packages, tmp_path_factory.mktemp("planted") / "received")
    rows = _plant(received)
    merged = consolidate([received], ruleset)
    report = dataclasses.replace(run_audit(merged.package, ruleset, coverage=merged.coverage),
                                 consolidation=merged.summary)
    return merged, report, rows


def test_every_row_read_is_accepted_merged_or_rejected(planted, packages, ruleset):
    merged, report, _ = planted
    for account in report.accounts:
        assert account.rows_read == account.rows_accepted + account.rows_rejected + account.rows_merged, account.table
        assert account.rows_accepted == len(merged.package.tables[account.table])
        read_alone = sum(a.rows_read for p in merged.package.parts for a in p.package.accounts if a.table == account.table)
        assert account.rows_read == read_alone
    rejected = Counter(r.table for r in {(r.table, r.source_file, r.source_row): r for r in report.rejected}.values())
    assert {a.table: a.rows_rejected for a in report.accounts if a.rows_rejected} == dict(rejected)
    for item in report.consolidation.submissions:
        assert item.rows_read == item.rows_accepted + item.rows_rejected + item.rows_merged, item.label


def test_the_same_key_with_other_values_is_a_conflict_naming_both_sources(planted):
    merged, report, rows = planted
    key = rows["subsidy"]["发放编号"]
    conflict = sorted((r for r in report.rejected if r.table == "subsidies" and "conflict" in r.expected),
                      key=lambda r: r.source_file)
    assert [(r.source_file, r.column) for r in conflict] == [(f"{LX}/补贴发放.csv", "amount"),
                                                              (f"{PROVINCE}/补贴发放.csv", "amount")]
    lx_row, gs_row = conflict
    assert f"{PROVINCE}/补贴发放.csv:2" in lx_row.expected and "9999" in lx_row.expected
    assert f"{LX}/补贴发放.csv:{lx_row.source_row}" in gs_row.expected
    assert gs_row.value == "9999" and lx_row.office_id == LX
    assert key not in set(merged.package.tables["subsidies"]["payment_id"])  # neither version is used
    # LX's monthly subsidies miss exactly the month of the payment in conflict: not a fail (either version might
    # be right) but insufficient_data, with the conflicting row to settle as its evidence
    subsidies_duty = next(r for r in report.results if r.office_id == LX and r.rule_id == "service_county-08")
    assert subsidies_duty.status is Status.INSUFFICIENT_DATA and subsidies_duty.awaits_corrections
    assert (f"{LX}/补贴发放.csv", lx_row.source_row) in {(e.source_file, e.source_row) for e in subsidies_duty.evidence}


def test_an_identical_row_from_two_packages_is_merged_and_counted(planted):
    merged, report, rows = planted
    key = rows["placement"]["就业记录编号"]
    assert list(merged.package.tables["job_placements"]["placement_id"]).count(key) == 1
    account = next(a for a in report.accounts if a.table == "job_placements")
    assert account.rows_merged == 1 and not any(r.table == "job_placements" for r in report.rejected)
    placements = merged.package.tables["job_placements"]
    kept = placements.loc[placements["placement_id"] == key, "_src_file"].item()
    assert kept == f"{GL}/就业落实.csv"  # the county's own copy stands, the province's is the merged one
    province = next(s for s in report.consolidation.submissions if s.label == PROVINCE)
    assert province.rows_merged >= 1


def test_a_row_for_an_office_outside_the_package_subtree_is_rejected(planted):
    merged, report, rows = planted
    outside = [r for r in report.rejected if r.table == "activities" and r.value == GL]
    assert len(outside) == 1
    assert outside[0].source_file == f"{LX}/工作活动.csv" and outside[0].column == "office_id"
    assert LX in outside[0].expected and "outside its subtree" in outside[0].expected
    assert "ACT-PLANTED-GL" not in set(merged.package.tables["activities"]["activity_id"])


def test_offices_with_no_package_are_missing_and_their_duties_insufficient(planted):
    merged, report, _ = planted
    assert report.consolidation.missing_offices == MISSING
    for office in MISSING:
        results = [r for r in report.results if r.office_id == office]
        results = [r for r in results if r.rule_id not in _out_of_force(report)]
        assert results and all(r.status is Status.INSUFFICIENT_DATA and r.message_en == NO_PACKAGE_EN
                               for r in results)
    # the province's roll-ups lack what the missing offices would have sent: they say so
    assert all(r.incomplete_tables for r in report.results if r.office_id == PROVINCE)


def test_a_county_without_its_package_is_insufficient_data_not_pass(packages, tmp_path, ruleset, planted):
    _, with_package, _ = planted
    passing = {r.rule_id for r in with_package.results if r.office_id == LX and r.status is Status.PASS}
    assert passing
    merged = consolidate([_copy(packages, tmp_path / "received", leave_out=(LX,))], ruleset, office=PROVINCE)
    report = run_audit(merged.package, ruleset, coverage=merged.coverage)
    lx_subtree = OrgChart(merged.package.tables["offices"]).subtree(LX)
    assert lx_subtree <= set(merged.summary.missing_offices)
    lx = [r for r in report.results if r.office_id in lx_subtree]
    assert lx and all(r.status is Status.INSUFFICIENT_DATA for r in lx)
    assert passing <= {r.rule_id for r in lx if r.office_id == LX}


def test_the_offices_with_no_package_are_judged_under_their_policies(planted, tmp_path, ruleset):
    merged, _, _ = planted
    policy = tmp_path / "gs.yaml"
    policy.write_text("office: GS\ndocument: {title: 甘肃省西部计划实施细则, number: 甘青联发〔2025〕4号}\n"
                      "rules:\n"
                      "  university-02: {switched_off: 本省高校的储备工作由省项目办统一组织（示例）}\n"
                      "  university-03: {severity: warning}\n"
                      "parameters:\n  recruitment_agreement_days: {2025-01-01: 20}\n", encoding="utf-8")
    policies = load_policies([policy], ruleset.parameters, {rule.id for rule in ruleset.rules})
    judged = {(r.rule_id, r.office_id): r for r in
              run_audit(merged.package, ruleset, coverage=merged.coverage, policies=policies).results}
    # UNI-LZU sent nothing: a rule its province switched off is not missing data but off, with the reason
    off = judged[("university-02", "UNI-LZU")]
    assert off.status is Status.NOT_APPLICABLE and "储备工作由省项目办统一组织" in off.message_zh
    lowered = judged[("university-03", "UNI-LZU")]
    assert (lowered.status, lowered.message_en, lowered.severity) == (Status.INSUFFICIENT_DATA, NO_PACKAGE_EN,
                                                                      "warning")
    assert judged[("university-04", "UNI-LZU")].severity == next(r.severity for r in ruleset.rules
                                                                  if r.id == "university-04")
    # nothing judged, yet the result names the value the office is held to: its province's, with its basis
    (held_to,) = judged[("university-04", "UNI-LZU")].parameters
    assert (held_to.name, held_to.value, held_to.adopted_by) == ("recruitment_agreement_days", 20, "GS")
    assert held_to.basis.label() == "依据《甘肃省西部计划实施细则》（甘青联发〔2025〕4号）"


def test_every_finding_names_its_package_in_json_html_and_xlsx(planted, ruleset, tmp_path):
    merged, report, _ = planted
    document = report_document(report)
    labels = {s.label for s in report.consolidation.submissions}
    expected = {TEMPLATE_COUNTY: TEMPLATE_COUNTY, f"{TEMPLATE_COUNTY}-U1": TEMPLATE_COUNTY, GL: GL, LX: LX,
                PROVINCE: PROVINCE, "GS-LZ": None, "UNI-LZU": None}
    for result in results_of(document):
        if result["office_id"] in expected:
            assert result["package"] == expected[result["office_id"]], result["office_id"]
        assert all(e["source_file"].split("/")[0] in labels for e in result["evidence"])
    assert {o["office_id"]: o["package"] for o in offices_of(document)}[GL] == GL
    write_site(report, ruleset.articles, merged.package.tables, tmp_path, "zh")
    assert "数据包 <code>GS-LZ-GL</code>" in (tmp_path / "offices" / f"{GL}.html").read_text(encoding="utf-8")
    assert "未报送数据包" in (tmp_path / "offices" / "GS-LZ.html").read_text(encoding="utf-8")
    workbook = openpyxl.load_workbook(tmp_path / "findings.xlsx")
    rows = [row for sheet in workbook.worksheets if sheet.title not in ("证据行", "机构")
            for row in sheet.iter_rows(min_row=2, values_only=True)]
    header = [c.value for c in workbook.worksheets[0][1]]
    office, package = header.index("机构编号"), header.index("数据包")
    findings = [r for r in results_of(document) if r["status"] in ("fail", "warn", "insufficient_data")]
    assert findings and sorted((r[office], r[package]) for r in rows) == sorted(
        (r["office_id"], r["package"]) for r in findings)
    offices = workbook["机构"]
    office_header = [c.value for c in offices[1]]
    assert {row[0]: row[office_header.index("数据包")] for row in offices.iter_rows(min_row=2, values_only=True)} == {
        o["office_id"]: o["package"] for o in offices_of(document)}
    evidence = workbook["证据行"]
    evidence_header = [c.value for c in evidence[1]]
    file, source = evidence_header.index("文件"), evidence_header.index("数据包")
    assert all(row[file].startswith(f"{row[source]}/") for row in evidence.iter_rows(min_row=2, values_only=True))


# --------------------------------------------------------------------------------------------------------
# The supervising office
# --------------------------------------------------------------------------------------------------------


def test_the_supervisor_is_the_lowest_office_above_the_packages(packages, tmp_path, ruleset):
    received = _copy(packages, tmp_path / "received", leave_out=(PROVINCE, LX))
    merged = consolidate([received / TEMPLATE_COUNTY, received / GL], ruleset)
    assert merged.summary.supervising_office == "GS-LZ"
    assert merged.summary.missing_offices == ("GS-LZ",)  # the prefecture's own package is not among them


def test_packages_outside_the_named_office_or_of_two_years_are_refused(packages, tmp_path, capsys):
    received = _copy(packages, tmp_path / "received", leave_out=(PROVINCE, TEMPLATE_COUNTY))
    assert main(["audit", str(received / GL), str(received / LX), "--office", "GS-LZ", "--out",
                 str(tmp_path / "out"), "--no-store"]) == 2
    assert f"packages not under office GS-LZ: {LX}" in capsys.readouterr().err
    manifest = received / LX / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("2025", "2024"), encoding="utf-8")
    assert main(["audit", str(received), "--out", str(tmp_path / "out"), "--no-store"]) == 2
    assert "different audit years" in capsys.readouterr().err


def test_the_pandas_runner_consolidates_to_the_same_rows_and_says_each_package_it_read(planted, packages, ruleset,
                                                                                        tmp_path):
    """The workspace's jobs consolidate with the uploads' runner: the same accepted and rejected rows as Great
    Expectations (the planted conflicts included), and each package read is told as it is done."""
    merged, _, _ = planted
    received = _copy(packages, tmp_path / "received")
    _plant(received)
    told: list[tuple[int, int]] = []
    fast = consolidate([received], ruleset, validator="pandas", on_loaded=lambda done, total: told.append((done, total)))
    total = len(merged.package.parts)
    assert told == [(n, total) for n in range(1, total + 1)] and total > 2

    def rows(package):
        return sorted((r.table, r.source_file, r.source_row, r.column, r.value, r.expected) for r in package.rejected)
    assert rows(fast.package) == rows(merged.package) and rows(fast.package)
    assert {t: len(f) for t, f in fast.package.tables.items()} == {t: len(f) for t, f in merged.package.tables.items()}
