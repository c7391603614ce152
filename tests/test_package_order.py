"""Tables are typed after the tables they refer to, so every reference is checked when a package loads."""

from __future__ import annotations

import shutil

import pytest

from conftest import SAMPLE
from westaudit.intake.package import load_package
from westaudit.intake.table_typing import typing_order
from westaudit.spec.tables import load_contract


def test_each_table_comes_after_the_tables_its_references_point_to():
    contract = load_contract()
    order = typing_order(set(contract), contract)
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


def _same_package(one, other) -> None:
    import pandas as pd

    assert list(one.tables) == list(other.tables)
    for name in one.tables:
        pd.testing.assert_frame_equal(one.tables[name], other.tables[name], check_exact=True)
    assert (one.rejected, one.accounts, one.unknown_columns, one.submitted_columns) == \
        (other.rejected, other.accounts, other.unknown_columns, other.submitted_columns)


def _same_error_with_a_child(package, ruleset, monkeypatch, module, threshold: str) -> None:
    """Loading raises the same error in order as with the forked child forced on (its threshold at 0)."""
    from westaudit.core.errors import InputError

    with pytest.raises(InputError) as in_order:
        load_package(package, ruleset.contract)
    monkeypatch.setattr(module, threshold, 0)
    with pytest.raises(InputError) as with_child:
        load_package(package, ruleset.contract)
    assert str(with_child.value) == str(in_order.value)


def test_the_largest_table_read_and_typed_ahead_in_a_forked_child_gives_the_same_package(monkeypatch, ruleset):
    from westaudit.intake import typed_ahead as package_module

    alone = load_package(SAMPLE, ruleset.contract)
    monkeypatch.setattr(package_module, "MIN_BYTES_TO_READ_AHEAD", 0)
    started = []
    monkeypatch.setattr(package_module.TypedAhead, "typed", _noting(package_module.TypedAhead.typed, started))
    _same_package(load_package(SAMPLE, ruleset.contract), alone)
    assert started and started[0] is not None  # the child's table was used


def _noting(typed, seen: list):
    def noted(self, keys):
        there = typed(self, keys)
        seen.append(there)
        return there
    return noted


@pytest.mark.parametrize("also_broken", [min, max])
def test_a_file_the_child_cannot_read_raises_the_error_reading_in_order_would(tmp_path, monkeypatch, ruleset,
                                                                            also_broken):
    from westaudit.intake import typed_ahead as package_module

    package = tmp_path / "package"
    shutil.copytree(SAMPLE, package)
    largest = max(package.glob("*.csv"), key=lambda path: path.stat().st_size)
    largest.write_bytes(b"\xff\xfe\x00 not text")
    other = also_broken(path for path in package.glob("*.csv") if path != largest)
    other.write_bytes(b"")  # a file read here, before or after the child's: the first in order is reported
    _same_error_with_a_child(package, ruleset, monkeypatch, package_module, "MIN_BYTES_TO_READ_AHEAD")


def _broken_table(package, name: str) -> None:
    """The table's file without its first column (its key, a required one); bytes, since "," is never part of
    a GBK character."""
    path = next(path for path in package.glob("*.csv") if path.stem == name)
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join(b",".join(line.split(b",")[1:]) for line in lines) + b"\n")


def _largest_but_offices(package):
    return max((path for path in package.glob("*.csv") if "组织机构" not in path.name),
               key=lambda path: path.stat().st_size)


def test_a_table_typed_ahead_that_cannot_be_typed_raises_the_error_typing_in_order_would(tmp_path, monkeypatch,
                                                                                          ruleset):
    from westaudit.intake import typed_ahead as package_module

    package = tmp_path / "package"
    shutil.copytree(SAMPLE, package)
    _broken_table(package, _largest_but_offices(package).stem)
    _same_error_with_a_child(package, ruleset, monkeypatch, package_module, "MIN_BYTES_TO_READ_AHEAD")


