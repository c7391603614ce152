"""The 下载填报模板 button: GET /template.xlsx gives the office's template for the year, as `westaudit template`."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE
from westaudit.intake.filereader import INSTRUCTIONS_SHEET
from westaudit.workspace.app import create_app
from westaudit.workspace.settings import Settings
from workspace_packages import COUNTY, YEAR


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("data"), hierarchy=SAMPLE))) as test_client:
        yield test_client


def test_the_upload_page_offers_the_template_and_the_download_is_the_office_s(client):
    assert 'action="/template.xlsx"' in client.get("/").text and "下载填报模板" in client.get("/").text
    answer = client.get("/template.xlsx", params={"office": COUNTY, "year": str(YEAR)})
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    assert book.sheetnames[0] == INSTRUCTIONS_SHEET and "组织机构" in book.sheetnames
    facts = [cell for row in book[INSTRUCTIONS_SHEET].iter_rows(max_row=30, values_only=True) for cell in row if cell]
    assert COUNTY in facts and any(str(YEAR) in str(cell) for cell in facts)
    again = client.get("/template.xlsx", params={"office": COUNTY, "year": str(YEAR)})
    assert again.content == answer.content  # written once per office, year and rule-set version


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"office": COUNTY, "year": "二〇二五"}, 400, "审计年度「二〇二五」无效"),
    ({"office": "XX-NOWHERE", "year": "2025"}, 422, "不在本工作台的组织机构中"),
    ({"year": "2025"}, 200, "下载填报模板"),  # no office chosen: the page to choose one
])
def test_a_wrong_office_or_year_is_told_on_the_page(client, params, status, message):
    answer = client.get("/template.xlsx", params=params)
    assert answer.status_code == status and message in answer.text


def test_a_workspace_without_a_hierarchy_has_no_template_to_offer(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path / "data"))) as client:
        assert "下载填报模板" not in client.get("/").text
        answer = client.get("/template.xlsx", params={"office": COUNTY, "year": "2025"})
        assert answer.status_code == 404 and "westaudit template" in answer.text
