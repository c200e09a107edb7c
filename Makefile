# Two commands for a newcomer: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

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

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ads-analytics demo

test: $(STAMP) $(CHROMEDRIVER)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.ingestion --sizes M L
	$(BIN)/python -m benchmarks.warehouse --sizes M L

clean:
	rm -rf $(VENV) data .pytest_cache dbt_project/target dbt_project/logs
