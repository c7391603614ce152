from pathlib import Path

import pytest

from westaudit.spec.ruleset import RULES_DIR

# the YAML rule cases of rules/ (testpaths) are collected by rule_cases_plugin, one item per case; pytester
# runs that plugin on a case made to fail
pytest_plugins = ["rule_cases_plugin", "pytester"]

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data_samples" / "west2025"
FIXED_SAMPLE = SAMPLE.parent / "west2025_fixed"


@pytest.fixture(scope="session")
def ruleset():
    # the plugin's own rule set, so the YAML cases and the tests share one; imported here, once pytest_plugins
    # has imported it (and rewritten its asserts)
    from rule_cases_plugin import ruleset_of

    return ruleset_of(RULES_DIR)


# Loading the sample types every table through Great Expectations (seconds); the tests that only read the
# loaded sample or its audit share one of each per session. None of them writes to a package or a report.
# (Imported inside: a run of a file that needs none of these does not pay for Great Expectations.)
@pytest.fixture(scope="session")
def sample_package(ruleset):
    from westaudit.intake.package import load_package

    return load_package(SAMPLE, ruleset.contract)


@pytest.fixture(scope="session")
def sample_audit(sample_package, ruleset):
    from westaudit.evaluate.audit import run_audit

    return run_audit(sample_package, ruleset)


@pytest.fixture(scope="session")
def fixed_sample_audit(ruleset):
    from westaudit.evaluate.audit import run_audit
    from westaudit.intake.package import load_package

    return run_audit(load_package(FIXED_SAMPLE, ruleset.contract), ruleset)


@pytest.fixture(autouse=True)
def _private_audit_store(tmp_path_factory, monkeypatch):
    # audit/check record every run; no test may read or write the user's own store or waivers
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("WESTAUDIT_STORE", str(home / "audits.sqlite"))
    monkeypatch.delenv("WESTAUDIT_WAIVERS", raising=False)
