"""Several packages audited as one submission of the office supervising them.

Each package is loaded and validated on its own (engine/intake/package.py); the accepted rows are then merged
table by table into one Package that run_audit reads like any other. Every row read ends up counted once:

- accepted: the first copy of each key (source file names become ``<package>/<file>``, so evidence and
  rejected rows name the package);
- merged: a row identical to an accepted one from another package (counted per table, ``rows_merged``);
- rejected, with the reason: the same key with different values in two packages (a conflict; every version
  is rejected, naming the other's package, file and row, since the auditor cannot tell which is right),
  a row for an office outside the submitting office's subtree (unless it is an identical copy of the row
  its owner's package sent), or a reference to an office or key no accepted row has any more.

The offices table is shared reference data: every package carries the hierarchy above it and the offices
its rows name, so its rows are never out of subtree, and a conflict keeps the version of the package
submitted by that office itself, else the one of its closest supervisor that sent one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from westaudit.core.columns import SOURCE_FILE, SOURCE_ROW
from westaudit.core.errors import InputError, UsageError
from westaudit.core.results import RejectedRow, TableAccount
from westaudit.core.submission import ConsolidationSummary, Submission
from westaudit.evaluate.coverage import Coverage, build_coverage
from westaudit.evaluate.receipts import check_receipt, package_checksum
from westaudit.intake.contract import EXPECTED_OFFICE, GREAT_EXPECTATIONS
from westaudit.intake.masking import cell_text, mask_pii
from westaudit.intake.orgchart import OrgChart
from westaudit.intake.package import Package, load_package
from westaudit.intake.package_files import package_files
from westaudit.spec.manifest import MANIFEST_NAMES, Manifest
from westaudit.spec.ruleset import RuleSet
from westaudit.spec.tables import TableSpec

_PART = "_part"


@dataclass(frozen=True)
class PackagePart:
    label: str
    package: Package


@dataclass(frozen=True)
class ConsolidatedPackage(Package):
    """The merged submission; ``parts`` keeps the packages it was made of (the audit store hashes their files)."""

    parts: tuple[PackagePart, ...] = ()


@dataclass(frozen=True)
class Consolidation:
    package: ConsolidatedPackage
    coverage: Coverage
    summary: ConsolidationSummary
    # subfolders of a folder of packages that hold no manifest, so are not packages
    skipped: tuple[Path, ...] = ()


def is_package(folder: Path) -> bool:
    return any((folder / name).is_file() for name in MANIFEST_NAMES)


def find_packages(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Each path is a package, or a folder whose subfolders are packages; returns (packages, skipped subfolders)."""
    found: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if not path.is_dir():
            raise InputError(str(path), "not a folder (a package, or a folder of packages)",
                             message_zh="不是文件夹：请给出一个数据包文件夹，或装有几个数据包的文件夹")
        if is_package(path):
            found.append(path)
            continue
        subfolders = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        packages = [p for p in subfolders if is_package(p)]
        if not packages:
            raise InputError(str(path), "neither a package (no manifest) nor a folder of packages "
                                        "(no subfolder has a manifest)",
                             message_zh="既不是数据包（没有清单 manifest.yaml），也不是装有数据包的文件夹"
                                        "（没有一个子文件夹有清单）")
        found.extend(packages)
        skipped.extend(p for p in subfolders if p not in packages)
    seen: dict[Path, Path] = {}
    for path in found:
        if path.resolve() in seen:
            raise UsageError(f"the package {path} is given twice (also as {seen[path.resolve()]})")
        seen[path.resolve()] = path
    return found, skipped


def _labels(folders: list[Path]) -> list[str]:
    names = [f.name for f in folders]
    if len(set(names)) == len(names):
        return names
    root = Path(os.path.commonpath([f.resolve() for f in folders]))
    return [f.resolve().relative_to(root).as_posix() for f in folders]


def lowest_common_supervisor(org: OrgChart, offices: list[str]) -> str:
    chains = [[office, *org.ancestors(office)] for office in offices]
    common = set(chains[0]).intersection(*chains[1:])
    for office in chains[0]:
        if office in common:
            return office
    raise UsageError("the packages' offices (" + ", ".join(offices) + ") have no common supervising office "
                     "in the offices table; name one with --office")


