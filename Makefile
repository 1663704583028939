# Roadpass. `make run` serves the demo; `make test` runs the whole suite. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi:app
HTMX_VERSION := $(shell sed -n 's/^HTMX_VERSION = "\(.*\)"/\1/p' webapp/config.py)
HTMX_FILE := static/vendor/htmx-$(HTMX_VERSION).min.js
JSQR_VERSION := $(shell sed -n 's/^JSQR_VERSION = "\(.*\)"/\1/p' webapp/config.py)
JSQR_FILE := static/vendor/jsQR-$(JSQR_VERSION).js

.PHONY: help install run worker test lint format migration services chromium contract-client axe bench clean

help:
	@echo "make run        serve the demo on http://localhost:$(PORT) (SQLite, sandbox gateway)"
	@echo "make test       the whole suite (PostgreSQL, Redis, SQLite, Chromium)"
	@echo "make worker     an RQ worker for the job queues (make run starts one when Redis is up)"
	@echo "make lint       ruff check and format check"
	@echo "make bench      throughput and latency on gunicorn + PostgreSQL, then calculate-settlements"
	@echo "make format     ruff format and safe fixes"
	@echo "make migration m='what changed'   autogenerate a migration to review by hand"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed $(HTMX_FILE) $(JSQR_FILE)

$(HTMX_FILE): scripts/fetch_npm_file.sh webapp/config.py | $(BIN)/.installed
	@scripts/fetch_npm_file.sh $(BIN)/python htmx.org HTMX dist/htmx.min.js $@

# The QR reader of the boarding page, for browsers without BarcodeDetector (Apache-2.0).
$(JSQR_FILE): scripts/fetch_npm_file.sh webapp/config.py | $(BIN)/.installed
	@scripts/fetch_npm_file.sh $(BIN)/python jsqr JSQR dist/jsQR.js $@

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@scripts/run_dev.sh $(BIN) $(PORT)

worker: install
	$(FLASK) jobs worker

services: $(BIN)/.installed
	@scripts/ensure_services.sh $(BIN)/python

chromium:
	@scripts/ensure_chromium.sh

AXE := tests/browser/axe/node_modules/axe-core/axe.min.js

# axe-core for the accessibility tests: pinned in tests/browser/axe/package-lock.json.
$(AXE): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	cd tests/browser/axe && npm ci --no-audit --no-fund --silent
	@touch $@

axe: $(AXE)

contract-client:
	@scripts/install_contract_client.sh

test: install services chromium contract-client axe lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install services
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py; status=$$?; $(BIN)/python bench/settlements.py && exit $$status

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migration: $(BIN)/.installed
	@test -n "$(m)" || { echo "usage: make migration m='what changed'"; exit 2; }
	$(FLASK) db migrate -m "$(m)"

clean:
	rm -rf $(VENV) static/vendor .pytest_cache .ruff_cache tests/contract/node/node_modules tests/browser/axe/node_modules
