"""A result names the tables whose rejected rows weigh on its office: worked out once per rule, as per result."""

import random
from types import SimpleNamespace

from westaudit.checks.base import ColumnRef
from westaudit.evaluate.audit import _incomplete_tables


def _per_result(tables, incomplete, office):
    # the definition: a table counts when its rejected rows belong to the office, above it, or to no known office
    return tuple(sorted(t for t in tables if incomplete.get(t, set()) & {office, "*"}))


def test_worked_out_once_per_rule_equals_the_definition_for_every_office():
    rng = random.Random(7)
    tables = {"volunteers", "subsidies", "trainings", "documents"}
    offices = [f"o{i}" for i in range(30)]
    for _ in range(200):
        incomplete = {t: set(rng.sample([*offices, "*"], rng.randint(0, 4))) for t in rng.sample(sorted(tables), 3)}
        refs = [ColumnRef(t, "", "records") for t in sorted(tables)]
        rule = SimpleNamespace(check=SimpleNamespace(column_refs=lambda refs=refs: iter(refs)))
        at, everywhere = _incomplete_tables(rule, SimpleNamespace(incomplete={(t, None): o for t, o in incomplete.items()}))
        assert {o: at.get(o, everywhere) for o in offices} == {o: _per_result(tables, incomplete, o) for o in offices}
