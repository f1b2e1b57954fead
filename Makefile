# Two commands: `make run` (install, generate the sample, build, summarise)
# and `make test` (lint + the whole test suite). Everything else is a helper.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Size and seed of the embedded synthetic sample.
SAMPLE_ORDERS ?= 20000
SAMPLE_SEED ?= 42
SAMPLE_DIR := data/sample

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
# Default data folder and warehouse file; override on the command line or in
# the environment, e.g. `OLIST_DATA_DIR=~/kaggle/olist make run`.
export OLIST_DATA_DIR ?= $(SAMPLE_DIR)
export OLIST_DUCKDB_PATH ?= warehouse/olist.duckdb
# Where `make report` and `make screenshot` write.
REPORT_DIR ?= reports

.DEFAULT_GOAL := help
.PHONY: help install data run build summary report screenshot chromium test lint \
	format benchmark clean stability drift refit test-postgres test-spark java \
	test-fast

help:  ## list the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/.installed  ## create .venv and install the package and tools

$(SAMPLE_DIR)/.complete: $(BIN)/.installed python/olist_segmentation/generate.py \
		$(wildcard python/olist_segmentation/generator/*.py python/olist_segmentation/generator/resources/*)
	$(BIN)/olist-generate --orders $(SAMPLE_ORDERS) --seed $(SAMPLE_SEED) --out $(SAMPLE_DIR)
	@touch $@

data: $(SAMPLE_DIR)/.complete  ## generate the synthetic sample into data/sample

run: install  ## install, generate the sample when used, build, drift check, export, write the report
	@if [ "$(OLIST_DATA_DIR)" = "$(SAMPLE_DIR)" ]; then $(MAKE) --no-print-directory data; fi
	$(BIN)/olist-seg build
	$(BIN)/olist-seg drift
	$(BIN)/olist-seg export --out $(REPORT_DIR)/exports/all
	$(BIN)/olist-seg report --out $(REPORT_DIR)/segments.html

stability: install  ## measure the refresh interval (minutes on the real data), write the report
	@if [ "$(OLIST_DATA_DIR)" = "$(SAMPLE_DIR)" ]; then $(MAKE) --no-print-directory data; fi
	$(BIN)/olist-seg stability --report $(REPORT_DIR)/segments.html

drift: install  ## lift backtest and drift check on the built warehouse: is a refit due?
	@if [ "$(OLIST_DATA_DIR)" = "$(SAMPLE_DIR)" ]; then $(MAKE) --no-print-directory data; fi
	$(BIN)/olist-seg drift

refit: install  ## fit a new segment model version (ids and names are kept where segments match)
	@if [ "$(OLIST_DATA_DIR)" = "$(SAMPLE_DIR)" ]; then $(MAKE) --no-print-directory data; fi
	$(BIN)/olist-seg build --refit

summary: install  ## print the summary of the last build
	$(BIN)/olist-seg summary

report: install  ## write the marketing report reports/segments.html (after `make run`)
	$(BIN)/olist-seg report --out $(REPORT_DIR)/segments.html

screenshot: install chromium  ## write the report and reports/segments.png, for reviewers
	$(BIN)/olist-seg report --out $(REPORT_DIR)/segments.html \
		--screenshot $(REPORT_DIR)/segments.png

chromium:  ## install headless Chromium (Debian package) when none is found
	@if [ -n "$${OLIST_CHROMIUM:-}" ] && command -v "$$OLIST_CHROMIUM" >/dev/null 2>&1; then \
		echo "Chromium: $$OLIST_CHROMIUM (OLIST_CHROMIUM)"; \
	elif found=$$(command -v chromium || command -v chromium-browser \
			|| command -v google-chrome); then \
		echo "Chromium: $$found"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "No Chromium found: apt-get install chromium"; \
		export DEBIAN_FRONTEND=noninteractive; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		$$sudo apt-get install -y --no-install-recommends chromium \
		|| { $$sudo apt-get update \
			&& $$sudo apt-get install -y --no-install-recommends chromium; }; \
	else \
		echo "No Chromium found and no apt-get: install Chromium or Google Chrome," \
			"then set OLIST_CHROMIUM to its binary." >&2; \
		exit 1; \
	fi

test: install lint chromium  ## lint (ruff, mypy, sqlfluff, dbt-score) and run the whole test suite
	$(BIN)/pytest

test-fast: install  ## the unit tests only (seconds): no dbt, server, browser or process
	$(BIN)/pytest -m "not integration and not postgres and not spark"

# The local PostgreSQL of `make test-postgres` (scripts/postgres-server.sh).
export OLIST_PG_PORT ?= 54329

test-postgres: install  ## start a local PostgreSQL, build the sample there, compare with DuckDB
	scripts/postgres-server.sh start
	$(BIN)/pytest -m postgres tests/python/test_postgres.py

# dbt-spark and pyspark (about 450 MB): only for the Spark target.
$(BIN)/.spark-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[spark]"
	@touch $@

java:  ## install Java 17 (Debian openjdk-17-jre-headless) for Spark when none is found
	@if command -v java >/dev/null 2>&1 || [ -n "$${JAVA_HOME:-}" ]; then \
		echo "Java: $$(command -v java || echo $$JAVA_HOME)"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "No Java found: apt-get install openjdk-17-jre-headless"; \
		export DEBIAN_FRONTEND=noninteractive; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		$$sudo apt-get install -y --no-install-recommends openjdk-17-jre-headless \
		|| { $$sudo apt-get update \
			&& $$sudo apt-get install -y --no-install-recommends \
				openjdk-17-jre-headless; }; \
	else \
		echo "No Java found and no apt-get: install Java 17+ and set JAVA_HOME." >&2; \
		exit 1; \
	fi

test-spark: install java $(BIN)/.spark-installed  ## build the sample on a local Spark, compare with DuckDB
	$(BIN)/pytest -m spark tests/python/test_spark.py

lint: install  ## ruff (PEP 8) and mypy on Python, sqlfluff (dbt templater) on SQL, dbt-score on the project
	$(BIN)/ruff check python tests/python analyses
	$(BIN)/ruff format --check python tests/python analyses
	$(BIN)/mypy
	OLIST_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint models tests/dbt
	@# dbt-score reads the manifest of a parse (its own target path, so a
	@# build's target/ is left alone); rules and exceptions: pyproject.toml.
	OLIST_DUCKDB_PATH=:memory: $(BIN)/dbt parse --quiet --project-dir . \
		--profiles-dir . --target-path target/lint
	$(BIN)/dbt-score lint --manifest target/lint/manifest.json

format: install  ## fix what ruff and sqlfluff can fix
	$(BIN)/ruff format python tests/python analyses
	$(BIN)/ruff check --fix python tests/python analyses
	OLIST_DUCKDB_PATH=:memory: $(BIN)/sqlfluff fix models tests/dbt

benchmark: install  ## time the build on the sample and on $$OLIST_BENCHMARK_DATA_DIR
	$(BIN)/python -m olist_segmentation.benchmark

clean:  ## remove the warehouse, the sample and dbt's build files
	rm -rf target logs $(SAMPLE_DIR) warehouse/*.duckdb warehouse/*.wal
