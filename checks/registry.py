"""Check kinds by name. A kind registers itself with @register; checks/kinds.py is the one list of kinds."""

from __future__ import annotations

from typing import TypeVar

from westaudit.checks.base import CheckKind

_KINDS: dict[str, type[CheckKind]] = {}

Kind = TypeVar("Kind", bound=type[CheckKind])


def register(name: str):
    def decorate(kind: Kind) -> Kind:
        if name in _KINDS:
            raise ValueError(f"check kind {name!r} registered twice")
        kind.name = name
        _KINDS[name] = kind
        return kind

    return decorate


def kinds() -> dict[str, type[CheckKind]]:
    from westaudit.checks import kinds as _listed  # noqa: F401 - the one place that lists kinds

    return dict(_KINDS)
