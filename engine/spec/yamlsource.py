"""Safe YAML loading that remembers where every mapping and key stood, for errors that point at a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from westaudit.core.errors import SpecError, SpecProblem


class LocatedDict(dict):
    """A mapping from YAML that knows its own line and the line of each of its keys (1-based)."""

    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class _LocatingLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when the wheel has it
    """SafeLoader (no arbitrary objects) whose mappings are LocatedDicts."""


def _construct_located_mapping(loader: _LocatingLoader, node: yaml.MappingNode) -> LocatedDict:
    loader.flatten_mapping(node)
    mapping = LocatedDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[str(key)] = key_node.start_mark.line + 1
    return mapping


_LocatingLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_located_mapping)


def load_yaml(path: Path) -> Any:
    """Load one YAML document safely; any syntax error becomes a SpecError with file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([SpecProblem(str(path), None, None, f"cannot read: {exc}")]) from exc
    try:
        return yaml.load(text, Loader=_LocatingLoader)  # noqa: S506 - _LocatingLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SpecError([SpecProblem(str(path), line, None, f"invalid YAML: {exc.problem or exc}")]) from exc
    except yaml.YAMLError as exc:
        raise SpecError([SpecProblem(str(path), None, None, f"invalid YAML: {exc}")]) from exc


def line_of(node: Any, key: str | None = None) -> int | None:
    if isinstance(node, LocatedDict):
        return node.line_of(key) if key else node.line
    return None
