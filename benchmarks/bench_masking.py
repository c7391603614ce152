"""What masking personal numbers by content costs: engine/core/personal_numbers.mask_bytes over every text
output of an audit (pages, Markdown, evidence CSV, report.json, junit.xml), without and with planted numbers.

Run: .venv/bin/python benchmarks/bench_masking.py [AUDIT_OUT] [--runs 5]

Not a test. AUDIT_OUT is the --out folder of an audit (default: audits data_samples/west2025 into a temporary
folder first). Prints megabytes, the median seconds over --runs and nanoseconds per byte, for the outputs as
they are and with an ID number and a mobile number planted in every 2,000 bytes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from westaudit.core.personal_numbers import mask_bytes

TEXT_SUFFIXES = (".html", ".md", ".csv", ".json", ".xml")
PLANT = "（身份证620102200012077428，电话 138-1234-5678）".encode()


def _outputs(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(folder.rglob("*")) if path.suffix in TEXT_SUFFIXES]


def _planted(data: bytes) -> bytes:
    return PLANT.join(data[start:start + 2000] for start in range(0, len(data), 2000))


def _time(datas: list[bytes], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for data in datas:
            mask_bytes(data)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    out = args.out
    if out is None:
        out = Path(tempfile.mkdtemp()) / "out"
        subprocess.run([sys.executable, "-m", "westaudit.cli", "audit", "data_samples/west2025", "--out", str(out),
                        "--no-store"], check=False, capture_output=True)
    for label, datas in (("as written", _outputs(out)), ("planted", [_planted(d) for d in _outputs(out)])):
        size = sum(map(len, datas))
        seconds = _time(datas, args.runs)
        print(f"{label:<11} {len(datas)} files {size / 1e6:7.1f} MB  {seconds:6.3f} s  {seconds / size * 1e9:5.1f} ns/byte")


if __name__ == "__main__":
    main()
