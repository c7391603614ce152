"""How the audit scales: generated national packages at several scales, each stage timed side by side.

Run: make bench   (or: .venv/bin/python benchmarks/bench_audit.py --scales 0.1,0.5,1,2,4)

Not a test. For each scale N it generates a package (westaudit generate, cached under --workdir), then in
fresh subprocesses, so each figure belongs to one scale and one stage:
  floor     pandas reading every CSV of the package as text, nothing else: what any audit must pay;
  stages    rule set, read (westaudit's reader and typing), validate (the Great Expectations contract,
            timed inside the read), evaluate (every rule), write reports (report.json and the HTML site),
            each with wall time, CPU time and its own peak resident memory (VmHWM reset per stage);
  side by side on the same data: the contract as one vectorised pandas pass vs Great Expectations; the
            headline aggregate rules (service_county-09 ratio, service_province-07 deadline) row by row
            through durable-rules facts (westaudit.checks.procedures.rete_adapter) vs westaudit's vectorised evaluation;
  self-check `westaudit check` of the largest county's own package, end to end;
and prints planted vs found per rule, then the growth factor from one scale to the next.
Wall time on a shared machine is noisy; CPU time is printed beside it for that reason.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

import yaml

HEADLINE_RULES = ("service_county-09", "service_province-07")
STAGES = ("ruleset", "read", "validate", "evaluate", "write reports")


# ---------------------------------------------------------------- measuring one stage in this process


def _cpu() -> float:
    """This process and its finished children: rules run partly in forked workers and durable-rules children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    with suppress(OSError):  # Linux: "5" resets the high-water mark, so VmHWM is then this stage's own peak
        Path("/proc/self/clear_refs").write_text("5")


@contextmanager
def stage(figures: dict, name: str):
    _reset_peak()
    wall, cpu = time.perf_counter(), _cpu()
    yield
    figures[name] = {"wall": time.perf_counter() - wall, "cpu": _cpu() - cpu, "peak_mib": _peak_mib()}


# ---------------------------------------------------------------- child: the floor


def measure_floor(package: Path) -> dict:
    import pandas as pd

    figures: dict = {}
    rows = 0
    with stage(figures, "floor"):
        for path in sorted(package.glob("*.csv")):
            rows += len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    figures["rows"] = rows
    return figures


# ---------------------------------------------------------------- child: the audit, stage by stage


def _timed_validation(figures: dict):
    """Wrap the validation call inside the reader so its share of the read is known."""
    import westaudit.intake.coerce as coerce

    original = coerce.validate_table
    spent = {"wall": 0.0, "cpu": 0.0}

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return original(*args, **kwargs)
        finally:
            spent["wall"] += time.perf_counter() - wall
            spent["cpu"] += _cpu() - cpu

    coerce.validate_table = timed
    return spent


def _pandas_contract_pass(package, contract) -> tuple[float, int]:
    """The contract's row checks (required, minimum, value sets, office and key references, unique keys)
    in one vectorised pandas pass over the typed tables: what validation costs without the framework."""
    started = time.perf_counter()
    offices = set(package.tables["offices"]["office_id"])
    flagged = 0
    for name, frame in package.tables.items():
        spec = contract[name]
        bad = frame[list(spec.key)].duplicated()
        for column_name, column in spec.columns.items():
            values = frame[column_name]
            if not column.nullable:
                bad |= values.isna()
            if column.min is not None:
                bad |= values.lt(column.min).fillna(False).astype(bool)
            if column.type == "enum":
                bad |= values.notna() & ~values.isin(list(column.values))
            if column.type == "office":
                bad |= values.notna() & ~values.isin(offices)
            if column.type == "ref":
                target, _, key = column.ref.partition(".")
                if target in package.tables:
                    bad |= values.notna() & ~values.isin(package.tables[target][key])
        flagged += int(bad.sum())
    return time.perf_counter() - started, flagged


