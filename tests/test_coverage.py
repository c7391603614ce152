"""Every duty article of the source document is a checked rule, and the sample exercises each one both ways."""

import datetime as dt

import pytest

from conftest import REPO
from westaudit.core.results import Status
from westaudit.spec.ruleset import RULES_DIR, load_articles

SEED = REPO.parent / "shared" / "seed" / "articles.tsv"


def test_the_project_articles_are_the_source_documents():
    if not SEED.exists():
        pytest.skip(f"{SEED} is not beside this checkout")
    assert load_articles(RULES_DIR / "articles.tsv") == load_articles(SEED)


def test_89_articles_each_have_a_rule_and_no_rule_cites_another(ruleset):
    articles = load_articles(RULES_DIR / "articles.tsv")
    assert len(articles) == 89
    covered = {(rule.office, rule.article) for rule in ruleset.rules}
    assert sorted(set(articles) - covered) == []
    assert sorted(covered - set(articles)) == []
    for rule in ruleset.rules:
        assert rule.citation == articles[(rule.office, rule.article)].text, rule.id


@pytest.fixture(scope="module")
def sample_statuses(ruleset, sample_audit, fixed_sample_audit):
    statuses: dict[tuple[str, int], set[Status]] = {}
    by_id = {rule.id: rule for rule in ruleset.rules}
    for audit in (sample_audit, fixed_sample_audit):
        for result in audit.results:
            rule = by_id[result.rule_id]
            statuses.setdefault((rule.office, rule.article), set()).add(result.verdict)
    return statuses


def test_every_article_passes_somewhere_and_fails_somewhere_in_the_samples(ruleset, sample_statuses):
    # an article whose rules are all out of force in the sample's year is judged both ways by its rule cases
    # (university-08: 就业报到证, in force up to 2022)
    out_of_force = {(rule.office, rule.article) for rule in ruleset.rules if not rule.in_force_on(dt.date(2025, 12, 31))}
    assert out_of_force == {("university", 8)} and sample_statuses[("university", 8)] == {Status.NOT_APPLICABLE}
    one_sided = {f"{office}-{article:02d}": sorted(s.value for s in statuses)
                 for (office, article), statuses in sample_statuses.items()
                 if not {Status.PASS, Status.FAIL} <= statuses and (office, article) not in out_of_force}
    assert one_sided == {}
    assert len(sample_statuses) == 89
