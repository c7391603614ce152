from pathlib import Path

import pytest

from westaudit.ruleset import RULES_DIR, load_ruleset

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data_samples" / "west2025"


@pytest.fixture(scope="session")
def ruleset():
    return load_ruleset(RULES_DIR)
