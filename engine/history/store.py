"""The audit store: every run with its input checksums, results, evidence and rankings, in one database.

SQLite by default (one file, created on first use); a PostgreSQL URL for a shared server (docs/store.md).
A run is written in two steps: its row as `started` before evaluation, then its results, evidence and
the `complete` mark in one transaction. A run that crashed or was killed stays `started`, with no
results: the store never holds half a run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from westaudit.core.errors import UsageError, WestauditError
from westaudit.core.json_text import json_encoder
from westaudit.core.results import Counts, EvidenceRow, ParameterUse, Remediation, Result, Status

if TYPE_CHECKING:
    from westaudit.evaluate.audit import AuditReport
from westaudit.core.personal_numbers import mask_text, mask_texts
from westaudit.intake.package_files import InputFile, package_files  # noqa: F401 - re-exported

STORE_ENV = "WESTAUDIT_STORE"
STARTED, COMPLETE = "started", "complete"
# a writer waits this long for another writer's transaction before SQLite reports "database is locked"
BUSY_TIMEOUT_SECONDS = 30
_LOCK_RETRIES = 5
# SQLite allows 32,766 bound values a statement (two a key); stay well below
_KEYS_PER_QUERY = 2_000

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(16), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("command", String(16), nullable=False),
    Column("package", Text, nullable=False),
    Column("submitting_office", String(64), nullable=False),
    Column("only_office", String(64)),
    Column("year", Integer, nullable=False),
    Column("ruleset_version", String(64), nullable=False),
    Index("runs_by_office_year", "submitting_office", "year"),
)

run_files = Table(
    "run_files", metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("name", Text, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
)

results = Table(
    "results", metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("rule_id", String(128), nullable=False),
    Column("office_id", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    # JSON, so a number comes back a number and a text a text: of a result stored before measured_values (empty
    # since, the value being in measured_values under measured_id)
    Column("measured", Text, nullable=False),
    Column("expected", Text, nullable=False),
    Column("message_zh", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("evidence_total", Integer, nullable=False),
    Column("incomplete_tables", Text, nullable=False),
    Column("measured_id", Integer),
)

# each run's distinct measured values (JSON, _MeasuredJson): a national run's 377,446 results hold 54,129, a
# rule's parameters and remediation repeating in each of its results
measured_values = Table(
    "measured_values", metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("measured_id", Integer, primary_key=True, autoincrement=False),
    Column("body", Text, nullable=False),
)

evidence = Table(
    "evidence", metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("result_ordinal", Integer, primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("table_name", String(64), nullable=False),
    Column("source_file", Text, nullable=False),
    Column("source_row", Integer, nullable=False),
    Column("key", Text, nullable=False),
    Column("row_values", Text, nullable=False),
    Column("reason", Text, nullable=False),
)

# every subject of a ranking rule's assessment, so a later year can ask who was last before
standings = Table(
    "standings", metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("rule_id", String(128), primary_key=True),
    Column("office_id", String(64), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("place_from_bottom", Integer, nullable=False),
    Column("last_ranked", Integer, nullable=False),
    Index("standings_by_rule_office_year", "rule_id", "office_id", "year"),
)

notices = Table(
    "notices", metadata,
    Column("run_id", ForeignKey("runs.run_id"), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("message_zh", Text, nullable=False),
    Column("message_en", Text, nullable=False),
)


@dataclass
class StoreError(WestauditError):
    """The store cannot be opened or read: corrupted file, unreachable server, missing driver."""

    store: str
    message: str

    def __str__(self) -> str:
        return f"{self.store}: audit store unusable: {self.message}"


@dataclass(frozen=True)
class Standing:
    """One assessed subject's place in its assessor's ranking, in one audit year."""

    rule_id: str
    office_id: str
    subject_id: str
    year: int
    score: float
    place_from_bottom: int
    last_ranked: bool


@dataclass(frozen=True)
class RunRecord:
    run_id: int
    state: str
    started_at: str
    finished_at: str | None
    command: str
    package: str
    submitting_office: str
    only_office: str | None
    year: int
    ruleset_version: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.state == COMPLETE

    @property
    def scope(self) -> str:
        return self.only_office or f"{self.submitting_office}（全部 all）"


def default_location() -> str:
    return os.environ.get(STORE_ENV) or str(Path.home() / ".westaudit" / "audits.sqlite")


def _is_url(location: str) -> bool:
    return "://" in location


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # westaudit issues BEGIN itself (below); WAL lets readers go on while one writer writes
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        # take the write lock at BEGIN, so two writers queue on the busy timeout instead of deadlocking
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


T = TypeVar("T")


def _is_lock_error(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


class Store:
    """One audit store; every method is its own transaction and raises StoreError, never a driver error."""

    def __init__(self, engine: Engine, where: str) -> None:
        self.engine = engine
        self.where = where

    @classmethod
    def open(cls, location: str, create: bool = True) -> Store:
        """A SQLite file path (created on first use when `create`) or a SQLAlchemy database URL."""
        if _is_url(location):
            where = location.split("@")[-1]  # never echo a password
            try:
                engine = create_engine(location)
            except (SQLAlchemyError, ImportError) as exc:
                raise StoreError(where, f"{exc} (is the database driver installed? see docs/store.md)") from exc
        else:
            path = Path(location).expanduser()
            where = str(path)
            for parent in path.parents:
                if parent.exists():
                    if not parent.is_dir():
                        raise StoreError(where, f"{parent} is a file, not a folder; choose another --store "
                                         "(or $WESTAUDIT_STORE)")
                    break
            if not path.exists():
                if not create:
                    raise UsageError(f"no audit store at {path} (nothing recorded yet; see --store)")
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.is_file():
                raise StoreError(where, "not a file")
            engine = _sqlite_engine(path)
        store = cls(engine, where)
        if not _is_url(location):  # a database server may be shared with other applications; a file is not
            store._retrying(lambda: store._refuse_foreign_tables())
        store._retrying(store._migrate)
        return store

    def _migrate(self) -> None:
        """The schema brought to the migrations' head in place (engine/history/migrations): a store of an earlier
        westaudit keeps its runs; one at the head costs one query."""
        from alembic.util import CommandError

        from westaudit.history.migrations import HEAD, current_revision, upgrade

        with self.engine.connect() as conn:
            if current_revision(conn) == HEAD:
                return
        try:
            with self.engine.begin() as conn:
                upgrade(conn)
        except CommandError as exc:
            raise StoreError(self.where, f"its schema is not one this westaudit knows ({exc}): written by a newer "
                             "westaudit? Upgrade westaudit, or choose another --store") from exc

    def _refuse_foreign_tables(self) -> None:
        """Another application's SQLite file is never written into: a file with tables, none of them
        westaudit's runs, is not an audit store."""
        from sqlalchemy import inspect

        with self._guarded():
            names = set(inspect(self.engine).get_table_names())
        if names and "runs" not in names:
            shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
            raise StoreError(self.where, f"not a westaudit store: it holds other tables ({shown}); nothing was "
                             "written to it. Choose another --store (or $WESTAUDIT_STORE)")

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        try:
            yield
        except (SQLAlchemyError, sqlite3.Error) as exc:
            detail = getattr(exc, "orig", None) or exc
            raise StoreError(self.where, f"{detail} (a damaged store: restore it from a backup or move it "
                                         "aside; westaudit creates a new one)") from exc

    def retrying(self, work: Callable[[], T]) -> T:
        """One transaction of a caller's own tables in this database (the workspace's), with this store's lock
        retries and errors."""
        return self._retrying(work)

    def _retrying(self, work: Callable[[], T]) -> T:
        """Run one transaction, again after a pause if another writer still held the lock past the timeout."""
        with self._guarded():
            for attempt in range(_LOCK_RETRIES):
                try:
                    return work()
                except OperationalError as exc:
                    if not _is_lock_error(exc) or attempt == _LOCK_RETRIES - 1:
                        raise
                    time.sleep(0.2 * 2 ** attempt)
        raise AssertionError("unreachable: the last attempt re-raises")

    # writing

    def begin_run(self, command: str, package: str, submitting_office: str, only_office: str | None,
                  year: int, ruleset_version: str) -> int:
        row = {"state": STARTED, "started_at": _now(), "command": command, "package": package,
               "submitting_office": submitting_office, "only_office": only_office, "year": year,
               "ruleset_version": ruleset_version}

        def work() -> int:
            with self.engine.begin() as conn:
                return int(conn.execute(insert(runs).values(_masked_row(row))).inserted_primary_key[0])
        return self._retrying(work)

    def complete_run(self, run_id: int, report: AuditReport, files: tuple[InputFile, ...],
                     ranked: tuple[Standing, ...] = (), notes: tuple[tuple[str, str], ...] = (),
                     mark_complete: bool = True) -> None:
        """Results, evidence, standings and notices of a run, and its `complete` mark, in one transaction.
        ``mark_complete=False``: stored, but complete only when ``mark_complete`` is called (after every
        output of the command is written)."""
        encode, measured_ids = _MeasuredJson(), {}
        result_rows = [(run_id, i, r.rule_id, r.office_id, r.status.value, "", r.expected, r.message_zh, r.message_en,
                        r.evidence_total, _json_list(r.incomplete_tables),
                        measured_ids.setdefault(encode(r), len(measured_ids))) for i, r in enumerate(report.results)]
        rows = {
            run_files: (("run_id", "name", "sha256", "size"), [(run_id, f.name, f.sha256, f.size) for f in files]),
            measured_values: (("run_id", "measured_id", "body"),
                              [(run_id, measured_id, body) for body, measured_id in measured_ids.items()]),
            results: (_RESULT_COLUMNS, result_rows),
            evidence: (_EVIDENCE_COLUMNS, [_evidence_row(run_id, i, j, e) for i, r in enumerate(report.results)
                                           for j, e in enumerate(r.evidence)]),
            standings: (("run_id", "rule_id", "office_id", "subject_id", "year", "score", "place_from_bottom",
                         "last_ranked"),
                        [(run_id, s.rule_id, s.office_id, s.subject_id, s.year, s.score, s.place_from_bottom,
                          int(s.last_ranked)) for s in ranked]),
            notices: (("run_id", "ordinal", "message_zh", "message_en"),
                      [(run_id, i, zh, en) for i, (zh, en) in enumerate(notes)]),
        }

        def work() -> None:
            with self.engine.begin() as conn:
                for table, (names, values) in rows.items():
                    if values:
                        _insert_many(conn, table, names, values)
                if mark_complete:
                    self._mark_complete(conn, run_id)
        self._retrying(work)

    def mark_complete(self, run_id: int) -> None:
        def work() -> None:
            with self.engine.begin() as conn:
                self._mark_complete(conn, run_id)
        self._retrying(work)

    def _mark_complete(self, conn, run_id: int) -> None:
        conn.execute(update(runs).where(runs.c.run_id == run_id).values(state=COMPLETE, finished_at=_now()))

    # reading

    def runs(self, office: str | None = None) -> list[RunRecord]:
        """Every run, oldest first; with `office`, those it submitted or that checked it alone."""
        query = select(runs).order_by(runs.c.run_id)
        if office:
            office = mask_text(office)
            query = query.where((runs.c.submitting_office == office) | (runs.c.only_office == office))
        return self._records(query)

    def run(self, run_id: int) -> RunRecord:
        found = self._records(select(runs).where(runs.c.run_id == run_id))
        if not found:
            raise UsageError(f"no run {run_id} in the audit store {self.where} (see `westaudit history`)")
        return found[0]

    def previous_run(self, run: RunRecord) -> RunRecord | None:
        """The last complete run before this one of the same package office, year and scope."""
        query = (select(runs).where(runs.c.run_id < run.run_id, runs.c.state == COMPLETE,
                                    runs.c.submitting_office == run.submitting_office, runs.c.year == run.year,
                                    runs.c.only_office.is_(None) if run.only_office is None
                                    else runs.c.only_office == run.only_office)
                 .order_by(runs.c.run_id.desc()).limit(1))
        found = self._records(query)
        return found[0] if found else None

    def results_of(self, run_id: int, keys: Collection[tuple[str, str]] | None = None) -> tuple[Result, ...]:
        """A run's results in order, with their evidence; with `keys` (office, rule), only those results."""
        if keys is None:
            return tuple(result for _, result in self._retrying(lambda: self._results(run_id, None)))
        chosen = sorted((mask_text(office), rule) for office, rule in keys)
        found = [result for start in range(0, len(chosen), _KEYS_PER_QUERY)
                 for result in self._retrying(lambda start=start: self._results(
                     run_id, tuple_(results.c.office_id, results.c.rule_id).in_(chosen[start:start + _KEYS_PER_QUERY])))]
        return tuple(result for _, result in sorted(found, key=lambda pair: pair[0]))

    def results_with_status(self, run_id: int, statuses: Collection[Status]) -> tuple[Result, ...]:
        """A run's results with one of `statuses`, in order, with their evidence (one pass over the run)."""
        chosen = results.c.status.in_([status.value for status in statuses])
        return tuple(result for _, result in self._retrying(lambda: self._results(run_id, chosen)))

    def keys_with_status(self, run_id: int, statuses: Collection[Status]) -> set[tuple[str, str]]:
        """(office, rule) of the run's results with one of `statuses`."""
        def work() -> set[tuple[str, str]]:
            with self.engine.connect() as conn:
                return {(office, rule) for office, rule in conn.execute(
                    select(results.c.office_id, results.c.rule_id)
                    .where(results.c.run_id == run_id, results.c.status.in_([s.value for s in statuses]))).all()}
        return self._retrying(work)

    def _results(self, run_id: int, chosen: ColumnElement[bool] | None) -> list:
        """(ordinal, result) pairs, all of the run's or those `chosen`, in order."""
        result_rows = (select(results, measured_values.c.body)
                       .outerjoin(measured_values, (measured_values.c.run_id == results.c.run_id)
                                  & (measured_values.c.measured_id == results.c.measured_id))
                       .where(results.c.run_id == run_id).order_by(results.c.ordinal))
        evidence_rows = (select(evidence).where(evidence.c.run_id == run_id)
                         .order_by(evidence.c.result_ordinal, evidence.c.ordinal))
        if chosen is not None:
            result_rows = result_rows.where(chosen)
            evidence_rows = evidence_rows.join(results, (results.c.run_id == evidence.c.run_id)
                                               & (results.c.ordinal == evidence.c.result_ordinal)).where(chosen)
        with self.engine.connect() as conn:
            by_result: dict[int, list[EvidenceRow]] = {}
            for row in conn.execute(evidence_rows).all():  # fetched at once: one fetch a row cost a second
                by_result.setdefault(row.result_ordinal, []).append(
                    EvidenceRow(row.table_name, row.source_file, row.source_row, row.key,
                                tuple((k, v) for k, v in json.loads(row.row_values)), row.reason))
            pairs, decoded = [], {}
            for row in conn.execute(result_rows).all():
                body = row.measured if row.measured_id is None else row.body
                if body not in decoded:  # a run's results share a few thousand values
                    decoded[body] = _measured_of(body)
                measured, typed = decoded[body]
                pairs.append((row.ordinal, Result(row.rule_id, row.office_id, Status(row.status), measured,
                                                  row.expected, row.message_zh, row.message_en,
                                                  tuple(by_result.get(row.ordinal, ())), row.evidence_total,
                                                  tuple(json.loads(row.incomplete_tables)), **typed)))
            return pairs

    def notices_of(self, run_id: int) -> list[tuple[str, str]]:
        def work() -> list[tuple[str, str]]:
            with self.engine.connect() as conn:
                return [(r.message_zh, r.message_en) for r in conn.execute(
                    select(notices).where(notices.c.run_id == run_id).order_by(notices.c.ordinal))]
        return self._retrying(work)

    def previous_standings(self, rule_id: str, office_id: str, years: list[int]) -> dict[int, tuple[Standing, ...]]:
        """For each of `years` recorded, the ranking of the latest complete run of that year."""
        office_id = mask_text(office_id)
        latest = (select(standings.c.year, func.max(standings.c.run_id).label("run_id"))
                  .join(runs, runs.c.run_id == standings.c.run_id)
                  .where(runs.c.state == COMPLETE, standings.c.rule_id == rule_id,
                         standings.c.office_id == office_id, standings.c.year.in_(years))
                  .group_by(standings.c.year).subquery())
        query = (select(standings).join(latest, (standings.c.run_id == latest.c.run_id)
                                        & (standings.c.year == latest.c.year))
                 .where(standings.c.rule_id == rule_id, standings.c.office_id == office_id)
                 .order_by(standings.c.year, standings.c.place_from_bottom, standings.c.subject_id))

        def work() -> dict[int, tuple[Standing, ...]]:
            by_year: dict[int, list[Standing]] = {}
            with self.engine.connect() as conn:
                for r in conn.execute(query):
                    by_year.setdefault(r.year, []).append(Standing(r.rule_id, r.office_id, r.subject_id, r.year,
                                                                   r.score, r.place_from_bottom,
                                                                   bool(r.last_ranked)))
            return {year: tuple(rows) for year, rows in by_year.items()}
        return self._retrying(work)

    def last_ranked_of_year(self, year: int) -> dict[tuple[str, str], set[str]]:
        """(rule, office) -> the subjects last-ranked in `year`, by the latest complete run that ranked them."""
        latest = (select(standings.c.rule_id, standings.c.office_id, func.max(standings.c.run_id).label("run_id"))
                  .join(runs, runs.c.run_id == standings.c.run_id)
                  .where(runs.c.state == COMPLETE, standings.c.year == year)
                  .group_by(standings.c.rule_id, standings.c.office_id).subquery())
        query = (select(standings.c.rule_id, standings.c.office_id, standings.c.subject_id)
                 .join(latest, (standings.c.run_id == latest.c.run_id) & (standings.c.rule_id == latest.c.rule_id)
                       & (standings.c.office_id == latest.c.office_id))
                 .where(standings.c.year == year, standings.c.last_ranked == 1))

        def work() -> dict[tuple[str, str], set[str]]:
            found: dict[tuple[str, str], set[str]] = {}
            with self.engine.connect() as conn:
                for rule_id, office_id, subject_id in conn.execute(query):
                    found.setdefault((rule_id, office_id), set()).add(subject_id)
            return found
        return self._retrying(work)

    def _records(self, query) -> list[RunRecord]:
        def work() -> list[RunRecord]:
            with self.engine.connect() as conn:
                found = [row._mapping for row in conn.execute(query)]
                ids = [row["run_id"] for row in found]
                counts: dict[int, dict[str, int]] = {}
                for run_id, status, n in conn.execute(
                        select(results.c.run_id, results.c.status, func.count())
                        .where(results.c.run_id.in_(ids)).group_by(results.c.run_id, results.c.status)):
                    counts.setdefault(run_id, {})[status] = n
            return [RunRecord(**dict(row), counts=counts.get(row["run_id"], {})) for row in found]
        return self._retrying(work)


