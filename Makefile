# The two commands a user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: install install-dev run migrate load test eval bench lint clean

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

test: install-dev
	$(PY) -m pytest

eval: install-dev
	$(PY) tests/eval/evaluate.py --baseline

bench: install-dev
	$(PY) tests/bench/run.py

lint: install-dev
	$(VENV)/bin/ruff check app tests alembic scripts
	$(VENV)/bin/mypy app

clean:
	rm -rf $(VENV) data .pytest_cache
