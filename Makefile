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
	test-fast test-real test-benchmark test-timings lint-python lint-sql lint-dbt

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

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

# Options of `olist-seg stability`, e.g. STABILITY_ARGS="--start-date=2018-03-05";
# STABILITY_RESULTS=docs/stability_results.md writes the measured page.
stability: install  ## measure the refresh interval (minutes on the real data), write the report
	@if [ "$(OLIST_DATA_DIR)" = "$(SAMPLE_DIR)" ]; then $(MAKE) --no-print-directory data; fi
	$(BIN)/olist-seg stability --report $(REPORT_DIR)/segments.html $(if $(STABILITY_RESULTS),--results $(STABILITY_RESULTS)) $(STABILITY_ARGS)

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

# Workers of `make test`: one per core (two on CI). Builds that tests only
# read are made once per run and shared by the workers (tests/conftest.py).
PYTEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# The slowest tests, printed at the end of every run.
PYTEST_DURATIONS ?= 15

test: install lint chromium  ## lint (ruff, mypy, sqlfluff, dbt-score), then tests/unit and tests/integration
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=$(PYTEST_DURATIONS)

test-fast: install  ## tests/unit only (seconds): no dbt, server, browser or process
	$(BIN)/pytest -m unit

# The local PostgreSQL of `make test-postgres` (scripts/postgres-server.sh).
export OLIST_PG_PORT ?= 54329

test-postgres: install  ## start a local PostgreSQL, build the sample there, compare with DuckDB
	scripts/postgres-server.sh start
	$(BIN)/pytest -m postgres --durations=$(PYTEST_DURATIONS) tests/postgres

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

# The Spark cluster of `make test-spark` (scripts/spark-cluster.sh): a
# standalone master and worker, the Hive metastore in the local PostgreSQL.
SPARK_CLUSTER_DIR ?= /tmp/olist-spark-cluster
export OLIST_SPARK_CLUSTER_DIR = $(SPARK_CLUSTER_DIR)

test-spark: install java $(BIN)/.spark-installed  ## start a Spark cluster (master, worker, metastore in PostgreSQL), build the sample through it, compare with DuckDB
	scripts/spark-cluster.sh start
	. $(SPARK_CLUSTER_DIR)/env && status=0 && \
		$(BIN)/pytest -m spark --durations=$(PYTEST_DURATIONS) tests/spark || status=$$?; \
		scripts/spark-cluster.sh stop; exit $$status

test-timings: install chromium  ## time lint and the tests, per module: writes docs/test_suite.md
	$(BIN)/python scripts/test_timings.py --workers $(PYTEST_WORKERS)

test-benchmark: install  ## tests/benchmark: `make benchmark` end to end on a tiny sample (about a minute)
	$(BIN)/pytest -m benchmark --durations=$(PYTEST_DURATIONS) tests/benchmark

test-real: install  ## tests/real_data on env OLIST_REAL_DATA_DIR (reads env OLIST_REAL_WAREHOUSE when set)
	@test -n "$${OLIST_REAL_DATA_DIR:-}" || { echo "Set OLIST_REAL_DATA_DIR to a folder of the nine Kaggle CSVs." >&2; exit 2; }
	$(BIN)/pytest -m real_data --durations=$(PYTEST_DURATIONS) tests/real_data

# The three linters are independent: they run side by side, one per core
# (mypy and sqlfluff take most of a minute each from a cold cache).
lint: install  ## ruff (PEP 8) and mypy on Python, sqlfluff (dbt templater) on SQL, dbt-score on the project
	@$(MAKE) --no-print-directory -j$(PYTEST_WORKERS) --output-sync=target \
		lint-python lint-sql lint-dbt

lint-python: install
	$(BIN)/ruff check python tests analyses scripts
	$(BIN)/ruff format --check python tests analyses scripts
	$(BIN)/mypy

lint-sql: install
	OLIST_DUCKDB_PATH=:memory: $(BIN)/sqlfluff lint models tests/dbt

lint-dbt: install
	@# dbt-score reads the manifest of a parse (its own target path, so a
	@# build's target/ is left alone); rules and exceptions: pyproject.toml.
	OLIST_DUCKDB_PATH=:memory: $(BIN)/dbt parse --quiet --project-dir . \
		--profiles-dir . --target-path target/lint
	$(BIN)/dbt-score lint --manifest target/lint/manifest.json

format: install  ## fix what ruff and sqlfluff can fix
	$(BIN)/ruff format python tests analyses scripts
	$(BIN)/ruff check --fix python tests analyses scripts
	OLIST_DUCKDB_PATH=:memory: $(BIN)/sqlfluff fix models tests/dbt

# Options of `make benchmark`, e.g. "--orders 20000 --skip-real --results /tmp/b.md".
BENCHMARK_ARGS ?=

benchmark: install  ## time olist-seg build and make run (1M orders, env OLIST_REAL_DATA_DIR): docs/benchmarks.md
	$(BIN)/python -m olist_segmentation.benchmark $(BENCHMARK_ARGS)

clean:  ## remove the warehouse, the sample and dbt's build files
	rm -rf target logs $(SAMPLE_DIR) warehouse/*.duckdb warehouse/*.wal
