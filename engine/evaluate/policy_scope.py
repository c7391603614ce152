"""Which policies apply to which office: a policy covers its adopting office's subtree, and a value resolves
from the most specific office upward (the office's province's policy over the national policy over
rules/parameters). A rule's offices are grouped by what the policies change for that rule, so each group is
still evaluated at once over whole tables; with no policy there is one group."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from westaudit.core.errors import SpecError, SpecProblem
from westaudit.core.results import Result, Status
from westaudit.intake.orgchart import OrgChart
from westaudit.spec.parameters import Overlay
from westaudit.spec.policies import Policy
from westaudit.spec.ruleset import Rule


@dataclass(frozen=True)
class PolicyGroup:
    """Offices a rule treats alike: the same overlays on its parameters, the same severity, on or off."""

    offices: tuple[str, ...]
    overlays: tuple[Overlay, ...] = ()
    severity: str | None = None
    # (the policy that switched the rule off, its reason)
    switched_off: tuple[Policy, str] | None = None


class PolicyScope:
    def __init__(self, policies: Iterable[Policy], org: OrgChart):
        self.policies = tuple(policies)
        problems = [SpecProblem(p.file, p.office_line, "office", f"{p.office!r} is not an office of this package")
                    for p in self.policies if p.office not in org]
        if problems:
            raise SpecError(problems)
        by_office: dict[str, list[Policy]] = {}
        for policy in reversed(self.policies):  # of one office's several files, the later given wins
            by_office.setdefault(policy.office, []).append(policy)
        self._by_office = by_office
        self._org = org
        self._chains: dict[str, tuple[Policy, ...]] = {}

    def chain(self, office: str) -> tuple[Policy, ...]:
        """The policies covering an office, most specific first."""
        if office not in self._chains:
            self._chains[office] = tuple(policy for holder in (office, *self._org.ancestors(office))
                                         for policy in self._by_office.get(holder, ()))
        return self._chains[office]

    def groups(self, rule: Rule, offices: list[str]) -> list[PolicyGroup]:
        names = rule.check.parameter_names()
        found: dict[tuple, list[str]] = {}
        for office in offices:
            chain = self.chain(office)
            overlays = tuple(p for p in chain if names & p.parameter_names)
            deciding = next((p for p in chain if rule.id in p.rules), None)
            found.setdefault((overlays, deciding), []).append(office)
        groups = []
        for (overlays, deciding), members in found.items():
            change = deciding.rules[rule.id] if deciding else None
            switched = (deciding, change.off) if change and change.off else None
            groups.append(PolicyGroup(tuple(members), tuple(p.overlay for p in overlays),
                                      change.severity if change else None, switched))
        return groups


def switched_off(rule: Rule, group: PolicyGroup) -> list[Result]:
    policy, reason = group.switched_off
    label = policy.document.label("zh")
    return [Result(rule.id, office, Status.NOT_APPLICABLE, None, "",
                   f"{policy.office} 的政策停用本规则（{label}）：{reason}",
                   f"switched off by {policy.office}'s policy ({policy.document.label('en')}): {reason}",
                   severity=rule.severity) for office in group.offices]
