"""How long westaudit takes to start: each command end to end in a fresh process, and each heavy library's import.

Run: .venv/bin/python benchmarks/bench_startup.py [--scale 1] [--seed 1] [--work DIR] [--runs 5]

Not a test. Prints, for each command, the median wall time (and CPU time of the process and its forked
workers) over --runs fresh processes:
  westaudit --help, westaudit rules list,
  westaudit validate and westaudit check of the largest county's own package at --scale (generated into
  --work the first time, as benchmarks/bench_audit.py does for its self-check figure);
then the import time of each heavy library alone in a fresh interpreter, and an interpreter's own start-up.
Wall time on a shared 2-core machine is noisy; CPU time is printed beside it for that reason.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_audit import _generate  # noqa: E402  (the same package, the same folder, as bench_audit's self-check)

HEAVY_LIBRARIES = ("pandas", "numpy", "great_expectations", "durable_rules_engine", "openpyxl", "sqlalchemy",
                   "jinja2")
VIOLATIONS = 0.02  # bench_audit's default share, so its work folder and this one can be the same


def _timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process (its forked workers' CPU included once they are reaped)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                              cwd="/")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {finished.returncode}:\n{finished.stderr[-3000:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _median_run(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float, list[float]]:
    _timed_run(command, env)  # not counted: writes the bytecode of whatever this command imports
    figures = [_timed_run(command, env) for _ in range(runs)]
    walls = [wall for wall, _ in figures]
    return statistics.median(walls), statistics.median(cpu for _, cpu in figures), walls


def _import_seconds(library: str, runs: int, env: dict[str, str]) -> float:
    """Median seconds `import library` takes in a fresh interpreter, measured inside it."""
    code = f"import time\nstarted = time.perf_counter()\nimport {library}\nprint(time.perf_counter() - started)"
    return statistics.median(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                  check=True, env=env, cwd="/").stdout) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/westaudit-startup"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    county = _generate(args.work, args.scale, args.seed, VIOLATIONS, county=True)
    office = yaml.safe_load((county / "manifest.yaml").read_text(encoding="utf-8"))["office_id"]
    westaudit = str(Path(sys.executable).parent / "westaudit")
    # Runs recorded in the work folder's own store, never the user's. Bytecode is written and reused, as an
    # installed westaudit's is (a checkout run with PYTHONDONTWRITEBYTECODE compiles every module it imports on
    # every run), into the work folder rather than the checkout.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env |= {"WESTAUDIT_STORE": str(args.work / "audits.sqlite"), "PYTHONPYCACHEPREFIX": str(args.work / "pycache")}
    commands = {
        "westaudit --help": [westaudit, "--help"],
        "westaudit rules list": [westaudit, "rules", "list"],
        f"westaudit validate (county {office}, N={args.scale:g})": [westaudit, "validate", str(county)],
        f"westaudit check (county {office}, N={args.scale:g})": [westaudit, "check", str(county), "--office", office],
    }
    print(f"median of {args.runs} fresh processes; package {county}")
    for label, command in commands.items():
        wall, cpu, walls = _median_run(command, args.runs, env)
        print(f"  {label:<44} wall {wall:6.2f}s  cpu {cpu:6.2f}s   (runs: {', '.join(f'{w:.2f}' for w in walls)})")
    nothing, _, _ = _median_run([sys.executable, "-c", "pass"], args.runs, env)
    print(f"import alone, median of {args.runs} fresh interpreters (one starting and doing nothing: wall {nothing:.2f}s)")
    for library in HEAVY_LIBRARIES:
        print(f"  {library:<24} {_import_seconds(library, args.runs, env | {'GX_ANALYTICS_ENABLED': 'false'}):6.2f}s")


if __name__ == "__main__":
    main()
