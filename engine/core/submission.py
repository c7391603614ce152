"""What a consolidated audit says about the packages behind it: who sent what, which offices sent nothing,
and whether each package is the one its office self-checked (docs/submission-package.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# the self-check receipt's file name in a package folder (here, so `westaudit check --help` names it cheaply)
RECEIPT_NAME = "westaudit-receipt.yaml"


class ReceiptState(StrEnum):
    MATCHES = "matches"  # the package is byte for byte the one that was self-checked
    CHANGED = "changed"  # a file was changed, added or removed after the self-check
    ABSENT = "absent"  # no receipt: the package was never self-checked (or the receipt was not sent)


RECEIPT_STATE_ZH = {ReceiptState.MATCHES: "与自查一致", ReceiptState.CHANGED: "自查后已改动",
                    ReceiptState.ABSENT: "未自查"}
RECEIPT_STATE_EN = {ReceiptState.MATCHES: "self-checked, unchanged", ReceiptState.CHANGED: "changed since self-check",
                    ReceiptState.ABSENT: "not self-checked"}


@dataclass(frozen=True)
class ReceiptOffice:
    """One office a self-check judged, as its receipt records it: its own counts by status and failing rules."""

    office_id: str
    counts: tuple[tuple[str, int], ...] = ()
    failing_rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceiptCheck:
    """A package's self-check receipt compared with the package as submitted."""

    state: ReceiptState
    receipt_file: str = ""
    office_id: str = ""
    checked_at: str = ""
    ruleset_version: str = ""
    # the receipt's rule set is this audit's: its results are comparable with this audit's
    same_ruleset: bool = False
    # the self-checked office's own results
    counts: tuple[tuple[str, int], ...] = ()
    failing_rules: tuple[str, ...] = ()
    changed_files: tuple[str, ...] = ()
    # every office the self-check judged (the office first, then its subtree); a format-1 receipt: the office alone
    offices: tuple[ReceiptOffice, ...] = ()


@dataclass(frozen=True)
class Submission:
    """One package of a consolidated audit, with its row accounting after merging."""

    label: str
    path: str
    office_id: str
    checksum: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_merged: int
    receipt: ReceiptCheck


@dataclass(frozen=True)
class ConsolidationSummary:
    supervising_office: str
    submissions: tuple[Submission, ...]
    # offices in scope no package covers: their duties are insufficient_data
    missing_offices: tuple[str, ...]
    # office -> label of the package its duties rest on
    package_of: dict[str, str] = field(default_factory=dict)

    def package_of_source(self, source_file: str) -> str | None:
        """The package a source file (``label/file.csv``) was read from."""
        for label in sorted((s.label for s in self.submissions), key=len, reverse=True):
            if source_file.startswith(label + "/"):
                return label
        return None
