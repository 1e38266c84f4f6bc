# The two commands the README starts with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-sqlite test-postgres install services lint bench lock wheels

# The platform and every first-party plugin (each its own distribution under plugins/<name>/).
$(BIN)/galleria: pyproject.toml requirements-dev.txt $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
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

# The quick variant of every benchmark against the targets of issue 14 (bench/run.py);
# `make bench BENCH_ARGS=--strict` fails when a target is missed.
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# requirements.lock pins every third-party distribution of the platform and its first-party
# plugins, with hashes (the Dockerfile installs from it). Run after changing a dependency.
PLUGIN_DISTS := $(patsubst plugins/%/pyproject.toml,galleria-plugin-%,$(wildcard plugins/*/pyproject.toml))
lock: install
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile requirements.in --generate-hashes --python-version 3.11 --quiet \
	  --no-emit-package galleria $(foreach d,$(subst _,-,$(PLUGIN_DISTS)),--no-emit-package $(d)) \
	  -o requirements.lock

# The wheels of the platform and of every first-party plugin, built from their sdists, in dist/.
wheels: install
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	for p in plugins/*/; do $(BIN)/python -m build --no-isolation --outdir dist $$p || exit 1; done
