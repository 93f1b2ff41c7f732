# Flexportal: two commands.
#   make run   set up .venv, migrate, seed the demo and serve http://127.0.0.1:$(PORT)
#              (gunicorn when DATABASE_URL names PostgreSQL, runserver on the embedded SQLite default), with the
#              reference OOAPI peer on $(PEER_PORT) (PORT + 100 unless set), so two checkouts run side by side
#   make test  the whole suite against PostgreSQL and Redis, on two pytest-xdist workers (one file per worker at a time)
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The reference peer of the demo's connected institutions: beside the portal, PORT + 100 unless PEER_PORT says.
PEER_PORT ?= $(shell expr $(PORT) + 100)
PEER_URL := http://127.0.0.1:$(PEER_PORT)
STAMP := $(VENV)/.installed

.PHONY: run test install messages compiled-messages lint clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@mkdir -p var
	@$(MAKE) --no-print-directory compiled-messages
	@$(PY) manage.py ports_check --port $(PORT) --peer-port $(PEER_PORT)
	@echo "Flexportal: starting the reference OOAPI peer on 127.0.0.1:$(PEER_PORT) for the demo's connected institutions (log: var/ooapi-peer.log)"
# The peer first: the demo's connected institution decides and registers its student's request while seeding.
	@$(PY) manage.py run_ooapi_peer --port $(PEER_PORT) --exit-with-parent > var/ooapi-peer.log 2>&1 & \
	$(PY) manage.py migrate --noinput -v0 && \
	OOAPI_DEMO_PEER_URL=$${OOAPI_DEMO_PEER_URL:-$(PEER_URL)} $(PY) manage.py seed_demo && \
	if [ -n "$$REDIS_URL" ] && [ -n "$$DATABASE_URL" ]; then \
		echo "Flexportal: PostgreSQL and Redis configured; starting a Celery worker and beat beside the web server"; \
		$(VENV)/bin/celery -A portal worker -B -l warning --concurrency 2 & \
	fi; \
	exec $(PY) manage.py serve --port $(PORT)

test: $(STAMP)
	@$(MAKE) --no-print-directory compiled-messages
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) -m pytest -n 2 --dist loadfile

# The compiled catalogues are committed, so a machine without GNU gettext still runs the portal.
compiled-messages: $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then $(PY) manage.py compilemessages --ignore=.venv -v0; \
	else echo "gettext (msgfmt) not found: using the committed .mo files"; fi

# Style, the layers of the house (docs/architecture.md) and models that match their migrations: CI runs this.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	env -u DATABASE_URL -u REDIS_URL SQLITE_PATH=:memory: DJANGO_SETTINGS_MODULE=portal.settings.dev $(PY) manage.py makemigrations --check --dry-run -v1

# English is the source language: its catalogue is every Dutch message translated as itself (msgen), so
# the two always hold the same messages. Dutch entries marked fuzzy or left empty still need a translator.
messages: $(STAMP)
	$(PY) manage.py makemessages -l nl --ignore=.venv --ignore=tests --ignore=ooapi/spec --ignore=var --no-obsolete
	msgfilter --keep-header -i locale/nl/LC_MESSAGES/django.po sed -e d \
		| msgen - | sed -e 's/^"Language: nl\\n"$$/"Language: en\\n"/' -e 's/^"Language-Team: Dutch\\n"$$/"Language-Team: English\\n"/' \
		> locale/en/LC_MESSAGES/django.po
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles
