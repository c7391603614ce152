"""The self-check of an uploaded package, as `westaudit check` does it, with the libraries loaded once.

    workspace = Workspace(settings)            # rule set, audit store, data folder: once, at start-up
    record = workspace.receive(files, office, year)

One upload: its files are copied into incoming/<id>/ (counted against the upload limit), staged into a package
(engine/workspace/staging.py), moved to checks/<id>/package/, read and validated, audited over the office's
subtree (the office and every office below it), recorded in the audit store (so the next upload of the same
office and year is diffed against it), its receipt written into the package, the downloads written beside it,
and the check's row added to workspace_checks. Audits run one at a time (a lock): the machine the workspace
is meant for has two cores, an audit uses one, and a queue of twenty uploads is answered in order, none lost.
"""

from __future__ import annotations

import argparse
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from westaudit.core.errors import InputError, WestauditError
from westaudit.workspace.outcome import CheckOutcome, build_outcome
from westaudit.workspace.permissions import subtree
from westaudit.workspace.records import CheckBook, CheckRecord, new_check_id, now
from westaudit.workspace.settings import Settings
from westaudit.workspace.staging import (
    ReceivedFile,
    StagedPackage,
    UploadRefused,
    safe_file_name,
    stage_upload,
)
from westaudit.workspace.waivers import WaiverBook

OUTCOME_JSON, ERRORS_CSV, REPORT_DIR, PACKAGE_DIR = "outcome.json", "errors.csv", "report", "package"
ERRORS_HEADER = ["数据表", "文件", "工作表", "行", "列", "填写的值", "应填写"]
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class Upload:
    """A file as the web framework hands it over: the name the browser sent and a stream of its bytes."""

    name: str
    stream: BinaryIO


