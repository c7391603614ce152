"""Writes data_samples/west2025, a small, realistic package with planted violations (see planted.yaml),
and west2025_fixed, the same package after every planted violation was corrected (everything passes).

Deterministic: run it again and the files come out byte for byte the same. Headers are the Chinese
ones of the data contract, enum cells are written in Chinese, one file is GB18030 as many offices send.
Each group of duties adds its rows and plants in a module of sample_parts/ (listed in PARTS).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_parts import PARTS  # noqa: E402
from sample_parts.fixes import apply_all, apply_fix  # noqa: E402
from sample_parts.world import YEAR, World, make_world  # noqa: E402
from westaudit.spec.tables import load_contract  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "west2025"
FIXED = HERE / "west2025_fixed"
GB18030_TABLES = ("post_adjustments",)


def write_csv(path: Path, table: str, rows: list[dict[str, object]], encoding: str) -> None:
    columns = load_contract()[table].columns
    unknown = {key for row in rows for key in row} - set(columns)
    if unknown:
        raise ValueError(f"{table}: columns not in the contract: {sorted(unknown)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spec.zh for spec in columns.values()])
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in columns])
    path.write_bytes(buffer.getvalue().encode(encoding))


def build() -> World:
    world = make_world()
    for part in PARTS:
        part(world)
    return world


def write_package(world: World, out: Path, title: str) -> None:
    out.mkdir(exist_ok=True)
    for stale in out.glob("*.csv"):
        stale.unlink()
    contract = load_contract()
    for table, rows in world.tables.items():
        encoding = "gb18030" if table in GB18030_TABLES else "utf-8-sig"
        write_csv(out / f"{contract[table].title_zh}.csv", table, rows, encoding)
    manifest = {"office_id": "N", "year": YEAR, "title": title}
    (out / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_with_fixes(out: Path, fixes: list[dict]) -> None:
    """The sample with only the given fixes applied: tests check that each fix clears its violation."""
    world = build()
    for fix in fixes:
        apply_fix(world, fix)
    write_package(world, out, "西部计划 2025 年度示例报送（部分更正）")


def main() -> None:
    world = build()
    write_package(world, OUT, "西部计划 2025 年度示例报送（含预置问题）")
    header = "# Violations planted in this package; the audit must find exactly these. Written by build_sample.py.\n"
    (OUT / "planted.yaml").write_text(header + yaml.safe_dump(world.planted, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")
    apply_all(world, world.planted)
    write_package(world, FIXED, "西部计划 2025 年度示例报送（问题已全部更正）")
    print(f"wrote {OUT} and {FIXED}")


if __name__ == "__main__":
    main()
