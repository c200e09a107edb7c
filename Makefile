# Two commands for a newcomer: `make demo` and `make test`. Both set everything up first.
# The demo installs the base dependencies only; the tests add the dev extras (pytest, Selenium,
# MetricFlow, Spark) on top of the same virtualenv, so `make demo` then `make test` installs
# just those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BASE_STAMP := $(VENV)/.installed-base
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install install-dev browser demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BASE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# After a demo, pip keeps the base install and adds the extras; from scratch it installs both in
# one go, which is the base install too.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BASE_STAMP) $@

# The dashboard's browser test drives Debian's Chromium through its ChromeDriver; installed once
# when missing and apt-get is there (CI's fresh machine). Elsewhere install both yourself.
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(CHROMEDRIVER):
	@if command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			chromium chromium-driver fonts-liberation; \
	else \
		echo "make: no apt-get: install Chromium and ChromeDriver for the dashboard test" >&2; \
	fi

browser: $(CHROMEDRIVER)

install: $(BASE_STAMP)

install-dev: $(DEV_STAMP)

demo: $(BASE_STAMP)
	$(BIN)/ads-analytics demo

test: $(DEV_STAMP) browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder --durations=15

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

bench: $(BASE_STAMP)
	$(BIN)/python -m benchmarks.ingestion --sizes M L
	$(BIN)/python -m benchmarks.warehouse --sizes M L

clean:
	rm -rf $(VENV) data .pytest_cache dbt_project/target dbt_project/logs
