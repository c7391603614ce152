"""Turning a YAML node into a pydantic model, with every error pointed at its file, line and field."""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from westaudit.core.errors import SpecProblem
from westaudit.spec.yamlsource import LocatedDict

Model = TypeVar("Model", bound=BaseModel)


def _line_at(node: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest located mapping along a pydantic error location."""
    line = node.line if isinstance(node, LocatedDict) else None
    current = node
    for part in loc:
        if isinstance(current, LocatedDict) and part in current:
            line = current.line_of(str(part))
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
            if isinstance(current, LocatedDict):
                line = current.line
        else:
            break
    return line


def _known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model an unknown key was found in, for a suggestion."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            continue
        annotation = fields[part].annotation
        candidates = [a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")]
        if candidates:
            current = candidates[0]
    return list(getattr(current, "model_fields", {}))


def _describe(error: dict[str, Any], model: type[BaseModel]) -> str:
    if error["type"] == "extra_forbidden":
        unknown = str(error["loc"][-1])
        close = difflib.get_close_matches(unknown, _known_fields(model, error["loc"]), n=1)
        return f"unknown key {unknown!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if error["type"] == "missing":
        return "missing"
    return error["msg"]


def parse_model(model: type[Model], node: Any, file: str, prefix: str,
                problems: list[SpecProblem]) -> Model | None:
    """Validate node against model; append one located problem per error and return None on failure."""
    try:
        return model.model_validate(node)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            field = ".".join(str(p) for p in (prefix, *loc) if p != "")
            problems.append(SpecProblem(file, _line_at(node, loc), field or None, _describe(error, model)))
        return None