class Workspace:
    def __init__(self, settings: Settings) -> None:
        from westaudit.history.store import Store
        from westaudit.spec.ruleset import RULES_DIR, load_ruleset

        self.settings = settings
        for folder in (settings.data_dir, settings.checks_dir, settings.incoming_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.ruleset = load_ruleset(settings.rules or RULES_DIR)
        self.store = Store.open(settings.store_location)
        self.book = CheckBook(self.store)
        # the shared workspace's approved waivers apply to every check, with DATA/waivers.yaml's
        self.waivers = WaiverBook(self.store)
        # office id -> name (the pick list), -> parent id (whose subtree an account sees), -> level
        self.offices, self.parents, self.levels = (known_offices(settings.hierarchy, self.ruleset)
                                                   if settings.hierarchy else ({}, {}, {}))
        self.default_year = self._default_year()
        self.policies = self._policies()
        self.audit_lock = threading.Lock()
        # The audit's libraries (pandas, Great Expectations, openpyxl, the writers) load in the background while
        # the server already answers: the page is up at once, and the first check waits for them (`ready`).
        self.ready = threading.Event()
        self._warm_up_error: BaseException | None = None
        threading.Thread(target=self._warm_up, name="westaudit-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        try:
            _import_audit_libraries(sorted(self.ruleset.contract), self.settings.validator)
        except BaseException as exc:  # re-raised by the first check that waits for it
            self._warm_up_error = exc
        finally:
            self.ready.set()

    def wait_until_ready(self) -> None:
        self.ready.wait()
        if self._warm_up_error is not None:
            raise self._warm_up_error

    def _policies(self) -> tuple:
        """The policy overlays, validated at start-up like rules (file:line:field); an adopting office the pick
        list does not know is refused here rather than at an office's upload."""
        from westaudit.core.errors import SpecError, SpecProblem
        from westaudit.spec.policies import load_policies

        policies = load_policies(self.settings.policy_files, self.ruleset.parameters,
                                 {rule.id for rule in self.ruleset.rules})
        unknown = [SpecProblem(p.file, p.office_line, "office", f"{p.office!r} is not an office of --offices")
                   for p in policies if self.offices and p.office not in self.offices]
        if unknown:
            raise SpecError(unknown)
        return policies

    def _default_year(self) -> int | None:
        if self.settings.hierarchy is None:
            return None
        from westaudit.spec.manifest import find_manifest, load_manifest

        try:
            return load_manifest(find_manifest(self.settings.hierarchy)).year
        except InputError:
            return None

    # paths

    def folder(self, check_id: str) -> Path:
        return self.settings.checks_dir / check_id

    def outcome(self, check_id: str) -> CheckOutcome:
        return CheckOutcome.read(self.folder(check_id) / OUTCOME_JSON)

    # an upload

    def receive(self, uploads: Iterable[Upload], office: str, year: str,
                allowed: frozenset[str] | None = None) -> CheckRecord:
        """`allowed`: the offices the uploading account may check (its subtree); None: any office."""
        check_id = new_check_id()
        incoming = self.settings.incoming_dir / check_id
        target = self.folder(check_id)
        try:
            received = self._copy_in(uploads, incoming / "received")
            staged = stage_upload(received, office, year, incoming / "staged", self.settings.limits)
            self._check_office(staged.office_id, allowed)
            target.mkdir()
            shutil.move(staged.folder, target / PACKAGE_DIR)
            self.wait_until_ready()
            with self.audit_lock:
                return self._check(check_id, staged, target / PACKAGE_DIR)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(incoming, ignore_errors=True)

    def _copy_in(self, uploads: Iterable[Upload], folder: Path) -> list[ReceivedFile]:
        folder.mkdir(parents=True)
        budget = self.settings.max_upload_bytes
        received: list[ReceivedFile] = []
        for upload in uploads:
            name = safe_file_name(upload.name)
            stem, suffix, n = Path(name).stem, Path(name).suffix, 1
            while (folder / name).exists():
                n += 1
                name = f"{stem}-{n}{suffix}"
            with (folder / name).open("xb") as sink:
                while chunk := upload.stream.read(_COPY_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        raise too_large(self.settings.max_upload_bytes)
                    sink.write(chunk)
            received.append(ReceivedFile(name, folder / name))
        return received

    def _check_office(self, office_id: str, allowed: frozenset[str] | None) -> None:
        if allowed is not None and office_id not in allowed:
            raise UploadRefused(403, f"机构 {office_id} 不是您的账号所属机构或其下级机构：只能上传本机构及下级机构的数据",
                                f"office {office_id} is not your account's office or below it")
        if self.offices and office_id not in self.offices:
            raise UploadRefused(422, f"机构编号 {office_id} 不在本工作台的组织机构中，请核对机构编号（见页面上的机构列表）",
                                f"office {office_id} is not an office of this workspace's hierarchy")

    def _check(self, check_id: str, staged: StagedPackage, folder: Path) -> CheckRecord:
        from westaudit.evaluate.audit import run_audit
        from westaudit.evaluate.receipts import write_receipt
        from westaudit.history.recording import start_recording
        from westaudit.intake.package import load_package
        from westaudit.reports.site import write_site

        try:
            package = load_package(folder, self.ruleset.contract, validator=self.settings.validator)
        except InputError as exc:
            raise unusable(exc, folder) from exc
        offices = package.tables["offices"]
        if staged.office_id not in set(offices["office_id"]):
            raise UploadRefused(422, f"数据包的组织机构表中没有本机构 {staged.office_id}：请在「组织机构」表中填写本机构一行",
                                f"the package's offices table has no row for {staged.office_id}")
        args = argparse.Namespace(store=self.settings.store_location, no_store=False,
                                  waivers=self.settings.waivers, office=None)
        # the policies of offices the package lists (its own and those above it): a policy of another
        # province covers no office of this package; the waivers of the offices judged (a waiver of another
        # county, or of the prefecture's own findings, concerns nothing this check judges)
        listed = set(offices["office_id"])
        judged = subtree(staged.office_id, dict(zip(offices["office_id"], offices["parent_id"], strict=True)))
        try:
            recording = start_recording(args, package, self.ruleset, "check", self.waivers.granted(set(judged)),
                                        store=self.store)
            policies = tuple(policy for policy in self.policies if policy.office in listed)
            # the office's subtree: it and every office below it (a county and its service units)
            report = recording.finish(run_audit(package, self.ruleset, subtree_of=staged.office_id,
                                                policies=policies), wait=True)
            write_receipt(package, report, staged.office_id)
        except InputError as exc:
            raise unusable(exc, folder) from exc
        since = recording.since_previous
        notices = tuple(n.message_zh for n in recording.notices)
        outcome = build_outcome(report, self.ruleset, staged.office_id, since, notices)
        out = folder.parent
        outcome.write(out / OUTCOME_JSON)
        write_errors_csv(outcome, out / ERRORS_CSV)
        write_site(report, self.ruleset.articles, package.tables, out / REPORT_DIR, "zh", recording.index_context)
        previous = self.book.by_run(since.before.run_id) if since is not None else None
        record = CheckRecord(check_id, recording.run_id, staged.office_id, staged.year, now(), staged.kind,
                             staged.files, outcome.can_submit, outcome.summary(),
                             previous.check_id if previous else None, None, None)
        self.book.add(record)
        self._clean_old_checks(record.office_id)
        return record

    def _clean_old_checks(self, office_id: str) -> None:
        """The uploaded files of the office's checks older than its last `keep_checks` removed (a submitted
        check's kept: its package was sent). The store's runs count the order: they are numbered as made."""
        keep = self.settings.keep_checks
        if not keep:
            return
        newest_first = sorted(self.book.recent(office_id, limit=1_000_000), key=lambda r: r.run_id, reverse=True)
        for old in newest_first[keep:]:
            if not old.submission_file:
                shutil.rmtree(self.folder(old.check_id) / PACKAGE_DIR, ignore_errors=True)

    def has_package(self, check_id: str) -> bool:
        """False once the check's uploaded files were cleaned (`keep_checks`)."""
        return (self.folder(check_id) / PACKAGE_DIR).is_dir()


def too_large(limit: int) -> UploadRefused:
    return UploadRefused(413, f"文件过大：一次上传不能超过 {limit // (1024 * 1024)} MB；请只上传本机构的数据包",
                         f"upload too large: at most {limit // (1024 * 1024)} MB")


def unusable(exc: WestauditError, folder: Path) -> UploadRefused:
    """A package the reader cannot use at all (a missing column, an unreadable sheet): its message, without the
    data folder's path, which is nothing the office needs to see."""
    text = str(exc).replace(str(folder) + "/", "").replace(str(folder), "数据包")
    return UploadRefused(422, f"数据包无法读取，请改正后重新上传：{text}", f"the package cannot be read: {text}")


def write_errors_csv(outcome: CheckOutcome, path: Path) -> None:
    from westaudit.reports.office_pages import csv_line
    from westaudit.reports.safety import neutralise

    lines = [csv_line(ERRORS_HEADER)]
    lines.extend(csv_line([p.table_zh, neutralise(p.file), neutralise(p.sheet), p.row, p.column_zh,
                           neutralise(p.value), p.expected]) for p in outcome.problems)
    path.write_bytes(b"\xef\xbb\xbf" + "".join(lines).encode("utf-8"))


def known_offices(hierarchy: Path, ruleset) -> tuple[dict[str, str], dict[str, str | None], dict[str, str]]:
    """office id -> name, -> parent id and -> level, from the offices table of the package the workspace was
    started on (only that table is read: the sample is a national package)."""
    from westaudit.intake import filereader
    from westaudit.intake.table_typing import canonical_frame

    spec = ruleset.contract["offices"]
    stems = {stem.lower() for stem in spec.file_stems()}
    for path in sorted(hierarchy.iterdir()) if hierarchy.is_dir() else ():
        if path.stem.lower() in stems and path.suffix.lower() == ".csv":
            frame, _ = canonical_frame(filereader.read_csv_table(path), spec)
            parents = [p if isinstance(p, str) and p else None for p in frame["parent_id"]]
            return (dict(zip(frame["office_id"], frame["name"], strict=True)),
                    dict(zip(frame["office_id"], parents, strict=True)),
                    dict(zip(frame["office_id"], frame["level"], strict=True)))
    raise InputError(str(hierarchy), "--offices: no offices table (组织机构.csv) in this folder",
                     message_zh="--offices 所指的文件夹中没有组织机构表（组织机构.csv）：请指向含组织机构表的数据包文件夹")


def _import_audit_libraries(tables: list[str], validator: str) -> None:
    """Import what the first check would otherwise import while an office waits (Great Expectations' context
    only when it is the workspace's validator)."""
    import westaudit.evaluate.audit  # noqa: F401
    import westaudit.evaluate.receipts  # noqa: F401
    import westaudit.history.recording  # noqa: F401
    import westaudit.intake.contract_pandas  # noqa: F401
    import westaudit.reports.site  # noqa: F401

    if validator == "great-expectations":
        from westaudit.intake.validation import prepare

        prepare(tables)
