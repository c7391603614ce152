"""The audit benchmark's output measure (benchmarks/bench_audit.py output_size): issue 16's size target is read
off it, so it must count every file of the report once, by the output it belongs to. No time is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

from westaudit.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench_audit  # noqa: E402  (a benchmark script, not a package)

from conftest import SAMPLE  # noqa: E402


def test_the_output_is_measured_file_by_file_and_by_output(tmp_path):
    out = tmp_path / "report"
    assert main(["audit", str(SAMPLE), "--out", str(out), "--no-store"]) == 1
    size = bench_audit.output_size(out)
    files = [path for path in out.rglob("*") if path.is_file()]
    assert size["files"] == len(files) and size["bytes"] == sum(path.stat().st_size for path in files)
    assert size["parts"]["report.json"] == (out / "report.json").stat().st_size
    assert size["parts"]["offices"] == sum(path.stat().st_size for path in (out / "offices").iterdir())
    assert list(size["parts"].values()) == sorted(size["parts"].values(), reverse=True)
    assert bench_audit._size_line(size).startswith(f"output {size['bytes'] / 1e6:.1f} MB in {len(files):,} files (")
