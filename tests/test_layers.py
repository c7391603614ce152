"""The layers of docs/design.md as a test: every import of the package checked against pyproject's list.

import-linter walks the root package's folder to find subpackages, and westaudit is mapped from three
folders (engine/, checks/, reports/), so the same contract is checked here over the source with `ast`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE_FOLDERS = {"westaudit": ROOT / "engine", "westaudit.checks": ROOT / "checks",
                  "westaudit.reports": ROOT / "reports"}
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["westaudit"]["layers"]
LAYERS = [[name.strip() for name in line.split("|")] for line in CONFIG["order"]]


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in SOURCE_FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _outside_type_checking(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_outside_type_checking(child)])
            continue
        yield node
        yield from _outside_type_checking(node)


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module name this module imports, relative imports resolved, `if TYPE_CHECKING:` left out."""
    is_package = path.name == "__init__.py"
    for node in _outside_type_checking(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


IMPORTS = {module: sorted(set(_imports(module, path))) for module, path in MODULES.items()}


def _layer_of(module: str) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for rank, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[1])):
                best = (rank, name)
    return best


def test_every_module_sits_in_a_layer():
    unplaced = [m for m in MODULES if m != "westaudit" and _layer_of(m) is None]
    assert unplaced == [], f"modules outside every layer of pyproject's [tool.westaudit.layers]: {unplaced}"


def test_no_layer_imports_a_higher_one_or_a_sibling():
    broken = []
    for module, imported in IMPORTS.items():
        own = _layer_of(module)
        for target in imported:
            theirs = _layer_of(target)
            if own is None or theirs is None or own[1] == theirs[1]:
                continue
            if theirs[0] < own[0] or theirs[0] == own[0]:
                broken.append(f"{module} imports {target}")
    assert broken == [], "imports against the layers:\n" + "\n".join(broken)


def _third_party_reached(start: str) -> dict[str, str]:
    """Each third-party top-level module reached from `start` through westaudit's imports, with the path."""
    reached: dict[str, str] = {}
    seen, queue = {start}, [(start, start)]
    while queue:
        module, route = queue.pop()
        for target in IMPORTS.get(module, ()):
            if target.startswith("westaudit"):
                while target not in MODULES and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target not in seen:
                    seen.add(target)
                    queue.append((target, f"{route} -> {target}"))
            else:
                reached.setdefault(target.split(".")[0], f"{route} -> {target}")
    return reached


@pytest.mark.parametrize("package", CONFIG["no_data_libraries"])
def test_lower_layers_import_no_data_library(package):
    starts = [m for m in MODULES if m == package or m.startswith(package + ".")]
    leaks = {lib: route for m in starts for lib, route in _third_party_reached(m).items()
             if lib in CONFIG["data_libraries"]}
    assert leaks == {}, "data libraries reached from a lower layer:\n" + "\n".join(leaks.values())


def test_loading_the_rule_set_imports_no_data_library():
    """What the static check says, seen at run time: `rules list` and lint never pay for pandas."""
    code = ("import sys\nfrom westaudit.spec.ruleset import load_ruleset\nload_ruleset()\n"
            # a lazy module not yet touched is still of LazyLoader's class: it has cost nothing
            f"print(sorted(m for m in {CONFIG['data_libraries']!r}\n"
            "             if m in sys.modules and type(sys.modules[m]).__name__ != '_LazyModule'))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert loaded.stdout.strip() == "[]"


def test_the_layer_check_sees_a_planted_upward_import(tmp_path):
    """The check is not vacuous: an import from core up into evaluate is reported."""
    IMPORTS["westaudit.core.results"].append("westaudit.evaluate.audit")
    try:
        with pytest.raises(AssertionError, match="westaudit.core.results imports westaudit.evaluate.audit"):
            test_no_layer_imports_a_higher_one_or_a_sibling()
    finally:
        IMPORTS["westaudit.core.results"].remove("westaudit.evaluate.audit")
