# JBP evaluation suite. `make help` lists the targets.
#
# The pipeline is a chain of files, so `make report` redoes only what changed:
#   data/raw (exports, or the simulated sample: data/raw/SIMULATED.json)
#     -> data/processed/manifest.json   (jbp clean)
#     -> reports/index.html             (jbp report --all --changed: only districts whose data,
#                                        parameters or code changed are rebuilt)
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SEED ?= 20170401
# extra options of `jbp simulate`, e.g. SIMULATE_ARGS='--districts 3322,3373' for a quick run
SIMULATE_ARGS ?=

RAW := data/raw
PROCESSED := data/processed
REPORTS := reports
MANIFEST := $(PROCESSED)/manifest.json
INDEX := $(REPORTS)/index.html

# Inputs of each step (evaluated when make starts). Raw inputs: every file in data/raw except
# its README; with none, the simulated sample is made first (data/raw/SIMULATED.json).
RAW_FILES := $(shell find $(RAW) -type f ! -path '*/.*' ! -name README.md 2>/dev/null)
RAW_INPUTS := $(if $(RAW_FILES),$(RAW_FILES),$(RAW)/SIMULATED.json)
STUDY_FILES := $(shell find study -type f 2>/dev/null)
CLEAN_CODE := $(shell find jbp_analysis/clean jbp_analysis/core jbp_analysis/outcomes jbp_analysis/study -name '*.py' 2>/dev/null)
REPORT_CODE := $(shell find jbp_analysis notebooks -type f \( -name '*.py' -o -name '*.ipynb' -o -name '*.csv' -o -name '*.yaml' -o -name '*.css' -o -name '*.html' \) ! -path '*/__pycache__/*' 2>/dev/null)

.PHONY: help venv report processed simulate test lint format bench lab clean distclean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the suite (done automatically by other targets)

# ----------------------------------------------------------------------------- the pipeline

$(RAW)/SIMULATED.json: | $(STAMP)
	$(BIN)/jbp simulate --out $(RAW) --seed $(SEED) $(SIMULATE_ARGS)

$(MANIFEST): $(RAW_INPUTS) $(STUDY_FILES) $(CLEAN_CODE) | $(STAMP)
	$(BIN)/jbp clean --raw $(RAW) --out $(PROCESSED)
	@touch $@

$(INDEX): $(MANIFEST) $(STUDY_FILES) $(REPORT_CODE) | $(STAMP)
	@# a failed district leaves the index (it shows the failure) but dated 1970, so the next
	@# `make report` runs again (the runner then redoes the failed and changed reports only)
	$(BIN)/jbp report --all --changed --processed $(PROCESSED) --reports $(REPORTS) \
	  || { rc=$$?; touch -c -d @0 $@; exit $$rc; }
	@touch $@

report: $(INDEX) ## Raw -> processed -> reports, redoing only what changed (simulates if data/raw is empty)

processed: $(MANIFEST) ## Clean data/raw into data/processed (when raw data, study or cleaning code changed)

simulate: | $(STAMP) ## Regenerate the simulated sample into data/raw (never overwrites real data)
	$(BIN)/jbp simulate --out $(RAW) --seed $(SEED) $(SIMULATE_ARGS)

# ----------------------------------------------------------------------------- checks and tools

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

# ----------------------------------------------------------------------------- removing outputs

clean: ## Remove generated outputs (data/processed, reports); data/raw is never touched
	find $(PROCESSED) $(REPORTS) -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true
	find $(PROCESSED) $(REPORTS) -mindepth 1 -depth -type d -empty -delete 2>/dev/null || true

# distclean removes the simulated sample only when data/raw is exactly what `jbp simulate` wrote
# (core/simulated.py checks every file's SHA-256 against SIMULATED.json); real data stay.
define REMOVE_SAMPLE
import shutil, sys
from pathlib import Path
from jbp_analysis.core.simulated import MARKER, describe, folder_files, is_untouched_simulation, unverified_files
raw = Path(sys.argv[1])
if not is_untouched_simulation(raw):
    sys.exit(f"distclean: {raw} is not exactly the simulated sample, so it is kept: {describe(unverified_files(raw))}")
for name in folder_files(raw):
    (raw / name).unlink()
(raw / MARKER).unlink()
for d in sorted((p for p in raw.rglob("*") if p.is_dir()), reverse=True):
    if not any(d.iterdir()):
        d.rmdir()
print(f"removed the simulated sample from {raw}")
endef
export REMOVE_SAMPLE

distclean: clean ## Also remove the simulated sample (only if untouched, never real data) and .venv
	@if [ -f $(RAW)/SIMULATED.json ] && [ -x $(BIN)/python ]; then $(BIN)/python -c "$$REMOVE_SAMPLE" $(RAW); fi
	rm -rf $(VENV)
