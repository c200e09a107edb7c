# Two commands for a newcomer: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ads-analytics demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.ingestion --sizes M L
	$(BIN)/python -m benchmarks.warehouse --sizes M L

clean:
	rm -rf $(VENV) data .pytest_cache dbt_project/target dbt_project/logs
