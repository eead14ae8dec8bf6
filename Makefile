# The project's one front door: README and CI use these targets only.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export DUCKDB_PATH ?= $(CURDIR)/data/warehouse.duckdb
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: setup prepare run test lint dbt-docs dev report bench sample clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

## dbt manifest (the Dagster definitions are built from it) and DAGSTER_HOME.
prepare: setup
	$(BIN)/omsorgslager prepare

## Set up and run the whole pipeline on LANDING_DIR (default: the shipped sample).
run: setup
	$(BIN)/omsorgslager run

## Set up and run the test suite (includes sqlfluff lint of the dbt models).
test: prepare lint
	$(BIN)/pytest

lint: setup
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

## Dagster UI with the asset graph on http://127.0.0.1:3000
dev: prepare
	$(BIN)/dagster dev -m orchestration.definitions

## The board's key-figure report per municipality (KOMMUN=1489 YEAR=2024 to choose).
report: setup
	$(BIN)/omsorgslager report $(if $(KOMMUN),--kommun $(KOMMUN)) $(if $(YEAR),--year $(YEAR))

## dbt docs as one static, offline HTML page (data/docs/dbt/index.html).
dbt-docs: setup
	$(BIN)/omsorgslager dbt-docs

## Benchmark at SCALE municipalities (comma list allowed, e.g. SCALE=10,50,290).
bench: setup
	$(BIN)/omsorgslager bench --scale $(or $(SCALE),10)

## Regenerate the shipped sample exports (deterministic).
sample: setup
	$(BIN)/omsorgslager generate-sample --out seeds/landing

clean:
	rm -rf data dbt_project/target dbt_project/logs dbt_project/dbt_packages
