from conftest import REPO
from westaudit.spec.contractdoc import contract_markdown


def test_tables_doc_is_generated_from_the_contract():
    committed = (REPO / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == contract_markdown(), "run: python -m westaudit.spec.contractdoc > docs/tables.md"
