# Quick start: `make run` (set up and run the app), `make test` (set up and pass the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean

# The app alone: no torch, no test tools.
$(VENV)/.app: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# Everything: training extra (torch==2.13.0, CPU build) and test tools.
$(VENV)/.dev: $(VENV)/.app
	$(BIN)/pip install --quiet -e ".[train,dev]"
	touch $@

# Analyses FILES="a.mp3 b.flac" with the shipped model, or shows the commands.
run: $(VENV)/.app
	@if [ -n "$(FILES)" ]; then $(BIN)/musictagger analyze $(FILES); else $(BIN)/musictagger --help; fi

test: $(VENV)/.dev
	$(BIN)/ruff check musictagger tests bench
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check musictagger tests bench
	$(BIN)/ruff format --check musictagger tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