@pytest.mark.parametrize("broken", ["child's", "behind it", "both"])
def test_tables_typed_while_the_child_works_raise_their_errors_intyping_order(tmp_path, monkeypatch, ruleset,
                                                                             broken):
    """The tables behind the child's in typing order are typed before it (while the child works): an error of
    theirs still comes after the child's table's own."""
    from westaudit.intake import typed_ahead as package_module

    package = tmp_path / "package"
    shutil.copytree(SAMPLE, package)
    contract = ruleset.contract
    stems = {stem: spec.name for spec in contract.values() for stem in spec.file_stems()}
    largest = _largest_but_offices(package)
    order = typing_order({stems[path.stem] for path in package.glob("*.csv")}, contract)
    behind = order[order.index(stems[largest.stem]) + 1:]
    assert behind, "the sample's largest table should have tables behind it in typing order"
    behind_file = next(path for path in package.glob("*.csv") if stems[path.stem] == behind[-1])
    if broken in ("child's", "both"):
        _broken_table(package, largest.stem)
    if broken in ("behind it", "both"):
        _broken_table(package, behind_file.stem)
    _same_error_with_a_child(package, ruleset, monkeypatch, package_module, "MIN_BYTES_TO_READ_AHEAD")


def _needed_by_the_child(package, ruleset) -> list[str]:
    from westaudit.intake.table_typing import tables_needed

    contract = ruleset.contract
    stems = {stem: spec.name for spec in contract.values() for stem in spec.file_stems()}
    largest = _largest_but_offices(package)
    needed = tables_needed(stems[largest.stem], contract, {stems[path.stem] for path in package.glob("*.csv")})
    return [path.stem for path in package.glob("*.csv") if stems[path.stem] in needed - {"offices"}]


def test_the_tables_the_child_needs_are_typed_first_and_their_key_sets_handed_to_it(monkeypatch, ruleset):
    """Typed once, here, as soon as their files are read: the child types its table against their key sets,
    and the package is the one typed in order."""
    from westaudit.intake import table_typing
    from westaudit.intake import typed_ahead as package_module

    alone = load_package(SAMPLE, ruleset.contract)
    monkeypatch.setattr(package_module, "MIN_BYTES_TO_READ_AHEAD", 0)
    typed_names: list[str] = []
    real_type_one = table_typing.type_one

    def noting_type_one(name, *args, **kwargs):
        typed_names.append(name)
        return real_type_one(name, *args, **kwargs)

    monkeypatch.setattr(table_typing, "type_one", noting_type_one)
    used = []
    monkeypatch.setattr(package_module.TypedAhead, "typed", _noting(package_module.TypedAhead.typed, used))
    _same_package(load_package(SAMPLE, ruleset.contract), alone)
    assert used and used[0] is not None  # the child's table, typed against the key sets handed to it, was used
    needed = _needed_by_the_child(SAMPLE, ruleset)
    assert needed, "the sample's largest table should refer to a table besides offices"
    contract = ruleset.contract
    stems = {stem: spec.name for spec in contract.values() for stem in spec.file_stems()}
    for stem in ["组织机构", *needed]:  # each typed once in this process, none twice
        assert typed_names.count(stems[stem]) == 1, (stems[stem], typed_names)
    assert typed_names[:len(needed) + 1] == ["offices", *(stems[stem] for stem in needed)]


def test_a_table_the_child_needs_that_cannot_be_typed_raises_the_error_typing_in_order_would(tmp_path, monkeypatch,
                                                                                             ruleset):
    from westaudit.intake import typed_ahead as package_module

    package = tmp_path / "package"
    shutil.copytree(SAMPLE, package)
    _broken_table(package, _needed_by_the_child(package, ruleset)[0])
    _same_error_with_a_child(package, ruleset, monkeypatch, package_module, "MIN_BYTES_TO_READ_AHEAD")
