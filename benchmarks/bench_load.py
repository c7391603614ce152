"""The shared workspace under load: N county accounts uploading and submitting at once, then the national
consolidation of their N submissions (issue 18 item 8).

Run: .venv/bin/python benchmarks/bench_load.py [--counties 2000] [--concurrency 4] [--servers 1] [--work DIR]
     [--database postgresql+psycopg://westaudit:westaudit@127.0.0.1:5432/westaudit | sqlite] [--seed 1]

Not a test (tests/test_bench_load.py runs these functions at --counties 3 and checks what they store). Steps:
  1. a national package from `westaudit generate` at the smallest scale with at least N counties (cached in
     --work), and N county packages cut from it (each county's own rows, their units', and the offices any kept
     row names with the chain above them, cell text as written), each zipped as the county would upload it;
  2. a throw-away database on the --database server (created for the run, dropped at the end; `sqlite`: the data
     folder's audits.sqlite), a 填报 and a 报送 account per county and a 审核 account of the national office;
  3. --servers `westaudit serve --shared` processes on ports of their own, sharing the database and the data folder;
  4. --concurrency client threads (http.client on 127.0.0.1, spread over the servers) take the counties one by
     one: the 填报 account logs in, uploads the zip, reads its check; the 报送 account logs in and submits it.
     Every response's time is recorded; printed per kind of request: p50, p95, max, and the throughput;
  5. every submission stored exactly once: N rows in workspace_submissions, one per county, N files on disk,
     each file's SHA-256 the one its row holds;
  6. the national 审核 account starts the consolidation of all N (POST /consolidations) and polls its job page,
     printing each progress stage with its time, until it is done and says it merged N submissions.
Wall times on the shared 2-core machine measure the neighbours too: the load average is sampled during the run
and the servers' own CPU seconds are printed beside the wall times.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import http.client
import io
import math
import os
import queue
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

POSTGRES_SERVER = "postgresql+psycopg://westaudit:westaudit@127.0.0.1:5432/westaudit"
PASSWORD = "load-benchmark-password"
NATIONAL = "N"  # the national office of a generated package
COUNTIES_AT_SCALE_1 = 2100  # westaudit.generate.orgchart: a package at scale s has round(2100 s) counties
STARTUP_LIMIT_SECONDS = 180
CONSOLIDATION_LIMIT_SECONDS = 3600
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
JOB_STATE = re.compile(r"状态：<strong>([^<]+)</strong>")
JOB_PROGRESS = re.compile(r"（([^；）]*)；本页每 2 秒刷新）")
JOB_MERGED = re.compile(r"合并了 (\d+) 份报送")
KINDS = ("login page", "login", "upload page", "upload and check (POST /checks)", "check page", "submit")


# ---- 1. the packages ------------------------------------------------------------------------------------------

def scale_for(counties: int) -> float:
    """The smallest scale (in hundredths) whose generated package has at least `counties` counties."""
    return max(0.01, math.ceil(counties / COUNTIES_AT_SCALE_1 * 100) / 100)


def national_package(work: Path, counties: int, seed: int) -> Path:
    scale = scale_for(counties)
    folder = work / f"n{scale:g}-s{seed}" / "national"
    if not (folder / "manifest.yaml").exists():
        shutil.rmtree(folder, ignore_errors=True)
        westaudit = str(Path(sys.executable).parent / "westaudit")
        subprocess.run([westaudit, "generate", "--scale", str(scale), "--seed", str(seed), "--out", str(folder)],
                       check=True, stdout=subprocess.DEVNULL)
    return folder


@dataclass(frozen=True)
class CountyPackage:
    office_id: str
    year: int
    zip_path: Path


@dataclass
class _Table:
    file_name: str
    headers: tuple[str, ...]
    rows: object  # a pandas DataFrame of the cell text, with the column _county of each row's county
    columns: dict[str, str]  # contract column -> header


def _read_tables(national: Path):
    import pandas as pd

    from westaudit.intake.filereader import match_headers
    from westaudit.spec.tables import load_contract

    contract = load_contract()
    by_stem = {stem: spec for spec in contract.values() for stem in spec.file_stems()}
    tables: dict[str, tuple[object, _Table]] = {}
    for path in sorted(national.glob("*.csv")):
        spec = by_stem[path.stem]
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        headers = tuple(frame.columns)
        aliases = {name: list(column.accepted_headers(name)) for name, column in spec.columns.items()}
        columns = {name: header for header, name in match_headers(headers, aliases).mapping.items()}
        tables[spec.name] = (spec, _Table(path.name, headers, frame, columns))
    return contract, tables


def cut_counties(national: Path, work: Path, counties: int) -> list[CountyPackage]:
    """The first `counties` counties' packages (by office id), each a zip of its own rows as written.

    The cut of tests/package_split.py (and westaudit.generate.county) done for every county at once: rows grouped
    by the county owning them, a row referring to a row outside its county left out (a volunteer moved in from
    elsewhere), the offices table cut to the offices the kept rows name and the chain above them."""
    import pandas as pd

    from westaudit.generate.filler import build_order

    manifest = yaml.safe_load((national / "manifest.yaml").read_text(encoding="utf-8"))
    year = int(manifest["year"])
    out = national.parent / "counties"
    done = out / f"cut-{counties}.done"
    contract, tables = _read_tables(national)
    offices = tables["offices"][1]
    office_ids = offices.rows[offices.columns["office_id"]]
    parent = dict(zip(office_ids, offices.rows[offices.columns["parent_id"]], strict=True))
    spellings = {text: code for code, texts in contract["offices"].columns["level"].values.items()
                 for text in (code, *texts)}
    level = dict(zip(office_ids, offices.rows[offices.columns["level"]].str.strip().map(spellings), strict=True))
    chosen = sorted(o for o, lv in level.items() if lv == "county")[:counties]
    if len(chosen) < counties:
        raise SystemExit(f"the package at {national} has {len(chosen)} counties, fewer than {counties}")
    packages = [CountyPackage(o, year, out / f"{o}.zip") for o in chosen]
    if done.exists():
        return packages
    county_of = {o: o for o in chosen} | {o: p for o, p in parent.items() if level[o] == "unit" and p in chosen}

    kept: dict[str, _Table] = {}
    for name in build_order(contract, set()):
        if name == "offices" or name not in tables:
            continue
        spec, table = tables[name]
        frame = table.rows.assign(_county=table.rows[table.columns[spec.owner_column]].map(county_of))
        frame = frame[frame["_county"].notna()]
        for column_name, column in spec.columns.items():
            target, _, key = (column.ref or "").partition(".")
            if column.type == "ref" and target in kept and column_name in table.columns:
                header = table.columns[column_name]
                targets = kept[target]
                inside = pd.MultiIndex.from_arrays([targets.rows["_county"], targets.rows[targets.columns[key]]])
                mine = pd.MultiIndex.from_arrays([frame["_county"], frame[header]])
                frame = frame[frame[header].eq("") | mine.isin(inside)]
        kept[name] = _Table(table.file_name, table.headers, frame, table.columns)

    named: dict[str, set[str]] = {o: {o} for o in chosen}
    for unit, county in county_of.items():
        named[county].add(unit)
    for name, table in kept.items():
        spec = tables[name][0]
        for column_name, column in spec.columns.items():
            if column.type == "office" and column_name in table.columns:
                pairs = table.rows[["_county", table.columns[column_name]]].drop_duplicates()
                for county, office in pairs.itertuples(index=False):
                    if office in parent:
                        named[county].add(office)
    order = {o: n for n, o in enumerate(office_ids)}
    office_rows = dict(zip(office_ids, offices.rows.itertuples(index=False, name=None), strict=True))

    def chain(office: str) -> Iterator[str]:
        while office:
            yield office
            office = parent.get(office) or ""

    groups = {name: dict(tuple(table.rows.groupby("_county", sort=False))) for name, table in kept.items()}
    out.mkdir(parents=True, exist_ok=True)
    for package in packages:
        county = package.office_id
        members = {a for o in named[county] for a in chain(o)}
        with zipfile.ZipFile(package.zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.yaml", yaml.safe_dump(
                {"office_id": county, "year": year, "title": f"{county} 报送"}, allow_unicode=True))
            archive.writestr(offices.file_name, _csv_text(offices.headers, [
                office_rows[o] for o in sorted(members, key=order.__getitem__)]))
            for name, table in kept.items():
                rows = groups[name].get(county)
                cells = [] if rows is None else rows[list(table.headers)].itertuples(index=False, name=None)
                archive.writestr(table.file_name, _csv_text(table.headers, cells))
    done.write_text(str(len(packages)), encoding="utf-8")
    return packages


def _csv_text(headers: tuple[str, ...], rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


# ---- 2. the database and the accounts -------------------------------------------------------------------------

@contextmanager
def throwaway_database(server: str) -> Iterator[str | None]:
    """A new PostgreSQL database on `server`, dropped afterwards; `sqlite`: None (the data folder's file)."""
    if server == "sqlite":
        yield None
        return
    from sqlalchemy import create_engine, text

    name = f"westaudit_load_{secrets.token_hex(5)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _hash_once():
    """argon2-cffi's standard hasher that hashes each password once: every account of the run shares one
    password, and hashing it 4,000 times (0.1 s each) would measure the set-up, not the workspace. The servers
    still verify every login at the standard cost."""
    from argon2 import PasswordHasher

    class HashOnce(PasswordHasher):
        _hashes: dict[str, str] = {}

        def hash(self, password, *, salt=None):  # noqa: A003 - PasswordHasher's own name
            if password not in self._hashes:
                self._hashes[password] = super().hash(password)
            return self._hashes[password]
    return HashOnce()


def open_accounts(store_location: str, packages: list[CountyPackage]) -> None:
    from westaudit.history.store import Store
    from westaudit.workspace.accounts import AccountBook

    book = AccountBook(Store.open(store_location), _hash_once())
    for package in packages:
        book.add(f"{package.office_id}-fill", package.office_id, "fill", PASSWORD, "bench_load")
        book.add(f"{package.office_id}-submit", package.office_id, "submit", PASSWORD, "bench_load")
    book.add("national-review", NATIONAL, "review", PASSWORD, "bench_load")
    book.store.engine.dispose()


# ---- 3. the servers -------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    def cpu_seconds(self) -> float:
        """User and system CPU of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _ready(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        reply = connection.getresponse()
        body = reply.read()
        connection.close()
        return reply.status == 200 and b'"ready":true' in body.replace(b" ", b"")
    except OSError:
        return False


@contextmanager
def servers(count: int, data: Path, database: str | None, national: Path) -> Iterator[list[Server]]:
    westaudit = str(Path(sys.executable).parent / "westaudit")
    # one key for the forms' CSRF tokens in every process (a form served by one is posted to another)
    environment = {**os.environ, "WESTAUDIT_WORKSPACE_SECRET": secrets.token_hex(32)}
    started: list[Server] = []
    try:
        for _ in range(count):
            port = _free_port()
            command = [westaudit, "serve", "--shared", "--offices", str(national), "--data", str(data),
                       "--port", str(port), "--insecure-cookies"] + (["--database", database] if database else [])
            started.append(Server(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                   cwd="/", env=environment), port))
        deadline = time.perf_counter() + STARTUP_LIMIT_SECONDS
        for server in started:
            while not _ready(server.port):
                if server.process.poll() is not None or time.perf_counter() > deadline:
                    raise SystemExit(f"westaudit serve did not start:\n{server.process.stderr.read().decode()[-3000:]}")
                time.sleep(0.1)
        yield started
    finally:
        for server in started:
            server.process.terminate()
        for server in started:
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()


# ---- 4. the clients -------------------------------------------------------------------------------------------

@dataclass
class Timings:
    seconds: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, elapsed: float) -> None:
        with self.lock:
            self.seconds.setdefault(kind, []).append(elapsed)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class Browser:
    """One official's browser: a keep-alive connection to one server and its session cookie."""

    def __init__(self, port: int, timings: Timings) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        self.cookie = ""
        self.timings = timings

    def request(self, kind: str, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None, expect: int = 200) -> tuple[str, str]:
        """The answer's text and Location, its time recorded under `kind`; another status than `expect` fails."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        reply = self.connection.getresponse()
        text = reply.read().decode("utf-8", "replace")
        self.timings.add(kind, time.perf_counter() - started)
        for value in reply.headers.get_all("set-cookie") or []:
            if value.startswith("westaudit_session="):
                self.cookie = value.split(";", 1)[0]
        if reply.status != expect:
            raise RuntimeError(f"{method} {path} answered {reply.status}, not {expect}: {_gist(text)}")
        return text, reply.headers.get("location", "")

    def login(self, username: str) -> None:
        page, _ = self.request("login page", "GET", "/login")
        body = _form({"username": username, "password": PASSWORD, "csrf_token": _token(page)})
        self.request("login", "POST", "/login", body, "application/x-www-form-urlencoded", expect=303)

    def close(self) -> None:
        self.connection.close()


def _form(fields: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode()


def _token(page: str) -> str:
    found = CSRF.search(page)
    if found is None:
        raise RuntimeError(f"no CSRF token in the page: {_gist(page)}")
    return found.group(1)


def _gist(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))[:300]


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = f"westaudit-load-{secrets.token_hex(8)}"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
             "Content-Type: application/zip\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def county_round(package: CountyPackage, port: int, timings: Timings) -> None:
    """What one county does: its 填报 account uploads and reads the check, its 报送 account submits it."""
    filler = Browser(port, timings)
    try:
        filler.login(f"{package.office_id}-fill")
        upload_page, _ = filler.request("upload page", "GET", "/")
        body, content_type = _multipart({"office": package.office_id, "year": str(package.year),
                                         "csrf_token": _token(upload_page)},
                                        package.zip_path.name, package.zip_path.read_bytes())
        _, check = filler.request("upload and check (POST /checks)", "POST", "/checks", body, content_type,
                                  expect=303)
        filler.request("check page", "GET", check)
    finally:
        filler.close()
    submitter = Browser(port, timings)
    try:
        submitter.login(f"{package.office_id}-submit")
        page, _ = submitter.request("check page", "GET", check)
        body = _form({"note": "负载测试：带问题报送 load test", "csrf_token": _token(page)})
        submitter.request("submit", "POST", f"{check}/submission", body, "application/x-www-form-urlencoded",
                          expect=303)
    finally:
        submitter.close()


def run_clients(packages: list[CountyPackage], ports: list[int], concurrency: int, timings: Timings,
                progress: bool = True) -> float:
    """Every county's round by `concurrency` threads, county n against server n mod S; the wall seconds."""
    work: queue.Queue[tuple[int, CountyPackage]] = queue.Queue()
    for item in enumerate(packages):
        work.put(item)
    finished = [0]
    started = time.perf_counter()

    def client() -> None:
        while True:
            try:
                number, package = work.get_nowait()
            except queue.Empty:
                return
            try:
                county_round(package, ports[number % len(ports)], timings)
            except (OSError, RuntimeError, http.client.HTTPException) as exc:
                timings.error(f"{package.office_id}: {exc}")
            with timings.lock:
                finished[0] += 1
                done = finished[0]
            if progress and (done % max(1, len(packages) // 20) == 0 or done == len(packages)):
                print(f"    {done}/{len(packages)} counties submitted, {time.perf_counter() - started:.0f}s",
                      flush=True)

    threads = [threading.Thread(target=client, name=f"county-client-{n}") for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


class LoadSampler:
    """The machine's 1-minute load average every few seconds while the clients run (the neighbours' share)."""

    def __init__(self, every: float = 5.0) -> None:
        self.samples: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# ---- 5. stored once -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    rows: int
    offices: int
    files: int
    hashes_match: bool
    one_hash_per_office: bool

    def exactly_once(self, counties: int) -> bool:
        return (self.rows == self.offices == self.files == counties and self.hashes_match
                and self.one_hash_per_office)


def stored_submissions(store_location: str, data: Path) -> Stored:
    from sqlalchemy import select

    from westaudit.history.store import Store
    from westaudit.workspace.submissions import submissions

    store = Store.open(store_location)
    with store.engine.connect() as conn:
        rows = conn.execute(select(submissions.c.office_id, submissions.c.sha256, submissions.c.stored_as)).all()
    store.engine.dispose()
    files = [p for p in (data / "submissions").rglob("*") if p.is_file()]
    hashes_match = all(hashlib.sha256((data / row.stored_as).read_bytes()).hexdigest() == row.sha256 for row in rows)
    per_office: dict[str, set[str]] = {}
    for row in rows:
        per_office.setdefault(row.office_id, set()).add(row.sha256)
    return Stored(len(rows), len(per_office), len(files), hashes_match,
                  all(len(hashes) == 1 for hashes in per_office.values()))


# ---- 6. the national consolidation ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Consolidation:
    state: str
    merged: int | None
    seconds: float
    stages: list[tuple[float, str]]


def consolidate_nationally(port: int, year: int, timings: Timings, echo: bool = True) -> Consolidation:
    """The national 审核 account starts the consolidation and polls its job page once a second until it ends."""
    browser = Browser(port, timings)
    try:
        browser.login("national-review")
        page, _ = browser.request("consolidation page", "GET", "/consolidations")
        started = time.perf_counter()
        _, job = browser.request("start consolidation", "POST", "/consolidations",
                                 _form({"year": str(year), "csrf_token": _token(page)}),
                                 "application/x-www-form-urlencoded", expect=303)
        stages: list[tuple[float, str]] = []
        while True:
            page, _ = browser.request("job page", "GET", job)
            found = JOB_STATE.search(page)
            state = found.group(1) if found else "?"
            progress = JOB_PROGRESS.search(page)
            stage = state + (f"：{progress.group(1)}" if progress else "")
            elapsed = time.perf_counter() - started
            if not stages or stages[-1][1] != stage:
                stages.append((elapsed, stage))
                if echo:
                    print(f"    {time.strftime('%H:%M:%S')} +{elapsed:6.1f}s  {stage}", flush=True)
            if state in ("已完成", "失败") or elapsed > CONSOLIDATION_LIMIT_SECONDS:
                merged = JOB_MERGED.search(page)
                return Consolidation(state, int(merged.group(1)) if merged else None, elapsed, stages)
            time.sleep(1)
    finally:
        browser.close()


# ---- the run --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadRun:
    counties: int
    wall: float
    timings: Timings
    stored: Stored
    consolidation: Consolidation | None
    load: list[float]
    server_cpu: float


def run_load(counties: int, concurrency: int, server_count: int, work: Path, database: str, seed: int = 1,
             consolidation: bool = True, echo: bool = True) -> LoadRun:
    say = print if echo else (lambda *_a, **_k: None)
    national = national_package(work, counties, seed)
    started = time.perf_counter()
    packages = cut_counties(national, work, counties)
    say(f"  {counties} county packages cut from {national} in {time.perf_counter() - started:.1f}s "
        f"({sum(p.zip_path.stat().st_size for p in packages) / counties / 1024:.0f} KB zipped on average)")
    data = work / "serve-data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    with throwaway_database(database) as location:
        store_location = location or str(data / "audits.sqlite")
        started = time.perf_counter()
        open_accounts(store_location, packages)
        say(f"  {2 * counties + 1} accounts opened in {time.perf_counter() - started:.1f}s; starting {server_count} "
            f"server(s) on {'SQLite' if location is None else 'PostgreSQL'}")
        with servers(server_count, data, location, national) as running:
            timings = Timings()
            cpu_before = sum(s.cpu_seconds() for s in running)
            with LoadSampler() as load:
                wall = run_clients(packages, [s.port for s in running], concurrency, timings, echo)
            server_cpu = sum(s.cpu_seconds() for s in running) - cpu_before
            run = LoadRun(counties, wall, timings, stored_submissions(store_location, data), None, load.samples,
                          server_cpu)
            if echo:  # the clients' figures before the consolidation, which may take far longer
                report_clients(run, concurrency, server_count)
            if consolidation:
                say(f"  national consolidation of {run.stored.rows} submissions (POST /consolidations, job page "
                    "polled):")
                run = dataclasses.replace(run, consolidation=consolidate_nationally(
                    running[0].port, packages[0].year, Timings(), echo))
    return run


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def report_clients(run: LoadRun, concurrency: int, server_count: int) -> None:
    print(f"  {run.counties} counties, {concurrency} clients, {server_count} server(s): wall {run.wall:.1f}s, "
          f"{run.counties / run.wall * 60:.1f} counties submitted a minute; the servers' CPU {run.server_cpu:.0f}s "
          f"({run.server_cpu / run.counties:.2f}s a county); load average during the run "
          f"{statistics.mean(run.load):.1f} (max {max(run.load):.1f}, {len(run.load)} samples)")
    print(f"    {'request':<34} {'n':>6} {'p50':>7} {'p95':>7} {'max':>7}")
    for kind, values in run.timings.seconds.items():
        if values:
            print(f"    {kind:<34} {len(values):>6} {statistics.median(values):6.2f}s "
                  f"{_percentile(values, 0.95):6.2f}s {max(values):6.2f}s")
    uploads = run.timings.seconds["upload and check (POST /checks)"]
    if uploads:
        p95 = _percentile(uploads, 0.95)
        print(f"    p95 of the checks of county packages: {p95:.2f}s, target < 2 s: {'met' if p95 < 2 else 'NOT met'}")
    for error in run.timings.errors[:20]:
        print(f"    error: {error}")
    stored = run.stored
    print(f"  stored: {stored.rows} rows in workspace_submissions for {stored.offices} offices, {stored.files} files "
          f"on disk, SHA-256 of every file = its row's: {stored.hashes_match}, one SHA-256 per office: "
          f"{stored.one_hash_per_office} -> every submission stored exactly once: "
          f"{stored.exactly_once(run.counties)}", flush=True)


def succeeded(run: LoadRun) -> bool:
    """Every county's round answered as expected, every submission stored once, the consolidation (if run)
    done with all of them."""
    job = run.consolidation
    return (run.stored.exactly_once(run.counties) and not run.timings.errors
            and (job is None or (job.state == "已完成" and job.merged == run.counties)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/westaudit-load-bench"))
    parser.add_argument("--database", default=os.environ.get("WESTAUDIT_BENCH_POSTGRES_URL", POSTGRES_SERVER),
                        help="a PostgreSQL server's URL (a database is created on it for the run and dropped), "
                             "or sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-consolidation", dest="consolidation", action="store_false")
    args = parser.parse_args()
    if args.counties < 1 or args.concurrency < 1 or args.servers < 1:
        parser.error("--counties, --concurrency and --servers are at least 1")
    print(f"load benchmark: {args.counties} counties, --concurrency {args.concurrency}, --servers {args.servers}; "
          f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    run = run_load(args.counties, args.concurrency, args.servers, args.work, args.database, args.seed,
                   args.consolidation)
    job = run.consolidation
    if job is not None:
        print(f"  consolidation: {job.state}, {job.merged} submissions merged, {job.seconds:.1f}s from the request")
    ok = succeeded(run)
    print(f"  load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
