"""The web workspace: how long `westaudit serve` takes to answer, and how long one upload takes to be answered.

Run: .venv/bin/python benchmarks/bench_workspace.py [--scale 1] [--seed 1] [--work DIR] [--runs 5]

Not a test. The largest county of a generated national package at --scale (its own package, as bench_audit's
self-check uses; generated into --work the first time) is typed into its template workbook
(`westaudit template --package`, then the rows filled in as tests/package_split.py fills them). Then:
  start-up: `westaudit serve` in a fresh process until GET /healthz answers, and until it says the audit's
  libraries are loaded (they load in the background; a check waits for them), median of --runs starts;
  per upload: POST /checks of the workbook to one running server until its 303 answer, the first upload
  (nothing cached yet) apart from the median of the next --runs (issue 17's target: under 1 s);
  the same upload's stages measured inside one process (staging, reading and validating, the audit and the
  store, the report files), to show where the time goes.
Wall time on a shared 2-core machine is noisy: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from bench_audit import _generate  # noqa: E402  (the package bench_audit's self-check uses)

from package_split import fill_template  # noqa: E402
from workspace_packages import form_token_of  # noqa: E402  (the page's CSRF token and session, as the tests read them)

VIOLATIONS = 0.02
STARTUP_LIMIT_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workbook(county: Path, work: Path, office: str, year: int) -> Path:
    workbook = work / "workbook" / f"{office}-{year}.xlsx"
    if not workbook.exists():
        westaudit = str(Path(sys.executable).parent / "westaudit")
        subprocess.run([westaudit, "template", "--office", office, "--year", str(year), "--out", str(workbook),
                        "--package", str(county)], check=True, stdout=subprocess.DEVNULL)
        fill_template(workbook, county)
    return workbook


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "westaudit-bench-boundary"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _health(port: int) -> dict | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        reply = connection.getresponse()
        answer = json.loads(reply.read()) if reply.status == 200 else None
        connection.close()
        return answer
    except OSError:
        return None


def _start(data: Path) -> tuple[subprocess.Popen, int, float, float]:
    """The server, its port, seconds until it answers and seconds until its audit libraries are loaded."""
    port = _free_port()
    westaudit = str(Path(sys.executable).parent / "westaudit")
    started = time.perf_counter()
    process = subprocess.Popen([westaudit, "serve", "--data", str(data), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/")
    answering = None
    while True:
        health = _health(port)
        if health is not None and answering is None:
            answering = time.perf_counter() - started
        if health is not None and health["ready"]:
            return process, port, answering, time.perf_counter() - started
        if process.poll() is not None or time.perf_counter() - started > STARTUP_LIMIT_SECONDS:
            process.kill()
            raise SystemExit(f"westaudit serve did not start:\n{process.stderr.read().decode()[-3000:]}")
        time.sleep(0.02)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its finished children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _upload(port: int, body: bytes, content_type: str, cookie: str) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("POST", "/checks", body=body, headers={"Content-Type": content_type, "Cookie": cookie})
    reply = connection.getresponse()
    reply.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if reply.status != 303:
        raise SystemExit(f"upload answered {reply.status}")
    return elapsed


def _stages(workbook: Path, work: Path, office: str, year: int, runs: int) -> dict[str, tuple[float, float]]:
    """The upload's stages inside one process (the second and later uploads: libraries loaded, suites built)."""
    from westaudit.evaluate.audit import run_audit
    from westaudit.intake.package import load_package
    from westaudit.reports.site import write_site
    from westaudit.workspace.selfcheck import Upload, Workspace
    from westaudit.workspace.settings import Settings
    from westaudit.workspace.staging import ReceivedFile, stage_upload

    workspace = Workspace(Settings(data_dir=work / "stages-data"))
    data = workbook.read_bytes()
    workspace.receive([Upload(workbook.name, io.BytesIO(data))], office, str(year))  # warms every cache
    figures: dict[str, list[tuple[float, float]]] = {}

    def timed(name, work_):
        # CPU seconds beside wall: on a shared machine the wall time measures the neighbours too
        started, cpu = time.perf_counter(), time.process_time()
        value = work_()
        figures.setdefault(name, []).append((time.perf_counter() - started, time.process_time() - cpu))
        return value

    for n in range(runs):
        folder = work / "stages" / str(n)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copy(workbook, folder / workbook.name)
        staged = timed("staging (inspect the workbook, read its 填报须知)", lambda f=folder: stage_upload(
            [ReceivedFile(workbook.name, f / workbook.name)], office, str(year), f / "staged",
            workspace.settings.limits))
        package = timed("read, type and validate", lambda s=staged: load_package(
            s.folder, workspace.ruleset.contract, validator=workspace.settings.validator))
        report = timed("audit", lambda p=package: run_audit(p, workspace.ruleset))
        timed("report files (HTML, findings.xlsx)", lambda r=report, p=package, f=folder: write_site(
            r, workspace.ruleset.articles, p.tables, f / "report", "zh"))
        timed("the whole upload (Workspace.receive)", lambda: workspace.receive(
            [Upload(workbook.name, io.BytesIO(data))], office, str(year)))
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/westaudit-workspace-bench"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    county = _generate(args.work, args.scale, args.seed, VIOLATIONS, county=True)
    manifest = yaml.safe_load((county / "manifest.yaml").read_text(encoding="utf-8"))
    office, year = str(manifest["office_id"]), int(manifest["year"])
    workbook = _workbook(county, args.work, office, year)
    print(f"county {office} (largest at N={args.scale:g}), workbook {workbook} ({workbook.stat().st_size // 1024} KB); "
          f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")

    answering, ready = [], []
    for n in range(args.runs):
        data = args.work / "serve-data" / f"start{n}"
        shutil.rmtree(data, ignore_errors=True)
        process, _, up, warm = _start(data)
        _stop(process)
        answering.append(up)
        ready.append(warm)
    print(f"  start-up (westaudit serve until /healthz answers): median {statistics.median(answering):.2f}s "
          f"(runs: {', '.join(f'{s:.2f}' for s in answering)})")
    print(f"  until the audit libraries are loaded (/healthz ready): median {statistics.median(ready):.2f}s "
          f"(runs: {', '.join(f'{s:.2f}' for s in ready)})")

    data = args.work / "serve-data" / "uploads"
    shutil.rmtree(data, ignore_errors=True)
    process, port, _, _ = _start(data)
    try:
        token, cookie = form_token_of(port)
        body, content_type = _multipart({"office": office, "year": str(year), "csrf_token": token}, workbook.name,
                                        workbook.read_bytes())
        first = _upload(port, body, content_type, cookie)
        later, server_cpu = [], []
        for _ in range(args.runs):
            before = _cpu_seconds(process.pid)
            later.append(_upload(port, body, content_type, cookie))
            server_cpu.append(_cpu_seconds(process.pid) - before)
    finally:
        _stop(process)
    print(f"  per upload (POST /checks of the workbook until its answer): first {first:.2f}s, then median "
          f"{statistics.median(later):.2f}s (runs: {', '.join(f'{s:.2f}' for s in later)})")
    print(f"  the server's CPU per upload (what the neighbours on a shared machine do not inflate): median "
          f"{statistics.median(server_cpu):.2f}s (runs: {', '.join(f'{s:.2f}' for s in server_cpu)})")
    print("  stages inside one process, median of --runs after a first upload:")
    for name, (wall, cpu) in _stages(workbook, args.work, office, year, args.runs).items():
        print(f"    {name:<52} wall {wall:6.2f}s  cpu {cpu:6.2f}s")
    print(f"  load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
