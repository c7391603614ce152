"""What every check kind is: a parameter schema (pydantic, unknown keys forbidden) and a vectorised evaluation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, ClassVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from westaudit.core.results import Counts, ParameterUse, Remediation, Status
from westaudit.core.results import Threshold as ThresholdValue
from westaudit.runtime.lazy import lazy_module

pd = lazy_module("pandas")

if TYPE_CHECKING:
    from westaudit.evaluate.context import EvalContext

class ParamRef(str):
    """A parameter name written in a rule where a threshold or date is expected."""


ParamName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$"), AfterValidator(ParamRef)]
Threshold = float | ParamName


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class ColumnRef:
    """A table column a rule reads, with the parameter field that names it (for lint messages)."""

    table: str
    column: str
    field: str


@dataclass(frozen=True)
class OfficeOutcome:
    """One office's outcome for one rule, before the engine attaches the rule and masks evidence."""

    office_id: str
    status: Status
    measured: float | int | str | None
    expected: str
    message_zh: str
    message_en: str
    evidence: pd.DataFrame | None = None
    evidence_table: str = ""
    # what `expected` and `measured` say, typed: the value judged against, the parameters behind it, the counts
    threshold: ThresholdValue = None
    parameters: tuple[ParameterUse, ...] = ()
    counts: Counts | None = None
    remediation: Remediation | None = None
    expected_en: str = ""  # `expected` in English, where it has words (blank: the same in both languages)


class CheckKind(ABC):
    name: ClassVar[str]
    Params: ClassVar[type[Params]]
    summary_zh: ClassVar[str]
    # a kind that judges records one by one: an offending record found is a violation whatever other rows (left
    # out as rejected) held, so such a fail stands on incomplete data; an aggregate's fail might not
    fails_row_by_row: ClassVar[bool] = False

    def __init__(self, params: Params):
        self.params = params

    @abstractmethod
    def column_refs(self) -> Iterator[ColumnRef]:
        """Every table column the rule reads; lint checks them against the data contract."""

    def tables(self) -> set[str]:
        return {ref.table for ref in self.column_refs()}

    def parameter_names(self) -> set[str]:
        return set(_param_refs(self.params))

    @abstractmethod
    def evaluate(self, ctx: EvalContext, offices: list[str]) -> list[OfficeOutcome]:
        """An outcome for every office in `offices`, computed over whole tables."""


def literal_thresholds(value: object, path: str = "") -> Iterator[tuple[str, float]]:
    """The thresholds a rule writes as numbers instead of naming a parameter: (field path, number). Only fields
    typed Threshold and set in the rule's YAML count (a kind's own default, such as a quota's 0 fill, is not)."""
    if isinstance(value, BaseModel):
        for field in sorted(value.model_fields_set):
            child, where = getattr(value, field), f"{path}.{field}" if path else field
            threshold = ParamName in get_args(type(value).model_fields[field].annotation)
            if threshold and isinstance(child, int | float) and not isinstance(child, bool | ParamRef):
                yield where, child
            else:
                yield from literal_thresholds(child, where)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from literal_thresholds(item, f"{path}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from literal_thresholds(item, f"{path}.{key}")


def _param_refs(value: object) -> Iterator[str]:
    if isinstance(value, ParamRef):
        yield str(value)
    elif isinstance(value, BaseModel):
        for field in type(value).model_fields:
            yield from _param_refs(getattr(value, field))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _param_refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _param_refs(item)


def parameters_used(ctx: EvalContext, *thresholds: object) -> tuple[ParameterUse, ...]:
    """The named parameters among a rule's thresholds (literals are skipped), each with the value in force, the
    date that value took effect, its basis and where it came from (rules/parameters or an adopted policy)."""
    uses: list[ParameterUse] = []
    for threshold in thresholds:
        if isinstance(threshold, ParamRef) and threshold not in {use.name for use in uses}:
            found = ctx.parameters.in_force(threshold, ctx.year)
            uses.append(ParameterUse(str(threshold), found.value, ctx.parameters.parameters[threshold].unit,
                                     found.since, found.basis, found.source, found.adopted_by))
    return tuple(uses)


def outcome_for_missing(office_id: str, status: Status, why_zh: str, why_en: str) -> OfficeOutcome:
    return OfficeOutcome(office_id, status, None, "", why_zh, why_en)
