# The two commands the README starts with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-sqlite test-postgres install services lint bench

$(BIN)/galleria: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(BIN)/galleria

install: $(BIN)/galleria

demo: install
	$(BIN)/galleria demo

# The whole suite: lint and layering, then SQLite, then PostgreSQL + Redis.
test: install
	bash scripts/test-all

test-sqlite: install
	@echo "note: concurrency is proved only by the PostgreSQL pass (make test-postgres):" \
	      "on SQLite writers take turns, so tests marked 'concurrency' race nothing here"
	GALLERIA_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: install services
	GALLERIA_TEST_DATABASE=postgres GALLERIA_TEST_REDIS=1 $(BIN)/pytest

services:
	bash scripts/services

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/run.py
