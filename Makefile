# Two commands: `make run` and `make test`. Everything else is a step they share.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/yrd_test
# Python keeps compiled modules (__pycache__/, git-ignored) even where the environment says
# otherwise: the suites start a hundred app processes (live servers, workers, commands), and
# each would compile the app's modules again (about 0.4 s of CPU).
unexport PYTHONDONTWRITEBYTECODE
# Queue tests use Redis databases 15 (SQLite run) and 14 (PostgreSQL run), flushed by them,
# and start real `rq worker` processes.

# Debian packages: Pango for WeasyPrint, a CJK font, poppler for PDF checks, libmagic for
# upload type detection, pg_dump / pg_restore for backups (of the PostgreSQL server's major
# version: PG_CLIENT=postgresql-client-16 for a 16 server); Chromium and its driver only for
# the browser tests.
PG_CLIENT ?= postgresql-client-15
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk libmagic1 poppler-utils $(PG_CLIENT)
TEST_DEBS := chromium chromium-driver

.PHONY: run test deps test-deps debs test-debs translations fonts axe migrate demo lint format worker cron clean

run: deps migrate demo
	@$(FLASK) demo-logins
	@echo "Background jobs run in-process. With Redis: export REDIS_URL=redis://127.0.0.1:6379/0, then 'make worker' and 'make cron' in other terminals."
	YRD_DEMO=1 $(FLASK) run --host $(HOST) --port $(PORT)

test: test-deps translations
	@echo "== ruff"
	$(VENV)/bin/ruff check .
	@echo "== test suite on SQLite and on PostgreSQL ($(PG_URL)), side by side"
	PYTEST=$(VENV)/bin/pytest PG_URL=$(PG_URL) ./scripts/test-suites.sh

debs:
	@./scripts/ensure-debs.sh $(RUN_DEBS)

test-debs:
	@./scripts/ensure-debs.sh $(RUN_DEBS) $(TEST_DEBS)

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[test]'
	touch $@

deps: debs $(VENV)/.installed translations fonts

# The dossier font, prepared once from Debian's Noto CJK into instance/fonts/ (about a minute).
fonts: $(VENV)/.installed
	@$(FLASK) prepare-fonts

test-deps: test-debs $(VENV)/.test-installed translations fonts axe

# axe-core for the accessibility browser test (tests/platform/test_axe_browser.py), fetched
# once from the npm registry at this exact version into instance/axe/ (git-ignored); the
# test injects it into each page, so nothing is fetched at run time.
AXE_VERSION := 4.14.1
AXE_JS := instance/axe/axe-$(AXE_VERSION).min.js

axe: $(AXE_JS)

$(AXE_JS):
	@command -v npm >/dev/null || { echo "npm is needed once to fetch axe-core $(AXE_VERSION)"; exit 1; }
	rm -rf instance/axe/tmp && mkdir -p instance/axe/tmp
	cd instance/axe/tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar -xzf axe-core-$(AXE_VERSION).tgz package/axe.min.js
	mv instance/axe/tmp/package/axe.min.js $@ && rm -rf instance/axe/tmp

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -d app/translations

migrate: deps
	$(FLASK) db upgrade

# The demo node gets its exchange key pair (idempotent), so its records are signed and the
# exchange pages work as on a real node.
demo: migrate
	YRD_DEMO=1 $(FLASK) demo-data
	@$(FLASK) exchange init --node-id $${EXCHANGE_NODE_ID:-demo-node} >/dev/null

# Background jobs need Redis: REDIS_URL=redis://127.0.0.1:6379/0 make worker (any number of
# them), and one `make cron` for the periodic jobs. Without REDIS_URL jobs run in-process.
# Round robin: a backlog of dossiers does not hold back the periodic jobs on `default` (the
# recovery of jobs whose worker died among them), as strict queue order did in the soak run.
worker: deps
	@test -n "$$REDIS_URL" || { echo "set REDIS_URL to run a worker (without it, jobs run in-process)"; exit 1; }
	$(VENV)/bin/rq worker --url "$$REDIS_URL" --with-scheduler --dequeue-strategy round_robin dossiers default

cron: deps
	@test -n "$$REDIS_URL" || { echo "set REDIS_URL, or run 'flask jobs run-periodic' from the system cron"; exit 1; }
	$(VENV)/bin/rq cron --url "$$REDIS_URL" app/jobs/cron_config.py

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.test-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Regenerates the message catalogue from the sources; translations already made are kept.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -k lazy_pgettext:1c,2 -o app/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
