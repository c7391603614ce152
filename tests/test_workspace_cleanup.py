"""Cleaning old checks (Settings.keep_checks, serve --keep-checks): an office's checks beyond its last N lose their
uploaded files, keep their page and report; other offices and submitted checks keep everything."""

from __future__ import annotations

import io

from conftest import SAMPLE
from westaudit.cli import build_parser
from westaudit.commands.serve import settings_of
from westaudit.workspace.app import create_app
from westaudit.workspace.selfcheck import OUTCOME_JSON, PACKAGE_DIR, REPORT_DIR, Upload, Workspace
from westaudit.workspace.settings import Settings
from workspace_packages import COUNTY, YEAR, LocalClient, filled_workbook

OTHER_COUNTY = "GS-LZ-YZ"


def _upload(workspace: Workspace, workbook: bytes, office: str = COUNTY):
    return workspace.receive([Upload(f"{office}.xlsx", io.BytesIO(workbook))], office, str(YEAR))


def test_only_the_last_checks_of_an_office_keep_their_files(tmp_path):
    workbook = filled_workbook(SAMPLE, tmp_path / "wb").read_bytes()
    other = filled_workbook(SAMPLE, tmp_path / "other", office=OTHER_COUNTY).read_bytes()
    settings = Settings(data_dir=tmp_path / "data", hierarchy=SAMPLE, keep_checks=2)
    workspace = Workspace(settings)
    neighbour = _upload(workspace, other, OTHER_COUNTY)
    submitted = _upload(workspace, workbook)
    workspace.book.set_submission(submitted.check_id, "报送包.zip", None)
    oldest, middle, latest = (_upload(workspace, workbook) for _ in range(3))

    def kept(record) -> bool:
        return workspace.has_package(record.check_id)

    assert not kept(oldest) and kept(middle) and kept(latest)
    assert kept(submitted) and kept(neighbour)  # sent with its files; another office's last check
    folder = workspace.folder(oldest.check_id)
    assert (folder / OUTCOME_JSON).is_file() and (folder / REPORT_DIR / "findings.xlsx").is_file()
    assert not (folder / PACKAGE_DIR).exists()

    with LocalClient(create_app(settings, workspace)) as client:
        assert client.get(f"/checks/{oldest.check_id}").status_code == 200
        assert client.get(f"/checks/{oldest.check_id}/findings.xlsx").status_code == 200
        csrf = client.get(f"/checks/{oldest.check_id}").text.split('name="csrf_token" value="')
        form = {"note": "带问题报送"} | ({"csrf_token": csrf[1].split('"')[0]} if len(csrf) > 1 else {})
        refused = client.post(f"/checks/{oldest.check_id}/submission", data=form)
        assert refused.status_code == 410 and "已按保留设置清理" in refused.text


def test_every_check_is_kept_by_default_and_serve_sets_the_limit(tmp_path):
    assert Settings(data_dir=tmp_path).keep_checks is None
    parser = build_parser()
    assert settings_of(parser.parse_args(["serve", "--data", str(tmp_path), "--keep-checks", "3"])).keep_checks == 3
    assert settings_of(parser.parse_args(["serve", "--data", str(tmp_path)])).keep_checks is None
    assert settings_of(parser.parse_args(["serve", "--data", str(tmp_path), "--keep-checks", "0"])).keep_checks is None
