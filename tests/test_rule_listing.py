"""`rules list` from the cached listing (engine/spec/rule_listing.py): a hit is exactly the validated listing,
every change of an input is a miss, a damaged cache is never trusted, and a warm `rules list` loads no pydantic."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from westaudit.cli import main
from westaudit.core.errors import SpecError
from westaudit.spec import rule_listing
from westaudit.spec.ruleset import RULES_DIR, load_ruleset


@pytest.fixture
def rules(tmp_path, monkeypatch):
    monkeypatch.setenv(rule_listing.CACHE_ENV, str(tmp_path / "cache"))
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def _cache_files(rules) -> list:
    return sorted(rule_listing.cache_dir().glob("rule-listing-*.json"))


def _no_validation(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("the rule set was validated: the cache was not used")

    monkeypatch.setattr("westaudit.spec.ruleset.load_ruleset", refuse)


def test_a_hit_is_the_validated_listing_and_validates_nothing(rules, monkeypatch, capsys):
    validated = rule_listing.listing_of(load_ruleset(rules))
    assert rule_listing.rule_listing(rules) == validated  # a miss: validated and written
    assert len(_cache_files(rules)) == 1
    _no_validation(monkeypatch)
    assert rule_listing.rule_listing(rules) == validated
    assert main(["--rules", str(rules), "rules", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{len(validated.rules)} rules, rule-set version {validated.version}" in out
    first = validated.rules[0]
    assert f"{first.id:<36} {first.kind:<14} {first.severity:<8} {first.title_zh}" in out


def test_a_changed_rule_file_is_a_miss_and_a_broken_one_an_error(rules):
    rule_listing.rule_listing(rules)
    path = next(rules.glob("*/*-0*.yaml"))
    text = path.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title_zh:"))
    path.write_text(text.replace(title, "title_zh: 改过的标题"), encoding="utf-8")
    assert "改过的标题" in {rule.title_zh for rule in rule_listing.rule_listing(rules).rules}
    path.write_text(text.replace("severity:", "severity: [not, a, severity]\nold_severity:"), encoding="utf-8")
    with pytest.raises(SpecError):
        rule_listing.rule_listing(rules)


def test_westaudit_s_version_and_the_validating_code_are_in_the_key(rules, monkeypatch):
    key = rule_listing.cache_key(rules)
    monkeypatch.setattr(rule_listing, "__version__", "99.0")
    assert rule_listing.cache_key(rules) != key
    sources = [str(path) for path in rule_listing._sources(rules)]
    assert any("/checks/" in source and source.endswith(".py") for source in sources)
    assert any(source.endswith("spec/ruleset.py") for source in sources)
    assert any(source.endswith("articles.tsv") for source in sources)


@pytest.mark.parametrize("damage", ["", "not json", "[]", '{"format": 1}', "null"])
def test_a_damaged_cache_is_ignored_and_rewritten(rules, damage):
    listing = rule_listing.rule_listing(rules)
    cache = _cache_files(rules)[0]
    cache.write_text(damage, encoding="utf-8")
    assert rule_listing.rule_listing(rules) == listing
    assert json.loads(cache.read_text(encoding="utf-8"))["rules"]


def test_a_cache_of_another_shape_is_ignored(rules):
    listing = rule_listing.rule_listing(rules)
    cache = _cache_files(rules)[0]
    entry = json.loads(cache.read_text(encoding="utf-8"))
    entry["rules"][0]["kind"] = 7  # a number where text belongs
    cache.write_text(json.dumps(entry), encoding="utf-8")
    assert rule_listing.rule_listing(rules) == listing
    entry["rules"][0] |= {"kind": listing.rules[0].kind, "extra": "x"}
    cache.write_text(json.dumps(entry), encoding="utf-8")
    assert rule_listing.rule_listing(rules) == listing


def test_an_unwritable_cache_folder_is_no_error(rules, tmp_path, monkeypatch):
    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv(rule_listing.CACHE_ENV, str(blocked / "cache"))
    assert rule_listing.rule_listing(rules).rules


def test_lint_validates_the_yaml_and_refreshes_the_cache(rules, monkeypatch, capsys):
    assert main(["--rules", str(rules), "rules", "lint"]) == 0
    assert "OK:" in capsys.readouterr().out and len(_cache_files(rules)) == 1
    _no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated"):
        main(["--rules", str(rules), "rules", "lint"])
    assert rule_listing.rule_listing(rules).rules  # the listing lint left is a hit


def test_a_warm_rules_list_imports_no_pydantic_nor_pandas(tmp_path):
    env_code = (f"import os\nos.environ[{rule_listing.CACHE_ENV!r}] = {str(tmp_path)!r}\n"
                "import sys\nfrom westaudit.cli import main\nmain(['rules', 'list'])\n")
    probe = env_code + "print(sorted(m for m in ('pydantic', 'pandas') if m in sys.modules))\n"
    subprocess.run([sys.executable, "-c", env_code], check=True, capture_output=True, cwd="/")
    warm = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd="/")
    assert warm.stdout.splitlines()[-1] == "[]"
