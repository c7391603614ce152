# Two commands do everything on a fresh machine with Python 3.11 and a C compiler:
#   make demo   audits data_samples/west2025 and prints where the report is
#   make test   ruff, rule lint, then the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo serve test lint rules-test sample bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24,<27"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	@# exit 1 means the audit found failures, which the sample is built to contain
	$(BIN)/westaudit audit data_samples/west2025 --out out/demo || test $$? -eq 1
	@echo "打开报告 open the report: $(CURDIR)/out/demo/index.html (links every office and out/demo/evaluation.html)"

# the web workspace on the sample's offices (docs/workspace.md); Ctrl+C stops it
serve: $(STAMP)
	$(BIN)/westaudit serve --offices data_samples/west2025 --data out/workspace $(if $(PORT),--port $(PORT))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/westaudit rules lint

# on every core, each test file whole in one worker (files may share module fixtures in order); JOBS=1 for
# one process
test: lint
	$(BIN)/python -m pytest -n $(or $(JOBS),auto) --dist loadfile

rules-test: $(STAMP)
	$(BIN)/westaudit rules test

sample: $(STAMP)
	$(BIN)/python data_samples/build_sample.py

# not part of test: generated national packages, each audit stage timed (see benchmarks/README.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_audit.py --scales $(or $(SCALES),0.1,0.5,1,2,4)

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
