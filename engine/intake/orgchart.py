"""The office hierarchy and the duty roles (the seven office codes of articles.tsv) each office plays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from westaudit.core.offices import OFFICE_CODES, OFFICE_CODES_ZH  # noqa: F401 - re-exported for the org chart's readers

_ROLE_OF_LEVEL = {
    "national": "national", "prefecture": "service_prefecture", "county": "service_county",
    "university": "university", "unit": "service_unit",
}


def _is_yes(flag: object) -> bool:
    return flag is not None and not pd.isna(flag) and bool(flag)


def roles_of(level: str, recruits: object, serves: object) -> tuple[str, ...]:
    """A province may both recruit and serve; every other level plays exactly one role."""
    if level != "province":
        return (_ROLE_OF_LEVEL[level],)
    roles = []
    if _is_yes(recruits):
        roles.append("recruit_province")
    if _is_yes(serves):
        roles.append("service_province")
    return tuple(roles)


@dataclass(frozen=True)
class Office:
    office_id: str
    name: str
    level: str
    parent_id: str | None
    roles: tuple[str, ...]


class OrgChart:
    def __init__(self, offices: pd.DataFrame):
        self.offices: dict[str, Office] = {}
        for row in offices.itertuples(index=False):
            parent = row.parent_id if isinstance(row.parent_id, str) and row.parent_id else None
            recruits = getattr(row, "recruits", None)
            serves = getattr(row, "serves", None)
            self.offices[row.office_id] = Office(row.office_id, row.name, row.level, parent,
                                                 roles_of(row.level, recruits, serves))
        self._children: dict[str, list[str]] = {}
        for office in self.offices.values():
            if office.parent_id:
                self._children.setdefault(office.parent_id, []).append(office.office_id)

    def __contains__(self, office_id: str) -> bool:
        return office_id in self.offices

    def with_role(self, role: str) -> list[str]:
        return sorted(o.office_id for o in self.offices.values() if role in o.roles)

    def ancestors(self, office_id: str) -> list[str]:
        chain, seen = [], {office_id}
        parent = self.offices[office_id].parent_id if office_id in self.offices else None
        while parent and parent in self.offices and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.offices[parent].parent_id
        return chain

    def subtree(self, office_id: str) -> set[str]:
        found, stack = {office_id}, [office_id]
        while stack:
            for child in self._children.get(stack.pop(), []):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def nearest_with_role(self, office_id: str, role: str) -> str | None:
        """The office itself or its closest ancestor playing role."""
        for candidate in (office_id, *self.ancestors(office_id)):
            if role in self.offices[candidate].roles:
                return candidate
        return None

    def subordinates_with_role(self, office_id: str, role: str) -> list[str]:
        return sorted(o for o in self.subtree(office_id) if o != office_id and role in self.offices[o].roles)

    def rollup_map(self, office_ids: pd.Series, role: str) -> pd.Series:
        """Map a column of office ids to the office of `role` above (or at) each, vectorised by unique ids."""
        lookup = {o: self.nearest_with_role(o, role) for o in office_ids.dropna().unique() if o in self.offices}
        return office_ids.map(lookup)


def top_down(offices: Mapping[str, Office], office_id: str) -> list[str]:
    """The office and every office below it as a reader goes down the hierarchy: the office first, then each
    office below it followed by its own subtree, siblings by id (a county, then each of its service units)."""
    children: dict[str, list[str]] = {}
    for office in offices.values():
        if office.parent_id:
            children.setdefault(office.parent_id, []).append(office.office_id)
    ordered, seen, stack = [], set(), [office_id]
    while stack:
        office = stack.pop()
        if office in seen:  # a cycle in a malformed table is refused by the contract; never loop on one here
            continue
        seen.add(office)
        ordered.append(office)
        stack.extend(sorted(children.get(office, ()), reverse=True))
    return ordered
