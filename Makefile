# JBP evaluation suite. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SEED ?= 20170401

.PHONY: help report test lint format bench lab clean-outputs simulate clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the suite (done automatically by other targets)

report: $(STAMP) ## Run the whole chain on the shipped sample: simulate (if data/raw is empty) -> clean -> reports
	$(BIN)/jbp all --seed $(SEED)

simulate: $(STAMP) ## Regenerate the simulated sample into data/raw
	$(BIN)/jbp simulate --out data/raw --seed $(SEED)

clean: $(STAMP) ## Clean data/raw into data/processed
	$(BIN)/jbp clean --raw data/raw --out data/processed

test: $(STAMP) lint ## Lint, then run the fast test suite (slow tests live in benchmarks/)
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) ## Run every benchmark in benchmarks/ (slow; each prints its figures and baseline ratio)
	@for b in benchmarks/*.py benchmarks/*/__main__.py; do b=$${b%/__main__.py}; echo "== $$b"; $(BIN)/python $$b || exit 1; done

lab: $(STAMP) ## Open JupyterLab in the project's environment
	$(BIN)/jupyter lab notebooks/
