"""Result, EvidenceRow and Counts are built by an __init__ that stores fields straight into the instance
(engine/core/results.py stored_directly): the same signature, defaults and frozen instances as dataclasses'."""

import dataclasses
import inspect

import pytest

from westaudit.core.results import Counts, EvidenceRow, Result, Status, stored_directly


def _as_dataclass_would(cls):
    """The class again, with the __init__ dataclasses generates."""
    return dataclasses.make_dataclass(cls.__name__, [(f.name, f.type, f) for f in dataclasses.fields(cls)],
                                      frozen=True)


@pytest.mark.parametrize("cls", [Result, EvidenceRow, Counts])
def test_the_signature_is_the_dataclass_one(cls):
    def shape(init):
        return [(p.name, p.kind, p.default) for p in inspect.signature(init).parameters.values()]
    assert shape(cls.__init__) == shape(_as_dataclass_would(cls).__init__)


def test_instances_hold_every_field_with_its_default_and_stay_frozen():
    result = Result("county-01", "GS", Status.FAIL, 0.5, ">= 1", "低", "low", evidence_total=3)
    assert vars(result) == {f.name: f.default for f in dataclasses.fields(Result)} | {
        "rule_id": "county-01", "office_id": "GS", "status": Status.FAIL, "measured": 0.5, "expected": ">= 1",
        "message_zh": "低", "message_en": "low", "evidence_total": 3}
    assert result == dataclasses.replace(result) and hash(Counts(1, 2)) == hash(Counts(1, 2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = Status.PASS
    with pytest.raises(TypeError):
        Result("county-01", "GS")  # a field without a default is required, as before


def test_a_field_with_a_default_factory_is_refused():
    @dataclasses.dataclass(frozen=True)
    class WithFactory:
        items: list = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="plain defaults"):
        stored_directly(WithFactory)