def _masked_row(row: dict) -> dict:
    """Personal numbers never reach the store whole, in any text column (ids, messages, evidence values)."""
    return {name: mask_text(value) if value.__class__ is str else value for name, value in row.items()}


def _masked_columns(rows: list[tuple]) -> list[tuple]:
    """Each row with its texts masked as _masked_row does, each distinct text masked once and all of them in one
    search: a national run repeats its rule ids, statuses and most of its messages hundreds of thousands of times.
    Only a row holding a text that changed is rebuilt (nearly always none)."""
    texts = [value for value in set().union(*rows) if value.__class__ is str]
    masked = {text: text_masked for text, text_masked in zip(texts, mask_texts(texts), strict=True)
              if text_masked != text}
    if not masked:
        return rows
    return [row if masked.keys().isdisjoint(row) else
            tuple(masked[value] if value.__class__ is str and value in masked else value for value in row)
            for row in rows]


def _insert_many(conn: Connection, table: Table, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows (values in the order of `names`) handed to the driver's executemany as they are: SQLAlchemy's own
    per-row processing cost several seconds for a national run's 350,000 results. Plain texts and numbers need
    none."""
    rows = _masked_columns(rows)
    compiled = insert(table).values({name: bindparam(name) for name in names}).compile(dialect=conn.dialect)
    if compiled.positional:
        where = [names.index(name) for name in compiled.positiontup]
        if where != list(range(len(names))):  # the statement's order is the table's: `names` in it need no copy
            rows = [tuple(row[i] for i in where) for row in rows]
        conn.exec_driver_sql(str(compiled), rows)
    else:
        conn.exec_driver_sql(str(compiled), [dict(zip(names, row, strict=True)) for row in rows])


_RESULT_COLUMNS = ("run_id", "ordinal", "rule_id", "office_id", "status", "measured", "expected", "message_zh",
                   "message_en", "evidence_total", "incomplete_tables", "measured_id")
_EVIDENCE_COLUMNS = ("run_id", "result_ordinal", "ordinal", "table_name", "source_file", "source_row", "key",
                     "row_values", "reason")


def _json_list(values: tuple[str, ...]) -> str:
    return json.dumps(list(values)) if values else "[]"


def _plain(value: object) -> object:
    # check kinds compute with numpy: its scalars become the plain number they hold
    return value.item() if hasattr(value, "item") else value


_DUMPS = json_encoder()  # json.dumps(value, ensure_ascii=False, default=str)


class _MeasuredJson:
    """A result's measured value as JSON; with the result's typed fields (threshold, parameters, counts) an object
    holding them all. A measured value is never an object itself, so the two read back apart, and rows stored
    before the typed fields existed read as they did. Each tuple of parameters (a rule's results share a few) is
    encoded once per run: building a national run's rows had taken longer than storing them."""

    def __init__(self) -> None:
        self._parameters: dict[int, tuple[tuple[ParameterUse, ...], str]] = {}
        self._encoded: dict[tuple, str] = {}

    def __call__(self, result: Result) -> str:
        """Each distinct value encoded once (a national run's 350,000 results hold about 54,000): a result without
        remediation is looked up by its fields, types included (1, 1.0 and True encode apart)."""
        if result.remediation is not None:
            return self._encode(result)
        measured, threshold, counts = result.measured, result.threshold, result.counts
        key = (measured.__class__, measured, threshold.__class__, threshold, id(result.parameters),
               None if counts is None else (counts.met.__class__, counts.met, counts.total.__class__, counts.total),
               result.expected_en, result.severity, result.downgraded, result.last_ranked_again)
        try:
            return self._encoded[key]
        except KeyError:
            self._parameters_json(result.parameters)  # the tuple held, so its id in the key is never reused
            encoded = self._encoded[key] = self._encode(result)
            return encoded
        except TypeError:  # a measured value that is a list, say
            return self._encode(result)

    def _parameters_json(self, uses: tuple[ParameterUse, ...]) -> str:
        """The parameters' JSON, made once per tuple and held with it: a reused id is never mistaken for it."""
        held = self._parameters.get(id(uses))
        if held is None or held[0] is not uses:
            held = self._parameters[id(uses)] = uses, _DUMPS([use.as_dict() for use in uses])
        return held[1]

    def _encode(self, result: Result) -> str:
        if (result.threshold is None and not result.parameters and result.counts is None and result.remediation is None
                and not result.expected_en and not result.severity and not result.downgraded
                and not result.last_ranked_again):
            return _DUMPS(_plain(result.measured))
        parameters = self._parameters_json(result.parameters)
        counts = None if result.counts is None else result.counts.as_dict()
        remediation = None if result.remediation is None else result.remediation.as_dict()
        return (f'{{"measured": {_DUMPS(_plain(result.measured))}, "threshold": {_DUMPS(_plain(result.threshold))}, '
                f'"parameters": {parameters}, "counts": {_DUMPS(counts)}, "remediation": {_DUMPS(remediation)}, '
                f'"expected_en": {_DUMPS(result.expected_en)}, "severity": {_DUMPS(result.severity)}, '
                f'"downgraded": {_DUMPS(result.downgraded)}, '
                f'"last_ranked_again": {_DUMPS(list(result.last_ranked_again))}}}')


def _measured_of(measured_json: str) -> tuple[object, dict[str, object]]:
    """measured as stored, and the typed fields stored with it (none for a row stored before they existed)."""
    stored = json.loads(measured_json)
    if not isinstance(stored, dict):
        return stored, {}
    counts, remediation = stored.get("counts"), stored.get("remediation")
    return stored["measured"], {
        "remediation": None if remediation is None else Remediation.from_dict(remediation),
        "expected_en": stored.get("expected_en", ""),
        "threshold": stored.get("threshold"),
        "parameters": _parameter_uses(_DUMPS(stored.get("parameters", []))),
        "counts": None if counts is None else Counts(counts["met"], counts["total"]),
        "severity": stored.get("severity", ""), "downgraded": stored.get("downgraded", ""),
        "last_ranked_again": tuple(stored.get("last_ranked_again", ()))}


@lru_cache(maxsize=4096)
def _parameter_uses(parameters_json: str) -> tuple[ParameterUse, ...]:
    """Parameter uses back from their JSON, each distinct list once: a rule's results share one, and building them
    was most of reading a run's findings back."""
    return tuple(ParameterUse.from_dict(use) for use in json.loads(parameters_json))


def _evidence_row(run_id: int, result_ordinal: int, ordinal: int, row: EvidenceRow) -> tuple:
    return (run_id, result_ordinal, ordinal, row.table, row.source_file, row.source_row, row.key,
            json.dumps([list(pair) for pair in row.values], ensure_ascii=False), row.reason)
