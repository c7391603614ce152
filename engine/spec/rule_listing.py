"""`westaudit rules list` from a cache of the validated rule set's listing, so it answers without pydantic.

Loading the rule set imports pydantic and every check kind's parameter schema (about 0.3 s) and reads and
validates 116 rules' YAML (about 0.3 s). The listing of a rule set that validated is kept as JSON under the user's
cache folder ($WESTAUDIT_CACHE_DIR, else $XDG_CACHE_HOME/westaudit, else ~/.cache/westaudit), keyed by a hash of:
westaudit's version, the bytes of every file the rule set is read from (rules, parameters, articles, the data
contract) and the source of the modules that validate them (westaudit.spec, westaudit.checks). Any change of one
of them is a miss. A cache file that cannot be read, is not JSON, or is not exactly of this shape is ignored
and rewritten: it is never trusted, and only JSON is read (no pickle). `rules lint` always validates the YAML
itself and refreshes the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from westaudit import __version__
from westaudit.spec.locations import CONTRACT_DIR, package_folder, parameter_files, rule_files

CACHE_ENV = "WESTAUDIT_CACHE_DIR"
FORMAT = 1


@dataclass(frozen=True)
class ListedRule:
    id: str
    kind: str
    severity: str
    title_zh: str


@dataclass(frozen=True)
class RuleListing:
    rules: tuple[ListedRule, ...]
    version: str  # the rule set's own version (engine/spec/ruleset.py)


def cache_dir() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "westaudit"


def _sources(rules_dir: Path) -> Iterable[Path]:
    yield from rule_files(rules_dir)
    yield from parameter_files(rules_dir)
    yield rules_dir / "articles.tsv"
    yield from sorted(CONTRACT_DIR.glob("*.yaml"))
    for package in ("westaudit.spec", "westaudit.checks"):
        yield from sorted(package_folder(package).rglob("*.py"))


def cache_key(rules_dir: Path) -> str:
    digest = hashlib.sha256(f"westaudit {__version__}\n".encode())
    for path in _sources(rules_dir):
        digest.update(f"{path}\n".encode())
        digest.update(path.read_bytes() if path.is_file() else b"\x00absent")
        digest.update(b"\x00")
    return digest.hexdigest()


def _cache_file(rules_dir: Path) -> Path:
    # one file per rules folder, so two folders in use do not push each other out
    return cache_dir() / f"rule-listing-{hashlib.sha256(str(rules_dir.resolve()).encode()).hexdigest()[:16]}.json"


def _read(path: Path, key: str) -> RuleListing | None:
    """The cached listing if it is exactly what this module writes for this key; None otherwise."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    names = [field.name for field in fields(ListedRule)]
    if not (isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("key") == key
            and isinstance(entry.get("version"), str) and isinstance(entry.get("rules"), list)):
        return None
    rules = entry["rules"]
    if not all(isinstance(rule, dict) and list(rule) == names and all(isinstance(rule[n], str) for n in names)
               for rule in rules):
        return None
    return RuleListing(tuple(ListedRule(**rule) for rule in rules), entry["version"])


def _write(path: Path, key: str, listing: RuleListing) -> None:
    """Written whole or not at all (a temporary file renamed); a cache that cannot be written is no error."""
    entry = {"format": FORMAT, "key": key, "version": listing.version, "rules": [asdict(r) for r in listing.rules]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rule-listing-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(entry, out, ensure_ascii=False)
        os.replace(temporary, path)
    except OSError:
        return


def listing_of(ruleset) -> RuleListing:
    return RuleListing(tuple(ListedRule(r.id, r.check.name, r.severity, r.title_zh) for r in ruleset.rules),
                       ruleset.version)


def remember(rules_dir: Path, key: str, ruleset) -> None:
    """Cache the listing of a rule set just validated from rules_dir, under the key its files had before it was
    read (a file changed meanwhile is then a miss, never a stale hit); `rules lint` calls this."""
    _write(_cache_file(rules_dir), key, listing_of(ruleset))


def rule_listing(rules_dir: Path) -> RuleListing:
    """The rule set's listing: from the cache when its key still holds, else by validating the rule set (a
    rule set that does not validate raises SpecError, as every command does) and caching it."""
    key = cache_key(rules_dir)
    cached = _read(_cache_file(rules_dir), key)
    if cached is not None:
        return cached
    from westaudit.spec.ruleset import load_ruleset

    listing = listing_of(load_ruleset(rules_dir))
    _write(_cache_file(rules_dir), key, listing)
    return listing
