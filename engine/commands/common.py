"""What several commands share: loading the rule set and a package, exit codes."""

from __future__ import annotations

from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def add_encoding_option(parser) -> None:
    parser.add_argument("--encoding", default=None,
                        help="CSV encoding (gb18030, utf-8), over the manifest's and detection")


def load_rules_and_package(package_dir: Path, rules_dir: Path | None, encoding: str | None = None):
    from westaudit.intake.package import load_package
    from westaudit.spec.ruleset import RULES_DIR, load_ruleset

    ruleset = load_ruleset(rules_dir or RULES_DIR)
    return ruleset, load_package(package_dir, ruleset.contract, encoding)
