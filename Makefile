# OpenLTC: `make run` serves the demo, `make test` runs the whole suite. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
VENDOR := openltc/static/vendor
PYTEST_WORKERS ?= 2

.PHONY: help run test lint audit audit-offline bench load prereqs venv frontend translations browser pgclient migrate clean

help:
	@echo "make run    install, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   install test dependencies and run the whole suite (DATABASE_URL selects PostgreSQL)"
	@echo "make lint   ruff, ruff format --check, mypy, makemigrations --check, check --deploy, audit-offline"
	@echo "make audit  pip-audit of the installed dependencies (needs PyPI's JSON API or OSV; --strict)"
	@echo "make audit-offline  installed packages and package-lock.json against security/advisories.json (no network)"
	@echo "make bench  on-demand benchmarks; results in docs/performance.md"

prereqs:
	@if [ -z "$(PYTHON)" ]; then echo "OpenLTC needs Python 3.11 or newer; install it (e.g. apt-get install python3) and retry." >&2; exit 2; fi
	@command -v npm >/dev/null 2>&1 || { echo "OpenLTC needs npm to install its front-end packages (htmx, ECharts); install Node.js and npm and retry." >&2; exit 2; }

$(BIN)/python: | prereqs
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): install the venv module for $(PYTHON) (e.g. apt-get install python3-venv)." >&2; exit 2; }
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[$*]"
	@touch $@

venv: $(VENV)/.installed-test

$(VENDOR)/.installed: package.json package-lock.json | prereqs
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	@touch $@

frontend: $(VENDOR)/.installed

translations: | $(BIN)/python
	@$(BIN)/python manage.py compiletranslations

# Debian's Chromium for the browser tests (never `playwright install`, which cannot download here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -qq chromium fonts-noto-cjk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }); \
	  else echo "Browser tests need /usr/bin/chromium: run 'sudo apt-get install -y chromium fonts-noto-cjk'." >&2; fi; \
	fi

# pg_dump/pg_restore for `openltc backup`/`restore` on PostgreSQL and their tests (Debian's client).
pgclient:
	@if ! command -v pg_dump >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -qq postgresql-client >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }); \
	  else echo "Backups on PostgreSQL need pg_dump/pg_restore: run 'sudo apt-get install -y postgresql-client'." >&2; fi; \
	fi

migrate: $(VENV)/.installed-test
	$(BIN)/python manage.py migrate --noinput

run: $(VENV)/.installed-test frontend translations migrate
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo
	@echo "Serving OpenLTC on http://$(HOST):$(PORT)/ — sign in with one of the demo logins above."
	$(BIN)/python -m openltc serve --host "$(HOST)" --port "$(PORT)"

test: $(VENV)/.installed-test frontend translations browser pgclient
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxschedchunk 1 -q

lint: $(VENV)/.installed-lint $(VENV)/.installed-test frontend audit-offline
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy openltc
	DJANGO_SETTINGS_MODULE=openltc.config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=openltc.config.settings.production SECRET_KEY=lint-only-$$(printf 'x%.0s' {1..60}) \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# Known vulnerabilities in the installed (locked) dependencies. --strict: a package that cannot be
# looked up fails the run instead of being skipped (see docs/reliability.md, "Dependency audit").
audit: $(VENV)/.installed-test
	$(BIN)/pip freeze --exclude-editable | \
	  $(BIN)/pip-audit --progress-spinner off --strict --no-deps --disable-pip -r /dev/stdin

# The same question without network, part of `make lint`: every installed package (pip and setuptools
# included) and package-lock.json against the dated snapshot security/advisories.json. Fails on an
# affected version and on a package the snapshot does not list (docs/reliability.md, "Dependency audit").
audit-offline: $(VENV)/.installed-test
	$(BIN)/python security/audit_offline.py --npm-lock package-lock.json

# On demand, never part of `make test`: writes docs/performance.md. BENCH_ROWS bounds the data size.
BENCH_ROWS ?= 100000
BENCH_SCALE ?= 100000
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run --rows $(BENCH_ROWS) --scale $(BENCH_SCALE)

# On demand: a bounded load/soak run against a production server on 127.0.0.1 (bench/load.py).
LOAD_LEADS ?= 20000
LOAD_USERS ?= 16
LOAD_SECONDS ?= 60
LOAD_DB ?= sqlite
$(VENV)/.installed-load: pyproject.toml | $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[load]'
	@touch $@

load: $(VENV)/.installed-load frontend translations
	$(BIN)/python -m bench.load --leads $(LOAD_LEADS) --users $(LOAD_USERS) --seconds $(LOAD_SECONDS) --database $(LOAD_DB)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var/staticfiles
