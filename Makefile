# The two commands of the README: `make run` and `make test`. Both create and reuse .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run` serves plain HTTP on this machine, so cookies cannot demand HTTPS there.
FLASK := PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask --app wsgi

.PHONY: run test test-sqlite test-postgres bench bench-jobs bench-speed clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

run: $(VENV)/.runtime-installed
	$(FLASK) db upgrade
	$(FLASK) portal demo-data
	$(FLASK) jobs load-demo
	@echo "Serving the Annotator Portal at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(FLASK) run --host "$(HOST)" --port "$(PORT)"

test: $(VENV)/.dev-installed
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

# The database-touching tests again on PostgreSQL, when TEST_POSTGRES_URL names a server.
test-postgres: $(VENV)/.dev-installed
	@if [ -z "$$TEST_POSTGRES_URL" ]; then \
	  echo "PostgreSQL run skipped: set TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run it."; \
	else \
	  echo "Database tests on PostgreSQL ($$TEST_POSTGRES_URL)"; \
	  TEST_DATABASE_URL="$$TEST_POSTGRES_URL" $(BIN)/python -m pytest -m "db and not browser"; \
	fi

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/web.py

# Job ingest and search at 10 000 and 100 000 postings (PostgreSQL too when TEST_POSTGRES_URL is set).
bench-jobs: $(VENV)/.dev-installed
	$(BIN)/python bench/jobs_ingest.py $${TEST_POSTGRES_URL:+--postgres $$TEST_POSTGRES_URL}
	$(BIN)/python bench/jobs_search.py $${TEST_POSTGRES_URL:+--postgres $$TEST_POSTGRES_URL}

# Speed-test accuracy on a tc-shaped loopback in a network namespace (needs root, tc, curl, chromium).
bench-speed: $(VENV)/.dev-installed
	$(BIN)/python bench/speed_accuracy.py

clean:
	rm -rf $(VENV) .pytest_cache
