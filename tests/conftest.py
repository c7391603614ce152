from pathlib import Path

import pytest

from westaudit.spec.ruleset import RULES_DIR, load_ruleset

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data_samples" / "west2025"


@pytest.fixture(scope="session")
def ruleset():
    return load_ruleset(RULES_DIR)


@pytest.fixture(autouse=True)
def _private_audit_store(tmp_path_factory, monkeypatch):
    # audit/check record every run; no test may read or write the user's own store or waivers
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("WESTAUDIT_STORE", str(home / "audits.sqlite"))
    monkeypatch.delenv("WESTAUDIT_WAIVERS", raising=False)
