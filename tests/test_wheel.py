"""A plain (not editable) install works: the wheel carries every module, the rules, the contract and the templates.

The wheel is built from a copy of the checkout (setuptools writes build/ and *.egg-info beside the sources,
and a stale build/lib would hide a forgotten package), through pip's isolated build, the way `pip install .`
builds it. It is installed `--no-deps` into a fresh virtualenv; the dev venv's site-packages is appended there
by a `.pth` line as a plain path entry, so the dependencies resolve without minutes of installing, while the
dev venv's own .pth files (among them the editable finder that maps westaudit to this checkout) stay
unprocessed. A read guard (an audit hook started by another `.pth`) logs every file opened and every folder
listed inside the checkout, outside the dev venv: an installed westaudit must need none of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from westaudit.reports.report_json import results_of
from westaudit.spec.ruleset import RULES_DIR, rule_files

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data_samples" / "west2025"
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
# not part of a build: version control, environments, caches, outputs
NOT_SOURCES = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", "build", "dist", "*.egg-info", "out")

READ_GUARD = '''\
"""Test-only: log every file opened or folder listed under WESTAUDIT_GUARD_ROOT, outside its allowed prefixes."""
import os
import sys

_ROOT = os.environ.get("WESTAUDIT_GUARD_ROOT")
_LOG = os.environ.get("WESTAUDIT_GUARD_LOG")
if _ROOT and _LOG:
    _ALLOWED = tuple(os.environ["WESTAUDIT_GUARD_ALLOWED"].split(os.pathsep))
    _FD = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)  # opened before the hook: os.write is not audited
    _busy = []

    def _guard(event, args):
        if _busy or event not in ("open", "os.scandir", "os.listdir", "glob.glob") or not args:
            return
        target = args[0]
        if target is None or isinstance(target, int):
            return
        _busy.append(True)
        try:
            path = os.path.realpath(os.path.join(os.getcwd(), os.fsdecode(target)))
            if (path == _ROOT or path.startswith(_ROOT + os.sep)) and not path.startswith(_ALLOWED):
                os.write(_FD, f"{event} {path}\\n".encode())
        finally:
            _busy.pop()

    sys.addaudithook(_guard)
'''


def _run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8")


def _wheel_name(package: str, relative: Path) -> str:
    return "/".join([*package.split("."), *relative.parts])


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", work / "dist", source], cwd=work)
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = (work / "dist").glob("westaudit-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict[str, Path]:
    """A fresh venv outside the checkout with the wheel installed and the read guard in place."""
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv.parent)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    done = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel],
                cwd=venv.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    asked = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=venv.parent)
    site_packages = Path(asked.stdout.strip())
    (site_packages / "westaudit_test_dev_site_packages.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    (site_packages / "westaudit_test_read_guard.py").write_text(READ_GUARD, encoding="utf-8")
    (site_packages / "westaudit_test_read_guard.pth").write_text("import westaudit_test_read_guard\n",
                                                                 encoding="utf-8")
    return {"venv": venv, "python": python, "westaudit": venv / "bin" / "westaudit", "site_packages": site_packages}


@pytest.fixture
def guarded(tmp_path) -> tuple[dict[str, str], Path]:
    """Environment for a run of the installed CLI: own home and store, the read guard watching the checkout."""
    log = tmp_path / "checkout_reads.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env |= {"HOME": str(tmp_path / "home"), "WESTAUDIT_STORE": str(tmp_path / "home" / "audits.sqlite"),
            "WESTAUDIT_GUARD_ROOT": os.path.realpath(REPO), "WESTAUDIT_GUARD_LOG": str(log),
            "WESTAUDIT_GUARD_ALLOWED": os.path.realpath(sys.prefix) + os.sep}
    env.pop("WESTAUDIT_WAIVERS", None)
    (tmp_path / "home").mkdir()
    return env, log


def _expected_wheel_files() -> set[str]:
    """Every file of the mapped source folders, by the name it must have in the wheel."""
    expected = set()
    for package, folder in SETUPTOOLS["package-dir"].items():
        root = REPO / folder
        for path in root.rglob("*"):
            relative = path.relative_to(root)
            if not path.is_file() or "__pycache__" in relative.parts or path.suffix == ".pyc":
                continue
            expected.add(_wheel_name(package, relative))
    return expected


def test_wheel_carries_exactly_the_source_folders(wheel):
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if ".dist-info/" not in name}
    expected = _expected_wheel_files()
    assert sorted(expected - shipped) == [], "in the source folders but not in the wheel (pyproject packages?)"
    assert sorted(shipped - expected) == [], "in the wheel but not in the source folders"
    assert "westaudit/rules/fixtures/org.yaml" in shipped and "westaudit/rules/articles.tsv" in shipped


def test_installed_package_is_the_wheel_not_the_checkout(installed, guarded):
    env, _ = guarded
    probe = ("import json, westaudit, westaudit.checks, westaudit.reports\n"
             "from westaudit.spec.ruleset import CONTRACT_DIR, RULES_DIR\n"
             "print(json.dumps([westaudit.__file__, westaudit.checks.__file__, westaudit.reports.__file__,"
             " str(RULES_DIR), str(CONTRACT_DIR)]))")
    shown = _run([installed["python"], "-c", probe], cwd=installed["venv"].parent, env=env)
    assert shown.returncode == 0, shown.stderr
    site_packages = installed["site_packages"].resolve()
    for location in json.loads(shown.stdout):
        assert Path(location).resolve().is_relative_to(site_packages), location


def test_read_guard_sees_a_read_of_the_checkout(installed, guarded, tmp_path):
    """The guard below must be able to fail: a deliberate read of the checkout is logged."""
    env, log = guarded
    read = _run([installed["python"], "-c", f"open({str(REPO / 'pyproject.toml')!r}).close()"], cwd=tmp_path, env=env)
    assert read.returncode == 0, read.stderr
    assert f"open {os.path.realpath(REPO / 'pyproject.toml')}" in log.read_text(encoding="utf-8")


def test_installed_audit_of_the_sample_reads_nothing_from_the_checkout(installed, guarded, tmp_path):
    env, log = guarded
    package = tmp_path / "west2025"
    shutil.copytree(SAMPLE, package, ignore=shutil.ignore_patterns("westaudit-receipt.yaml"))
    out = tmp_path / "report"
    audited = _run([installed["westaudit"], "audit", package, "--out", out], cwd=tmp_path, env=env)
    assert audited.returncode == 1, audited.stdout + audited.stderr  # the sample's planted failures
    assert (out / "index.html").is_file()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rule_count = len(rule_files(RULES_DIR))
    assert rule_count == 117
    assert len(report["rules"]) == rule_count
    assert len({result["rule_id"] for result in results_of(report)}) == rule_count
    assert not log.exists() or log.read_text(encoding="utf-8") == ""


def test_installed_rules_commands_read_nothing_from_the_checkout(installed, guarded, tmp_path):
    env, log = guarded
    listed = _run([installed["westaudit"], "rules", "list"], cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"{len(rule_files(RULES_DIR))} rules" in listed.stdout
    # one rule's cases: its *.test.yaml and the shared rules/fixtures/org.yaml come from the installed package
    tested = _run([installed["westaudit"], "rules", "test", "service_county-09"], cwd=tmp_path, env=env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert " 0 failed" in tested.stdout
    assert not log.exists() or log.read_text(encoding="utf-8") == ""
