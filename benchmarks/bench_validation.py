"""How long the Great Expectations contract stage takes on a 1-million-row volunteers table.

python benchmarks/bench_validation.py [ROWS]   (prints figures; no assertions: machines are noisy)

The national scale is about 2 million subsidy rows; volunteers is the widest table with every kind of
expectation (not blank, value set, date window, ID check digit, office foreign keys, unique key). A few
rows are planted bad so the second, row-fetching pass runs too.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from westaudit.intake.contract import OFFICES_KEY_SET, contract_rules
from westaudit.intake.validation import validate_table
from westaudit.spec.tables import load_contract


def _id_numbers(count: int, rng: np.random.Generator) -> np.ndarray:
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    births = pd.to_datetime("1995-01-01") + pd.to_timedelta(rng.integers(0, 3000, count), unit="D")
    bodies = ("620102" + births.strftime("%Y%m%d") + pd.Series(rng.integers(100, 999, count)).astype(str)).to_numpy()
    body_digits = np.frombuffer("".join(bodies).encode(), dtype=np.uint8).reshape(-1, 17) - ord("0")
    checks = np.frombuffer(b"10X98765432", dtype=np.uint8)[(body_digits @ weights) % 11]
    return np.char.add(bodies.astype(str), checks.view("S1").astype(str))


def typed_volunteers(rows: int) -> tuple[pd.DataFrame, set[str]]:
    rng = np.random.default_rng(7)
    counties = [f"C{i:04d}" for i in range(3000)]
    units = [f"U{i:05d}" for i in range(20000)]
    start = pd.to_datetime("2024-08-01") + pd.to_timedelta(rng.integers(0, 400, rows), unit="D")
    frame = pd.DataFrame({
        "volunteer_id": [f"V{i:08d}" for i in range(rows)],
        "name": "张三",
        "id_number": _id_numbers(rows, rng),
        "phone": None,
        "university_id": "UNI-1",
        "county_id": np.array(counties, dtype=object)[rng.integers(0, len(counties), rows)],
        "unit_id": np.array(units, dtype=object)[rng.integers(0, len(units), rows)],
        "cohort_year": pd.array(rng.integers(2023, 2026, rows), dtype="Int64"),
        "service_start": start,
        "service_end": start + pd.Timedelta(days=364),
        "status": np.array(["serving", "extended", "completed", "left"], dtype=object)[rng.integers(0, 4, rows)],
    })
    frame.loc[[11, 500_000 % rows], "county_id"] = "NOWHERE"
    frame.loc[13, "volunteer_id"] = frame.loc[12, "volunteer_id"]
    return frame, {*counties, *units, "UNI-1"}


def main(rows: int) -> None:
    spec = load_contract()["volunteers"]
    frame, offices = typed_volunteers(rows)
    for column in spec.columns:
        if column not in frame:
            frame[column] = None
    frame = frame[list(spec.columns)]
    key_sets = {OFFICES_KEY_SET: offices}
    started = time.perf_counter()
    validate_table(spec, frame.head(10), key_sets)  # builds the context and suite once, as a process would
    warm = time.perf_counter()
    violations = validate_table(spec, frame, key_sets)
    done = time.perf_counter()
    still_failing = validate_table(spec, frame.drop(index=[11, 13, 500_000 % rows]), key_sets)
    clean = time.perf_counter()
    print(f"rows: {rows:,}; expectations in the suite: {len(contract_rules(spec, frozenset(key_sets)))}")
    print(f"context + suite build (first table): {warm - started:.2f} s")
    print(f"validate {rows:,} rows with planted failures: {done - warm:.2f} s "
          f"({len(violations)} failing expectations, {sum(len(v.rows) for v in violations)} rows)")
    print(f"validate {len(frame) - 3:,} clean rows (lean pass only): {clean - done:.2f} s, "
          f"{len(still_failing)} failing expectations")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
