# The two commands of the README. Both make .venv if it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench
# Two workers: the suite runs on 2 cores (each test has its own database copy).
PYTEST_ARGS ?= -n 2

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[postgres]'
	touch $@

$(STAMP_TEST): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[postgres,test]'
	touch $@ $(STAMP_RUN)

# The benchmark's peers (textual-fastdatatable, with pyarrow): only for `make bench`, not CI.
$(STAMP_BENCH): $(STAMP_TEST)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[postgres,test,bench]'
	touch $@

run: $(STAMP_RUN)
	$(BIN)/tpsdesk $(ARGS)

test: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy tpsdesk screens
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy tpsdesk screens

# Every figure at 10,000 / 100,000 / 1,000,000 with the peers (BENCHMARKS.md); ARGS="--smoke" for a quick pass.
bench: $(STAMP_BENCH)
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) dist build *.egg-info