# ------------------------------------------------------------------------------------------------------
# Merging one table
# ------------------------------------------------------------------------------------------------------


def _aligned(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """A column a package left out is all blank (object); give it the typed dtype the others have."""
    columns = frames[0].columns
    out = [f.copy() for f in frames]
    for column in columns:
        typed = next((f[column].dtype for f in frames if f[column].dtype != object and f[column].notna().any()), None)
        if typed is None:
            continue
        for frame in out:
            if frame[column].dtype != typed and frame[column].isna().all():
                frame[column] = frame[column].astype(typed)
    return out


def _stacked(spec: TableSpec, parts: list[PackagePart]) -> pd.DataFrame:
    frames = []
    for index, part in enumerate(parts):
        frame = part.package.tables.get(spec.name)
        if frame is None:
            continue
        frame = frame[[SOURCE_FILE, SOURCE_ROW, *spec.columns]].copy()
        frame[SOURCE_FILE] = part.label + "/" + frame[SOURCE_FILE].astype(str)
        frame[_PART] = index
        frames.append(frame)
    return pd.concat(_aligned(frames), ignore_index=True)


def _same(a: object, b: object) -> bool:
    """Cells are scalars; two blanks (None, NaN, NaT, NA) are the same."""
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(a == b)


@dataclass
class _TableMerge:
    """One table of every package stacked, each row's fate decided by boolean masks over the stack."""

    spec: TableSpec
    frame: pd.DataFrame
    parts: list[PackagePart]

    def __post_init__(self) -> None:
        columns = list(self.spec.columns)
        self.fingerprint = pd.util.hash_pandas_object(self.frame[columns], index=False)
        self.key = pd.util.hash_pandas_object(self.frame[list(self.spec.key)], index=False)
        self.rejected: list[RejectedRow] = []
        self.rejected_mask = pd.Series(False, index=self.frame.index)

    def reject(self, mask: pd.Series, column: str, expected: pd.Series | str) -> None:
        if not mask.any():
            return
        self.rejected_mask |= mask
        hit = self.frame[mask]
        shown = mask_pii(hit[column], self.spec.columns[column].pii)
        reasons = expected[mask] if isinstance(expected, pd.Series) else pd.Series(expected, index=hit.index)
        owners = hit[self.spec.owner_column]
        for source, row, value, reason, owner in zip(hit[SOURCE_FILE], hit[SOURCE_ROW], shown, reasons, owners,
                                                     strict=True):
            self.rejected.append(RejectedRow(self.spec.name, source, int(row), column, cell_text(value), reason,
                                             owner if isinstance(owner, str) and owner else None))

    def conflicts(self, among: pd.Series) -> pd.Series:
        """Rows of `among` whose key has more than one version there."""
        versions = pd.DataFrame({"key": self.key[among], "row": self.fingerprint[among]}).drop_duplicates()
        disputed = versions["key"][versions["key"].duplicated(keep=False)].unique()
        return among & self.key.isin(disputed)

    def reject_conflicts(self, conflict: pd.Series, winner_of=None) -> None:
        """Each conflicting row is rejected against another version of its key: the winner's, when winner_of
        picks one (those rows identical to the winner then stand), else the first other version."""
        kept = pd.Series(False, index=self.frame.index)
        columns = list(self.spec.columns)
        first_column = pd.Series("", index=self.frame.index, dtype=object)
        reasons = pd.Series("", index=self.frame.index, dtype=object)
        for _, rows in self.frame[conflict].groupby(self.key[conflict], sort=False):
            winner = winner_of(rows) if winner_of else None
            for index in rows.index:
                if winner is not None and self.fingerprint[index] == self.fingerprint[winner]:
                    kept[index] = True
                    continue
                other = winner if winner is not None else next(
                    i for i in rows.index if self.fingerprint[i] != self.fingerprint[index])
                # cells that print alike but hash apart (1 and 1.0 in a loose column) still differ: name the key
                column = next((c for c in columns if not _same(rows.at[index, c], rows.at[other, c])),
                              self.spec.key[0])
                theirs = mask_pii(pd.Series([cell_text(rows.at[other, column])]), self.spec.columns[column].pii).iloc[0]
                where = f"{rows.at[other, SOURCE_FILE]}:{rows.at[other, SOURCE_ROW]}"
                keep_zh, keep_en = ("，以该行为准", "; that version is kept") if winner is not None else \
                    ("，两行均不采用", "; neither is used")
                first_column[index] = column
                reasons[index] = (f"与 {where} 的同一编号行不一致（{self.spec.columns[column].zh}：{theirs}）{keep_zh}"
                                  f" conflict: the same key in {where} has {column} = {theirs!r}{keep_en}")
        losing = conflict & ~kept
        for column in first_column[losing].unique():
            self.reject(losing & (first_column == column), column, reasons)

    def reference_checks(self, among: pd.Series, offices: set[str], keys: dict[str, set]) -> None:
        """A reference to an office or key that no accepted row has (its row was rejected, or nobody sent it)."""
        for name, column in self.spec.columns.items():
            if column.type == "office":
                known, expected = offices, EXPECTED_OFFICE
            elif column.type == "ref" and column.ref.split(".")[0] in keys:
                target = column.ref.split(".")[0]
                known, expected = keys[target], f"{target} 表中已有的编号 an id present in {target}"
            else:
                continue
            values = self.frame[name]
            self.reject(among & ~self.rejected_mask & values.notna() & ~values.isin(known), name, expected)

    def settle(self, standing: pd.Series, closeness: pd.Series,
               outside: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
        """(accepted, merged): of identical standing rows, the copy of the package closest to the row's office
        (highest closeness) is accepted, the others merged; a row outside its package's subtree is merged when
        identical to an accepted row, else rejected."""
        standing = standing & ~self.rejected_mask
        order = closeness[standing].sort_values(ascending=False, kind="stable").index
        repeated = self.key[order].duplicated(keep="first")
        merged = pd.Series(self.frame.index.isin(repeated.index[repeated]), index=self.frame.index)
        accepted = standing & ~merged
        if outside is not None and outside.any():
            copy = outside & self.fingerprint.isin(self.fingerprint[accepted])
            merged |= copy
            owner = self.spec.owner_column
            submitter = self.frame[_PART].map(lambda i: self.parts[i].package.manifest.office_id)
            reasons = ("本数据包由 " + submitter + " 报送，只能报送其本级及下级机构的行（" + self.frame[owner].astype(str)
                       + " 不在其辖区内） rows of " + submitter + " and the offices below it only: "
                       + self.frame[owner].astype(str) + " is outside its subtree")
            self.reject(outside & ~copy, owner, reasons)
        return accepted, merged


def _closest_version(parts: list[PackagePart], charts: list[OrgChart]):
    """For offices conflicts: the row of the package the office submitted itself, else its closest supervisor's."""
    def rank(rows: pd.DataFrame) -> int:
        def distance(index: int) -> tuple[int, int]:
            part = int(rows.at[index, _PART])
            office, submitter = rows.at[index, "office_id"], parts[part].package.manifest.office_id
            chain = [office, *charts[part].ancestors(office)] if office in charts[part] else [office]
            return (chain.index(submitter) if submitter in chain else len(chain) + 1000, part)
        return min(rows.index, key=distance)
    return rank


# ------------------------------------------------------------------------------------------------------
# The whole submission
# ------------------------------------------------------------------------------------------------------


@dataclass
class _Merged:
    tables: dict[str, pd.DataFrame]
    rejected: list[RejectedRow]
    accounts: list[TableAccount]
    # per part: rows accepted, merged, rejected by the merge
    per_part: dict[int, list[int]]


def _table_order(contract: dict[str, TableSpec], names: set[str]) -> list[str]:
    """Tables others refer to first, so references are checked against merged keys."""
    order: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in order or name in trail or name not in names:
            return
        for column in contract[name].columns.values():
            if column.type == "ref":
                visit(column.ref.split(".")[0], (*trail, name))
        order.append(name)

    for name in ["offices", *sorted(names)]:
        visit(name, ())
    return order


def _merge(parts: list[PackagePart], contract: dict[str, TableSpec]) -> tuple[_Merged, OrgChart]:
    names = {name for part in parts for name in part.package.tables}
    merged = _Merged({}, [], [], {i: [0, 0, 0] for i in range(len(parts))})
    org: OrgChart | None = None
    offices: set[str] = set()
    keys: dict[str, set] = {}
    charts = [OrgChart(part.package.tables["offices"]) for part in parts]
    depth = {i: len(chart.ancestors(part.package.manifest.office_id)) for i, (part, chart)
             in enumerate(zip(parts, charts, strict=True))}
    for name in _table_order(contract, names):
        spec = contract[name]
        table = _TableMerge(spec, _stacked(spec, parts), parts)
        everything = pd.Series(True, index=table.frame.index)
        # a deeper submitting office is closer to the rows it shares with a supervisor's package
        closeness = table.frame[_PART].map(depth)
        if name == "offices":
            table.reject_conflicts(table.conflicts(everything), _closest_version(parts, charts))
            standing = everything & ~table.rejected_mask
            offices = set(table.frame.loc[standing, "office_id"])
            table.reference_checks(everything, offices, keys)
            accepted, copies = table.settle(everything, closeness)
            org = OrgChart(table.frame[accepted])
            offices = set(org.offices)
        else:
            inside = _inside_subtree(table.frame, spec, parts, org)
            table.reject_conflicts(table.conflicts(inside))
            table.reference_checks(inside, offices, keys)
            accepted, copies = table.settle(inside, closeness, ~inside)
        frame = table.frame[accepted].drop(columns=_PART).reset_index(drop=True)
        merged.tables[name] = frame
        if len(spec.key) == 1:
            keys[name] = set(frame[spec.key[0]])
        merged.rejected.extend(table.rejected)
        for part, counts in merged.per_part.items():
            of_part = table.frame[_PART] == part
            counts[0] += int((accepted & of_part).sum())
            counts[1] += int((copies & of_part).sum())
            counts[2] += int((table.rejected_mask & of_part).sum())
        accounts = [a for part in parts for a in part.package.accounts if a.table == name]
        sources = tuple(f"{part.label}/{s}" for part in parts for a in part.package.accounts if a.table == name
                        for s in a.source_files)
        merged.accounts.append(TableAccount(name, sources, sum(a.rows_read for a in accounts), int(accepted.sum()),
                                            sum(a.rows_rejected for a in accounts) + int(table.rejected_mask.sum()),
                                            int(copies.sum()), _partial(frame, parts, name)))
    assert org is not None  # every package has an offices table (load_package insists)
    return merged, org


def _partial(frame: pd.DataFrame, parts: list[PackagePart], table: str) -> int:
    """The merged table's accepted rows with a rejected cell (their package's rejections, named by part)."""
    kept = {(f"{part.label}/{r.source_file}", r.source_row) for part in parts for r in part.package.rejected
            if r.table == table and r.row_kept}
    if not kept:
        return 0
    return int(sum((source, int(row)) in kept for source, row in zip(frame[SOURCE_FILE], frame[SOURCE_ROW], strict=True)))


def _inside_subtree(frame: pd.DataFrame, spec: TableSpec, parts: list[PackagePart], org: OrgChart) -> pd.Series:
    """Whether each row's owner is its package's submitting office or below it (a blank owner is left to the
    contract, which requires it where it matters)."""
    owner = frame[spec.owner_column]
    pairs = pd.DataFrame({"owner": owner, "part": frame[_PART]}).drop_duplicates()
    verdict: dict[tuple[object, int], bool] = {}
    for own, part in zip(pairs["owner"], pairs["part"], strict=True):
        submitter = parts[part].package.manifest.office_id
        if not isinstance(own, str) or not own:
            verdict[(own, part)] = True
        else:
            verdict[(own, part)] = own in org and (own == submitter or submitter in org.ancestors(own))
    return pd.Series([verdict[(o, p)] for o, p in zip(owner, frame[_PART], strict=True)], index=frame.index)


def consolidate(paths: list[Path], ruleset: RuleSet, office: str | None = None,
                encoding: str | None = None, validator: str = GREAT_EXPECTATIONS,
                on_loaded: Callable[[int, int], None] | None = None) -> Consolidation:
    """Load every package under paths, merge them, and decide the supervising office and who is missing.

    validator: the data contract's runner for every package (engine/intake/contract.py); on_loaded(done, total)
    is told after each package is read and validated (the workspace's job page shows it)."""
    folders, skipped = find_packages(paths)
    labels = _labels(folders)
    parts = []
    for label, folder in zip(labels, folders, strict=True):
        parts.append(PackagePart(label, load_package(folder, ruleset.contract, encoding, validator=validator)))
        if on_loaded is not None:
            on_loaded(len(parts), len(folders))
    years = {part.package.manifest.year for part in parts}
    if len(years) > 1:
        raise InputError(", ".join(str(p.package.path) for p in parts),
                         "the packages are for different audit years: " + ", ".join(
                             f"{p.label} {p.package.manifest.year}" for p in parts))
    submitters: dict[str, str] = {}
    for part in parts:
        office_id = part.package.manifest.office_id
        if office_id in submitters:
            raise UsageError(f"two packages are submitted by office {office_id}: {submitters[office_id]} and "
                             f"{part.label}; keep one")
        submitters[office_id] = part.label
    merged, org = _merge(parts, ruleset.contract)
    for part in parts:
        if part.package.manifest.office_id not in org:
            raise InputError(str(part.package.path), "the manifest's office_id is not in the merged offices table",
                             column="office_id", value=part.package.manifest.office_id)
    supervisor = office or lowest_common_supervisor(org, list(submitters))
    if supervisor not in org:
        raise UsageError(f"office {supervisor!r} is not in the offices table of these packages")
    outside = [p.label for p in parts if p.package.manifest.office_id not in org.subtree(supervisor)]
    if outside:
        raise UsageError(f"packages not under office {supervisor}: " + ", ".join(outside))
    scope = sorted(org.subtree(supervisor))
    coverage = build_coverage(org, supervisor, scope, submitters,
                              {p.label: p.package.submitted_columns for p in parts})
    path = paths[0] if len(paths) == 1 and not is_package(paths[0]) else \
        Path(os.path.commonpath([f.resolve() for f in folders]))
    submitted: dict[str, frozenset[str]] = {}
    for part in parts:
        for table, columns in part.package.submitted_columns.items():
            submitted[table] = submitted.get(table, frozenset()) | columns
    rejected = [replace(r, source_file=f"{part.label}/{r.source_file}") for part in parts for r in part.package.rejected]
    package = ConsolidatedPackage(
        path, Manifest(office_id=supervisor, year=years.pop(), title=f"合并审计 consolidated: {len(parts)} packages"),
        merged.tables, (*rejected, *merged.rejected), tuple(merged.accounts),
        tuple((f"{part.label}/{source}", column) for part in parts for source, column in part.package.unknown_columns),
        submitted, notices=tuple(f"{part.label}/{notice}" for part in parts for notice in part.package.notices),
        parts=tuple(parts))
    submissions = tuple(_submission(index, part, merged, ruleset.version) for index, part in enumerate(parts))
    summary = ConsolidationSummary(supervisor, submissions, tuple(sorted(coverage.missing)), coverage.package_of)
    return Consolidation(package, coverage, summary, tuple(skipped))


def _submission(index: int, part: PackagePart, merged: _Merged, ruleset_version: str) -> Submission:
    accepted, copies, rejected_now = merged.per_part[index]
    accounts = part.package.accounts
    files = package_files(part.package)
    return Submission(part.label, str(part.package.path), part.package.manifest.office_id, package_checksum(files),
                      sum(a.rows_read for a in accounts), accepted, sum(a.rows_rejected for a in accounts) + rejected_now,
                      copies, check_receipt(part.package, ruleset_version, files))
