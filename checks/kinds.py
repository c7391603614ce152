"""The one list of check kinds. A new kind is a module of its own, registered with @register, added here."""

from westaudit.checks import (  # noqa: F401
    deadline,
    document,
    monthly,
    periodic,
    procedure,
    quota,
    ranking,
    ratio,
    row_condition,
    within_office,
)
