"""Start-up (issue 14): the parser, and every command's --help, are built without any heavy library.

Each command module imports its heavy modules inside its run function; this proves it at run time, in a
fresh interpreter, for `westaudit --help` and `westaudit <command> --help` of every command. How long start-up
takes is measured by benchmarks/bench_startup.py, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_LIBRARIES = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "tool"]["westaudit"]["layers"]["data_libraries"]
HEAVY_LIBRARIES = sorted({*DATA_LIBRARIES, "jinja2"})

PROBE = """
import contextlib, io, json, sys
from westaudit.cli import COMMANDS, build_parser

helps = {}
for argv in [["--help"], *([command.__name__.rsplit(".", 1)[1], "--help"] for command in COMMANDS)]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.suppress(SystemExit):
        build_parser().parse_args(argv)
    helps[" ".join(argv)] = printed.getvalue()
# a lazy module not yet touched is still of LazyLoader's class: it has cost nothing
loaded = sorted(m for m in HEAVY if m in sys.modules and type(sys.modules[m]).__name__ != "_LazyModule")
print(json.dumps({"loaded": loaded, "helps": helps}))
"""


def test_every_help_is_built_without_a_heavy_library():
    code = f"HEAVY = {HEAVY_LIBRARIES!r}\n{PROBE}"
    probe = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                      cwd="/").stdout)
    assert probe["loaded"] == []
    helps = probe["helps"]
    assert "audit" in helps["--help"] and "generate" in helps["--help"]
    for argv, text in helps.items():
        command = argv.removesuffix("--help").strip()
        assert text.startswith(f"usage: westaudit {command}".rstrip()), argv
    # the options shared through engine/commands/common.py still reach the commands that take them
    assert "--no-store" in helps["check --help"] and "--waivers" in helps["audit --help"]
    assert "--store" in helps["history --help"] and "--store" in helps["diff --help"]
    assert "westaudit-receipt.yaml" in helps["check --help"].replace("-\n", "-").replace(" ", "")


CHECK_PROBE = """
import json, sys
from westaudit.cli import main

code = main(["check", sys.argv[1], "--office", "GS-LZ-YZ", "--no-store", "--no-receipt", *sys.argv[2:]])
print(json.dumps({"code": code, "gx": sorted(m for m in sys.modules if m.split(".")[0] == "great_expectations")}))
"""


def _check_imports(*options: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHECK_PROBE, str(ROOT / "data_samples" / "west2025"), *options],
                          capture_output=True, text=True, check=True, cwd="/")
    return json.loads(done.stdout.splitlines()[-1])


AUDIT_PROBE = """
import json, sys
from westaudit.cli import main

code = main(["audit", sys.argv[1], "--out", sys.argv[2], "--no-store", *sys.argv[3:]])
print(json.dumps({"code": code, "gx": sorted(m for m in sys.modules if m.split(".")[0] == "great_expectations")}))
"""


def test_audit_of_the_sample_imports_no_great_expectations_unless_chosen(tmp_path):
    """The national audit validates with the pandas runner by default (docs/validation.md "Two runners")."""
    def imports(out: str, *options: str) -> dict:
        done = subprocess.run([sys.executable, "-c", AUDIT_PROBE, str(ROOT / "data_samples" / "west2025"),
                               str(tmp_path / out), *options], capture_output=True, text=True, check=True, cwd="/")
        return json.loads(done.stdout.splitlines()[-1])

    probe = imports("default")
    assert probe["code"] == 1 and probe["gx"] == []
    chosen = imports("chosen", "--validator", "great-expectations")
    assert chosen["code"] == 1 and "great_expectations" in chosen["gx"]


def test_check_of_the_sample_imports_no_great_expectations():
    probe = _check_imports()
    assert probe["code"] in (0, 1) and probe["gx"] == []
    # the probe sees Great Expectations where it is imported: the validator of record, chosen
    chosen = _check_imports("--validator", "great-expectations")
    assert chosen["code"] == probe["code"] and "great_expectations" in chosen["gx"]
