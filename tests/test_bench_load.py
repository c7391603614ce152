"""The load benchmark's own functions at a small size (benchmarks/bench_load.py): three counties' packages cut
from a generated national package, two concurrent clients uploading and submitting through real `westaudit serve
--shared` processes, every submission stored exactly once, and the national consolidation of all three through
its route. On SQLite, and on PostgreSQL when WESTAUDIT_TEST_POSTGRES_URL names a server. No time is asserted:
the figures are the benchmark's (benchmarks/README.md, "Shared workspace under load")."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from shared_workspace import POSTGRES_ENV

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench_load  # noqa: E402  (a benchmark script, not a package)

COUNTIES = 3


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("load")


def test_each_county_package_is_its_own_subtree(work):
    national = bench_load.national_package(work, COUNTIES, seed=1)
    packages = bench_load.cut_counties(national, work, COUNTIES)
    assert len({p.office_id for p in packages}) == COUNTIES
    for package in packages:
        with zipfile.ZipFile(package.zip_path) as archive:
            manifest = yaml.safe_load(archive.read("manifest.yaml"))
            offices = archive.read("组织机构.csv").decode("utf-8-sig").splitlines()
        assert manifest["office_id"] == package.office_id
        listed = {line.split(",")[0] for line in offices[1:]}
        assert {package.office_id, bench_load.NATIONAL} <= listed
        others = {p.office_id for p in packages} - {package.office_id}
        assert not others & listed, "a sibling county travels in another county's package"


@pytest.mark.parametrize("server", [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(os.environ.get(POSTGRES_ENV, ""), id="postgresql", marks=pytest.mark.skipif(
        not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set: no PostgreSQL server"))])
def test_every_submission_is_stored_once_and_consolidated(work, server):
    run = bench_load.run_load(COUNTIES, concurrency=2, server_count=1, work=work, database=server, echo=False)
    assert run.timings.errors == []
    assert len(run.timings.seconds["upload and check (POST /checks)"]) == COUNTIES
    assert len(run.timings.seconds["submit"]) == COUNTIES
    assert run.stored == bench_load.Stored(rows=COUNTIES, offices=COUNTIES, files=COUNTIES, hashes_match=True,
                                           one_hash_per_office=True)
    assert run.stored.exactly_once(COUNTIES)
    assert run.consolidation is not None
    assert (run.consolidation.state, run.consolidation.merged) == ("已完成", COUNTIES)
    stages = [stage for _, stage in run.consolidation.stages]
    assert stages[-1] == "已完成" and all(stage.startswith(("排队中", "进行中")) for stage in stages[:-1])


def test_a_second_submission_of_an_office_is_not_stored_once():
    twice = bench_load.Stored(rows=COUNTIES + 1, offices=COUNTIES, files=COUNTIES + 1, hashes_match=True,
                              one_hash_per_office=False)
    assert not twice.exactly_once(COUNTIES)
