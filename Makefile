# Fatura — every target bootstraps .venv itself (Python 3.11+ as `python3`).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1:8000

.PHONY: install run serve demo test test-fast test-sqlite test-postgres lint format bench messages clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, load the demo data, serve on http://$(HOST) (gunicorn + the task
## worker), all in demo mode (FATURA_DEMO=1: demo users allowed, a key kept in var/secret_key)
run demo: export FATURA_DEMO = 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_load
	scripts/serve.sh $(HOST)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_load

## make test: the whole suite on SQLite, then again on PostgreSQL, in parallel (see README)
test: install
	scripts/test.sh

## make test-fast: the quick loop on SQLite, in parallel: no slow, spark, e2e or postgres tests
test-fast: install
	FATURA_TEST_DATABASES=sqlite scripts/test.sh -m "not slow and not spark and not e2e and not postgres"

test-sqlite: install
	FATURA_TEST_DATABASES=sqlite scripts/test.sh

test-postgres: install
	FATURA_TEST_DATABASES=postgres scripts/test.sh

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/messages.py --check

format: install
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

## make messages: rebuild the pt-BR/English catalogues (.po -> .mo)
messages: install
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) scripts/messages.py

bench: install
	scripts/bench.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
