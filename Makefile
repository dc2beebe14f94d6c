# Two setup commands (README): `make run` and `make test`. Each builds .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test test-pg test-browser lint bench ci venv docs schema clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py serve --seed-demo --host $(HOST) --port $(PORT)

lint: $(STAMP)
	@if git grep -nE '^(<<<<<<<|>>>>>>>) ' -- . 2>/dev/null; then \
		echo "unresolved merge conflict markers"; exit 1; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# SQLite + in-memory channel layer; browser tests run from .ci/run (they need Chromium), and
# so do the slow ones (schemathesis, the SQLite-file numbering): its faketime and PostgreSQL
# runs take every non-browser test. `make test` stays under 10 minutes on two cores.
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest -m "not browser and not slow" $(PYTEST_ARGS)

test-browser: $(STAMP)
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

docs: $(STAMP)
	$(BIN)/python manage.py draw_machines

# The API contract integrators generate clients from (docs/api.md); a test fails when the
# served /api/schema/ differs from the committed file.
schema: $(STAMP)
	$(BIN)/python manage.py spectacular --lang zh-hans --validate --fail-on-warn \
		--file docs/openapi.yaml

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3* media staticfiles
