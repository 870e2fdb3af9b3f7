# The two commands a user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: install install-dev run migrate load test test-sqlite test-pg eval bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[model]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[model,dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) -m app migrate

load: migrate
	$(PY) -m app ingest-default

run: load
	$(PY) -m app serve --host $(HOST) --port $(PORT)

# The whole suite twice: on SQLite and on a throw-away PostgreSQL cluster (Debian's
# `postgresql` package; scripts/with-postgres starts it and removes it afterwards), the two
# side by side (each run is one process; each run's output is printed when it ends).
# PYTEST_ARGS passes options to both runs, e.g. `make test PYTEST_ARGS='-x tests/web'`;
# PG_PYTEST_ARGS to the PostgreSQL run only: `make test-pg PG_PYTEST_ARGS=--database-tests-only`
# leaves out the tests that use no database (spaCy, rendering, the W3C harness), for a quicker
# check of a change to the store.
test: install-dev
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-pg

test-sqlite: install-dev
	env -u TEST_DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-pg: install-dev
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "make test-pg: cannot run the suite on PostgreSQL: its server is not installed"; \
	  echo "  (no /usr/lib/postgresql/*/bin/initdb; on Debian: sudo apt-get install postgresql)."; \
	  if [ "$$CI" = "true" ]; then echo "  CI=true, so this is a failure."; exit 1; fi; \
	  echo "  Skipped on this machine; CI runs it."; exit 0; \
	fi
	scripts/with-postgres $(PY) -m pytest $(PG_PYTEST_ARGS) $(PYTEST_ARGS)

eval: install-dev
	$(PY) tests/eval/evaluate.py --baseline

# Serving and ingest against their floors (tests/bench/run.py), then the scale benchmark
# (libraries of 100, 1,000 and 10,000 articles, on SQLite and, when Debian's postgresql is
# installed, on a throw-away PostgreSQL cluster); bench/results.md gathers both. About
# 15 minutes on 2 quiet cores.
bench: install-dev
	$(PY) tests/bench/run.py
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  scripts/with-postgres $(PY) tests/bench/scale.py --engine both; \
	else \
	  echo "make bench: PostgreSQL is not installed: the scale benchmark runs on SQLite only"; \
	  $(PY) tests/bench/scale.py --engine sqlite; \
	fi
	$(PY) tests/bench/run.py --assemble-only

lint: install-dev
	$(VENV)/bin/ruff check app tests alembic scripts
	$(VENV)/bin/mypy app

clean:
	rm -rf $(VENV) data .pytest_cache
