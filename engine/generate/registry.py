"""The one list of planters, in build order (a planter reads the tables of those before it).

A new table family is a module with one Planter subclass, added here. Contract tables no planter
builds are filled with typed rows (filler.py); rules no planter knows are reported as not planted.
"""

from __future__ import annotations

from collections.abc import Iterable

from westaudit.generate.activities import ActivitiesPlanter
from westaudit.generate.adjustments import AdjustmentsPlanter
from westaudit.generate.assessments import AssessmentsPlanter
from westaudit.generate.base import Planter
from westaudit.generate.departures import DeparturesPlanter
from westaudit.generate.documents import DocumentsPlanter
from westaudit.generate.extensions import ExtensionsPlanter
from westaudit.generate.incidents import IncidentsPlanter
from westaudit.generate.insurance import InsurancePlanter
from westaudit.generate.onboarding import OnboardingPlanter
from westaudit.generate.orgchart import OrgChartPlanter
from westaudit.generate.placements import PlacementsPlanter
from westaudit.generate.quotas import QuotasPlanter
from westaudit.generate.records import RecordsPlanter
from westaudit.generate.recruitment import RecruitmentPlanter
from westaudit.generate.subsidies import SubsidiesPlanter
from westaudit.generate.volunteers import VolunteersPlanter

PLANTERS: tuple[Planter, ...] = (
    OrgChartPlanter(),
    VolunteersPlanter(),
    InsurancePlanter(),
    SubsidiesPlanter(),
    QuotasPlanter(),
    PlacementsPlanter(),
    ExtensionsPlanter(),
    AssessmentsPlanter(),
    AdjustmentsPlanter(),
    RecruitmentPlanter(),
    OnboardingPlanter(),
    DeparturesPlanter(),
    IncidentsPlanter(),
    DocumentsPlanter(),
    ActivitiesPlanter(),
    RecordsPlanter(),
)


def planted_rules() -> set[str]:
    return {rule for planter in PLANTERS for rule in planter.rules}


def rules_not_planted(rule_ids: Iterable[str]) -> list[str]:
    known = planted_rules()
    return sorted(rule for rule in rule_ids if rule not in known)
