# prefhub — every command a person runs. `make run` to try it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run install install-dev frontend frontend-deps migrate seed serve worker test \
	test-backend test-sqlite test-postgres test-frontend test-install lint format api-types screenshots compose-check \
	bench-assignment bench-generation bench-export bench-export-small bench-page bench-import bench-import-throughput \
	bench-import-annotators bench-browser bench-quality \
	bench-quality-sim bench-ingest bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- install

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "prefhub needs Python 3.11+; set PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-$(EXTRAS): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed  ## create .venv and install prefhub
install-dev: $(VENV)/.installed-$(EXTRAS)  ## install prefhub with test tools

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend-deps: frontend/node_modules/.package-lock.json

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build

frontend: frontend/dist/index.html  ## build the web app into frontend/dist

# ---------------------------------------------------------------- run

migrate: install  ## apply database migrations
	$(BIN)/prefhub db upgrade

seed: install  ## create the demo accounts and campaigns (development only)
	$(BIN)/prefhub seed-demo

run: install frontend migrate seed  ## install, build, migrate, seed, serve on http://127.0.0.1:8000
	$(BIN)/prefhub serve

serve: install  ## serve without installing or seeding
	$(BIN)/prefhub serve

worker: install  ## a Celery worker (uses PREFHUB_REDIS_URL when set)
	$(BIN)/prefhub worker

# ---------------------------------------------------------------- checks

lint: install-dev  ## ruff check and format check, mypy (strict on backend/prefhub)
	$(BIN)/ruff check backend tests migrations bench examples
	$(BIN)/ruff format --check backend tests migrations bench examples
	$(BIN)/mypy backend/prefhub tests

format: install-dev  ## apply ruff formatting
	$(BIN)/ruff check --fix backend tests migrations bench examples
	$(BIN)/ruff format backend tests migrations bench examples

test-sqlite: install-dev frontend  ## every backend suite on SQLite
	PREFHUB_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install-dev frontend  ## every backend suite on PostgreSQL
	PREFHUB_TEST_DB=postgresql $(BIN)/pytest $(PYTEST_ARGS)

test-frontend: frontend-deps  ## frontend type check (tsc -b: app, tests, config) and unit tests (Vitest)
	cd frontend && npm run typecheck && npm test

test-install: install-dev  ## fresh venvs from `pip install .` and the Dockerfile's line: a job over Redis
	$(BIN)/python tests/production/check_clean_install.py

test: lint test-frontend test-install test-sqlite test-postgres  ## install what tests need and run every suite

# The browser tests that take the README's pictures (tests/support/browser.py: save_screenshot).
# The users screen first, while the test database holds few accounts.
SCREENSHOT_TESTS := tests/e2e/test_admin_users.py tests/e2e/test_campaign_builder.py \
	tests/e2e/test_spec_versions_screen.py tests/e2e/test_data_browser_screen.py \
	tests/e2e/test_campaign_lifecycle_browser.py tests/e2e/test_pause_close_mid_task_browser.py \
	tests/e2e/test_api_docs_and_tokens.py tests/e2e/test_annotator_browser.py

screenshots: install-dev frontend  ## retake docs/screenshots/*.png (1280x800) with the browser tests, on SQLite
	PREFHUB_SCREENSHOTS=1 PREFHUB_TEST_DB=sqlite $(BIN)/pytest -q $(SCREENSHOT_TESTS) $(PYTEST_ARGS)
	@du -ch docs/screenshots/*.png | tail -1

api-types: install  ## regenerate the frontend's API types from the FastAPI schema
	$(BIN)/python -c 'import json; from prefhub.app import create_app; print(json.dumps(create_app().openapi(), indent=1, sort_keys=True))' > backend/openapi.json
	cd frontend && npm run gen:api

compose-check:  ## validate docker-compose.yml (needs Debian's docker-compose, no engine)
	docker-compose config -q

bench: bench-assignment bench-generation bench-export bench-export-small bench-page bench-import bench-browser bench-quality bench-quality-sim bench-ingest  ## benchmarks (see bench/README.md)

bench-assignment: install  ## annotator loop on PostgreSQL and SQLite: capacity (200 / 50 annotators), open-loop p99 (200 x 1 per 2 s), CPU per judgment, audit
	@$(BIN)/python bench/assignment.py $(BENCH_ARGS)

bench-generation: install  ## one generation job through 2 workers to a fake model at 200 ms, then an audit
	@$(BIN)/python bench/generation.py $(BENCH_ARGS)

bench-export: install  ## 1,000,000 judgments on PostgreSQL exported to dpo JSONL, then a check
	@$(BIN)/python bench/export.py $(BENCH_ARGS)

bench-export-small: install  ## 50,000 judgments exported over REST (create job, wait, download): SQLite dpo, PostgreSQL judgments, >= 50,000/s
	@$(BIN)/python bench/export.py --rest --database sqlite --format dpo --judgments 50000 --annotators 200 --repeat 3 $(BENCH_ARGS)
	@$(BIN)/python bench/export.py --rest --database postgresql --format judgments --judgments 50000 --annotators 200 --repeat 3 $(BENCH_ARGS)

bench-browser: install  ## the data browser over HTTP: pages of a 100,000-item campaign on PostgreSQL, p95 < 300 ms
	@$(BIN)/python bench/item_browser.py $(BENCH_ARGS)

bench-quality: install  ## quality endpoints (leaderboard, group disagreement, agreement, annotators, progress, gold) on 1,000,000 judgments on PostgreSQL, p95 < 500 ms
	@$(BIN)/python bench/quality_leaderboard.py $(BENCH_ARGS)

bench-quality-sim: install  ## quality rules against planted spammers (200 annotators, a 15% minority) on PostgreSQL: precision, recall >= 0.9
	@$(BIN)/python bench/quality_sim.py $(BENCH_ARGS)

bench-ingest: install  ## in-situ ingestion over HTTP (1,000-event JSONL batches, gzip and plain, 4 senders): events/s (>= 5,000 on PostgreSQL), CPU per 1,000 events, annotators' p99 with and without it, audit
	@$(BIN)/python bench/ingest.py $(BENCH_ARGS)

bench-page: install frontend  ## the annotator page in headless Chromium: first task visible, bundle size
	@$(BIN)/python bench/annotator_page.py $(BENCH_ARGS)

bench-import: bench-import-throughput bench-import-annotators  ## both import benchmarks below

bench-import-throughput: install  ## import jobs of 10,000 and 50,000 pairwise text items: items/s, peak RSS, CPU (PostgreSQL, SQLite)
	@$(BIN)/python bench/import_throughput.py $(BENCH_ARGS)

bench-import-annotators: install  ## annotators' p50/p95/p99 over HTTP while a 5,000-line import job runs (SQLite, PostgreSQL)
	@$(BIN)/python bench/import_while_annotating.py $(BENCH_ARGS)

clean:  ## remove the venv, builds and the local database
	rm -rf $(VENV) frontend/node_modules frontend/dist data
