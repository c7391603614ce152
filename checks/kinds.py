"""The one list of check kinds. A new kind is a module of its own, registered with @register, added here."""

from westaudit.checks import deadline, ranking, ratio, within_office  # noqa: F401