def _rete_headline(package, ruleset, year: int) -> tuple[float, dict[str, set[str]]] | None:
    """The headline rules row by row as durable-rules facts: one case per volunteer or filing."""
    try:
        from westaudit.checks.procedures.rete_adapter import AbsenceRule, Fact, GapRule, run_rules
    except ImportError:
        return None
    import datetime as dt

    import pandas as pd

    started = time.perf_counter()
    day = 86_400_000_000
    minimum = float(ruleset.parameters.value("employment_ratio_min", year))
    due = pd.Timestamp(ruleset.parameters.deadline("extension_filing_deadline", year))
    year_start, year_end = pd.Timestamp(dt.date(year, 1, 1)), pd.Timestamp(dt.date(year, 12, 31))

    def micros(stamp) -> int:
        return int(pd.Timestamp(stamp).value // 1000)

    volunteers = package.tables["volunteers"]
    placements = package.tables["job_placements"]
    facts, county_of = [], {}
    for row in volunteers.itertuples(index=False):
        if row.service_start <= year_end and row.service_end >= year_start:
            county_of[row.volunteer_id] = row.county_id
            facts.append(Fact(row.volunteer_id, "serving", micros(row.service_start), 0))
    for seq, row in enumerate(placements.itertuples(index=False), start=1):
        if year_start <= row.placed_on <= year_end and row.volunteer_id in county_of:
            facts.append(Fact(row.volunteer_id, "placed", micros(row.placed_on), seq))
    unplaced = run_rules([AbsenceRule("unplaced", "placed")], facts, county_of)
    lacking = Counter(county_of[m.case_key] for m in unplaced)
    serving = Counter(county_of.values())
    failed = {"service_county-09": {c for c, n in serving.items() if (n - lacking[c]) / n < minimum - 1e-12}}

    filings = package.tables["extension_filings"]
    facts, province_of = [], {}
    for row in filings.itertuples(index=False):
        if row.year == year:
            province_of[row.filing_id] = row.province_id
            facts.append(Fact(row.filing_id, "due", micros(due), 0))
            if pd.notna(row.reported_on):
                facts.append(Fact(row.filing_id, "reported", micros(row.reported_on), 1))
    matches = run_rules([GapRule("late", "due", "reported", day - 1), AbsenceRule("undated", "reported")],
                        facts, province_of)
    failed["service_province-07"] = {province_of[m.case_key] for m in matches}
    return time.perf_counter() - started, failed


def measure_audit(package_dir: Path, out: Path) -> dict:
    from westaudit.core.results import Status
    from westaudit.evaluate.audit import evaluate_rule, offices_in_scope, run_audit
    from westaudit.evaluate.context import EvalContext
    from westaudit.intake.orgchart import OrgChart
    from westaudit.intake.package import load_package
    from westaudit.reports.report_json import write_report_json
    from westaudit.reports.site import write_site
    from westaudit.runtime.parallel import ForkedCall
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset

    figures: dict = {}
    with stage(figures, "ruleset"):
        ruleset = load_ruleset(RULES_DIR)
    validation = _timed_validation(figures)
    with stage(figures, "read"):
        package = load_package(package_dir, ruleset.contract)
    figures["validate"] = {**validation, "peak_mib": figures["read"]["peak_mib"]}
    for key in ("wall", "cpu"):
        figures["read"][key] -= validation[key]
    with stage(figures, "evaluate"):
        report = run_audit(package, ruleset)
    out.mkdir(parents=True, exist_ok=True)
    with stage(figures, "write reports"):  # as `westaudit audit` writes them: report.json beside the site
        report_json = ForkedCall(partial(write_report_json, report, out / "report.json"))
        write_site(report, ruleset.articles, package.tables, out, "zh")
        report_json.result()

    figures["rows"] = sum(a.rows_read for a in package.accounts)
    figures["rejected"] = len(report.rejected)
    figures["results"] = len(report.results)
    # a failing check: `fail`, or `warn` where severity or a westaudit default downgraded it (Result.verdict)
    figures["failed"] = sorted([r.rule_id, r.office_id] for r in report.results if r.verdict is Status.FAIL)
    figures["pandas_contract_pass"], _ = _pandas_contract_pass(package, ruleset.contract)

    ctx_year = package.manifest.year
    headline = [rule for rule in ruleset.rules if rule.id in HEADLINE_RULES]
    org = OrgChart(package.tables["offices"])
    ctx = EvalContext(ctx_year, ruleset.parameters, package.tables, ruleset.contract, org)
    scope = offices_in_scope(org, package.manifest.office_id, None)
    started = time.perf_counter()
    vectorised = {rule.id: {r.office_id for r in evaluate_rule(
        rule, [o for o in scope if rule.office in org.offices[o].roles], ruleset, ctx) if r.status is Status.FAIL}
        for rule in headline}
    figures["headline_vectorised"] = time.perf_counter() - started
    rete = _rete_headline(package, ruleset, ctx_year)
    if rete is not None:
        figures["headline_rete"] = rete[0]
        figures["headline_agree"] = all(rete[1][r] == vectorised.get(r, set()) for r in rete[1])
    return figures


# ---------------------------------------------------------------- parent: orchestration and printing


def _run_child(args: list[str]) -> dict:
    """Run this script as a child (a fresh process, so its memory peak is its own); returns its figures."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(parents.get(pid, []))
    return found


def _tree_pss_mib(root: int) -> float:
    """Proportional set size of a process and its descendants: memory shared after fork counted once."""
    total = 0
    for pid in _descendants(root):
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total / 1024


def _timed_command(command: list[str], store: Path) -> dict:
    """Wall, CPU (the command and its forked workers) and peak memory of the whole process tree, sampled.
    Runs are recorded in `store` (as a user's are in theirs by default), so a rerun is diffed with the last."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    running = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "WESTAUDIT_STORE": str(store)})
    tree_peak = 0.0
    while running.poll() is None:
        tree_peak = max(tree_peak, _tree_pss_mib(running.pid))
        time.sleep(0.5)
    stderr = running.stderr.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if running.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return {"wall": time.perf_counter() - started,
            "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_mib": after.ru_maxrss / 1024, "tree_peak_mib": tree_peak}


def output_size(folder: Path) -> dict:
    """What an audit wrote (issue 16's target: under 150 MB at N=1): bytes and files in all, and by output."""
    files = [path for path in folder.rglob("*") if path.is_file()]
    parts: dict[str, int] = {}
    for path in files:
        top = path.relative_to(folder).parts[0]
        parts[top] = parts.get(top, 0) + path.stat().st_size
    return {"bytes": sum(parts.values()), "files": len(files), "parts": dict(sorted(parts.items(), key=lambda p: -p[1]))}


def _size_line(size: dict) -> str:
    biggest = ", ".join(f"{name} {count / 1e6:.1f}" for name, count in list(size["parts"].items())[:5])
    return f"output {size['bytes'] / 1e6:.1f} MB in {size['files']:,} files ({biggest} MB)"


def _generate(workdir: Path, scale: float, seed: int, share: float, county: bool) -> Path:
    folder = workdir / f"n{scale:g}-s{seed}-v{share:g}" / ("county" if county else "national")
    if not (folder / "manifest.yaml").exists():
        command = [str(Path(sys.executable).parent / "westaudit"), "generate", "--scale", str(scale),
                   "--seed", str(seed), "--violations", str(share), "--out", str(folder)]
        subprocess.run(command + (["--county-package", "largest"] if county else []), check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def _planted_vs_found(package: Path, failed: list[list[str]]) -> list[tuple[str, int, int, int]]:
    """Per planted rule: plants, plants found failing, and failures nobody planted (false alarms)."""
    planted = yaml.safe_load((package / "planted.yaml").read_text(encoding="utf-8"))
    failing = {tuple(pair) for pair in failed}
    plants = {(plant["rule"], plant["office"]) for plant in planted}
    by_rule: dict[str, list[int]] = {}
    for rule, office in plants:
        counts = by_rule.setdefault(rule, [0, 0, 0])
        counts[0] += 1
        counts[1] += (rule, office) in failing
    for rule, _office in failing - plants:
        if rule in by_rule:
            by_rule[rule][2] += 1
    return [(rule, n, found, extra) for rule, (n, found, extra) in sorted(by_rule.items())]


def _line(label: str, figure: dict, floor: float, rows: int) -> str:
    rate = rows / figure["wall"] if figure["wall"] > 0 else 0
    return (f"  {label:<15} wall {figure['wall']:8.2f}s  cpu {figure['cpu']:8.2f}s  peak {figure['peak_mib']:7.0f} MiB"
            f"  {figure['cpu'] / floor if floor else 0:6.1f}x floor(cpu)  {rate:>11,.0f} rows/s")


def run_scale(args, scale: float) -> dict:
    from westaudit.generate.registry import rules_not_planted
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset

    started = time.perf_counter()
    package = _generate(args.workdir, scale, args.seed, args.violations, county=False)
    county = _generate(args.workdir, scale, args.seed, args.violations, county=True)
    generated = time.perf_counter() - started
    floor = _run_child(["--floor", str(package)])
    audit = _run_child(["--audit", str(package), "--out", str(package.parent / "report")])
    whole = (_timed_command([str(Path(sys.executable).parent / "westaudit"), "audit", str(package),
                             "--out", str(package.parent / "audit-cli"), *(["--no-store"] if args.no_store else [])],
                            args.workdir / "audits.sqlite")
             if scale <= args.end_to_end_max_scale else None)
    if whole:
        whole["output"] = output_size(package.parent / "audit-cli")
    office = yaml.safe_load((county / "manifest.yaml").read_text(encoding="utf-8"))["office_id"]
    check = _timed_command([str(Path(sys.executable).parent / "westaudit"), "check", str(county), "--office", office],
                           args.workdir / "audits.sqlite")

    rows, floor_cpu = audit["rows"], floor["floor"]["cpu"]
    print(f"\nN={scale:g}: {rows:,} rows in {package}  (generated in {generated:.1f}s)")
    print(_line("floor (pandas)", floor["floor"], floor_cpu, rows))
    for name in STAGES:
        print(_line(name, audit[name], floor_cpu, rows))
    stages_cpu = sum(audit[n]["cpu"] for n in STAGES)
    stages_wall = sum(audit[n]["wall"] for n in STAGES)
    print(f"  {'all stages':<15} wall {stages_wall:8.2f}s  cpu {stages_cpu:8.2f}s = {stages_cpu / floor_cpu:.1f}x floor;"
          f" peak {max(audit[n]['peak_mib'] for n in STAGES):.0f} MiB")
    if whole:
        print(f"  {'end to end':<15} `westaudit audit`: wall {whole['wall']:.1f}s cpu {whole['cpu']:.1f}s"
              f" peak {whole['tree_peak_mib']:.0f} MiB (all its processes, sampled; largest process"
              f" {whole['peak_mib']:.0f} MiB){' without the store' if args.no_store else ', recorded in the store'}")
        print(f"  {'':<15} {_size_line(whole['output'])}")
    print(f"  self-check     `westaudit check` of county {office}: wall {check['wall']:.1f}s cpu {check['cpu']:.1f}s")
    print(f"  validation     Great Expectations {audit['validate']['wall']:.2f}s vs one pandas pass "
          f"{audit['pandas_contract_pass']:.2f}s: {audit['validate']['wall'] / audit['pandas_contract_pass']:.1f}x")
    if "headline_rete" in audit:
        print(f"  headline rules durable-rules facts {audit['headline_rete']:.2f}s vs vectorised "
              f"{audit['headline_vectorised']:.2f}s: {audit['headline_rete'] / audit['headline_vectorised']:.0f}x"
              f" (same failing offices: {'yes' if audit['headline_agree'] else 'NO'})")
    else:
        print("  headline rules westaudit.checks.procedures.rete_adapter not present: durable-rules side not measured")
    print(f"  rejected rows  {audit['rejected']}")
    judged = _planted_vs_found(package, audit["failed"])
    for rule, planted, found, extra in judged:
        if found != planted or extra:
            print(f"  planted/found  {rule:<34} {found}/{planted}, {extra} failing unplanted  MISMATCH")
    plants, found = sum(j[1] for j in judged), sum(j[2] for j in judged)
    extras = sum(j[3] for j in judged)
    print(f"  planted/found  {found:,} of {plants:,} planted violations found over {len(judged)} rules;"
          f" {extras} failures where nothing was planted")
    unplanted = rules_not_planted(rule.id for rule in load_ruleset(RULES_DIR).rules)
    print(f"  not planted    {len(unplanted)} rules have no planter: {', '.join(unplanted) or '-'}")
    return {"scale": scale, "floor": floor["floor"], "audit": audit, "cli": whole, "check": check}


def print_growth(runs: list[dict]) -> None:
    print("\ngrowth (cpu time) from one scale to the next; data grows by the scale ratio")
    for before, after in zip(runs, runs[1:], strict=False):
        ratio = after["scale"] / before["scale"]
        parts = [f"{name} {after['audit'][name]['cpu'] / max(before['audit'][name]['cpu'], 1e-9):.2f}x"
                 for name in ("read", "validate", "evaluate", "write reports")]
        total = sum(after["audit"][n]["cpu"] for n in STAGES) / sum(before["audit"][n]["cpu"] for n in STAGES)
        print(f"  N={before['scale']:g}->{after['scale']:g} (data x{ratio:g}): " + ", ".join(parts)
              + f", all stages {total:.2f}x")
    by_scale = {run["scale"]: run for run in runs}
    if 1.0 in by_scale and 4.0 in by_scale:  # issue 7's target: N=1 -> 4 costs no more than 4.5 times
        one, four = by_scale[1.0], by_scale[4.0]
        cpu = sum(four["audit"][n]["cpu"] for n in STAGES) / sum(one["audit"][n]["cpu"] for n in STAGES)
        wall = sum(four["audit"][n]["wall"] for n in STAGES) / sum(one["audit"][n]["wall"] for n in STAGES)
        line = f"  N=1->4 (data x4): all stages cpu {cpu:.2f}x, wall {wall:.2f}x"
        if one["cli"] and four["cli"]:
            line += f"; `westaudit audit` wall {four['cli']['wall'] / one['cli']['wall']:.2f}x"
        print(line + " (target: at most 4.5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.1,0.5,1,2,4")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--violations", type=float, default=0.02)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/westaudit-bench"))
    parser.add_argument("--end-to-end-max-scale", type=float, default=4.0,
                        help="also time the whole `westaudit audit` command (a second audit) up to this scale")
    parser.add_argument("--no-store", action="store_true",
                        help="run the end-to-end audit with --no-store (by default it is recorded, as a user's is)")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--audit", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        print(json.dumps(measure_floor(args.floor)))
        return
    if args.audit:
        print(json.dumps(measure_audit(args.audit, args.out)))
        return
    runs = [run_scale(args, float(scale)) for scale in args.scales.split(",")]
    print_growth(runs)
    (args.workdir / "results.json").write_text(json.dumps(runs, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
