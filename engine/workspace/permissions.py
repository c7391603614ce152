"""Who may see and do what: an account sees its own office and the offices below it, and acts by its role.

A check, report, download or account of an office outside the viewer's subtree is answered as if it did not
exist (404), so a county cannot even learn that a sibling's check id is real; an action the role does not
allow on a visible office is refused (403). The single-user mode (`westaudit serve --local`) has one viewer
who sees every office and plays every role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from westaudit.workspace.accounts import ROLES, Account


@dataclass(frozen=True)
class Viewer:
    username: str
    office_id: str | None
    roles: frozenset[str]
    # the offices this viewer may see; None: every office (the single-user mode)
    offices: frozenset[str] | None
    # an account of the shared workspace (its actions are written to the audit log)
    shared: bool = False

    def sees(self, office_id: str | None) -> bool:
        return self.offices is None or office_id in self.offices

    def may(self, role: str) -> bool:
        return role in self.roles

    @property
    def roles_zh(self) -> str:
        return "、".join(ROLES[r] for r in ROLES if r in self.roles)


LOCAL = Viewer("本机", None, frozenset(ROLES), None)


def subtree(office_id: str, parents: Mapping[str, str | None]) -> frozenset[str]:
    """The office and every office below it in the hierarchy (`parents`: office -> its parent)."""
    children: dict[str, list[str]] = {}
    for office, parent in parents.items():
        if parent:
            children.setdefault(parent, []).append(office)
    found, stack = {office_id}, [office_id]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return frozenset(found)


def viewer_of(account: Account, parents: Mapping[str, str | None]) -> Viewer:
    return Viewer(account.username, account.office_id, frozenset({account.role}),
                  subtree(account.office_id, parents), shared=True)


class NotVisible(Exception):
    """Answered 404, exactly as a check that does not exist."""


class Refused(Exception):
    """Answered 403 with the reason (Chinese first): a role that may not, a form without its CSRF token."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en


class LoginRequired(Exception):
    """No valid session: a page is redirected to the login page, anything else answered 401."""


def require(viewer: Viewer, role: str) -> None:
    if not viewer.may(role):
        raise Refused(f"您的账号（{viewer.roles_zh}）不能进行此操作：需要「{ROLES[role]}」角色的账号",
                      f"your account's role may not do this: it needs the {role} role")

