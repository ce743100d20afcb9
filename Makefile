# The two commands: `make demo` and `make test`. Each sets up .venv on first use (fast when already set up).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BROWSER_STAMP := $(VENV)/.browser-stamp

export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: demo test test-browser reliability install bench compat clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,sandbox]'
	touch $(STAMP)

# Static checks first (each a few seconds): the import contracts, ruff, mypy (strict on the pure domain).
test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy --strict mapping
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The Prefect UI (a real server, deployments, a worker) and the demo's HTML pages in headless Chromium.
# Installs Debian's chromium when missing; screenshots land in .leadsync/screenshots/.
test-browser: $(BROWSER_STAMP)
	bash .ci/install-chromium
	mkdir -p .leadsync && PREFECT_LOGGING_LEVEL=WARNING $(BIN)/leadsync demo > .leadsync/demo.log 2>&1 || { tail -40 .leadsync/demo.log; exit 1; }
	$(BIN)/python -m pytest tests/browser

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,browser]'
	touch $(BROWSER_STAMP)

# Faults, crashes, partial failures, concurrency, bad input, canary secrets: one table; exit 1 if a row fails.
reliability: $(STAMP)
	PREFECT_LOGGING_LEVEL=WARNING $(BIN)/python tests/reliability/run.py

demo: $(STAMP)
	PREFECT_LOGGING_LEVEL=WARNING $(BIN)/leadsync demo

bench: $(STAMP)
	$(BIN)/python bench/pipeline.py

# The tools other teams run (Singer taps, Airbyte sources), each installed once from the registry into its own
# .compat/<package>/ virtualenv, against a fresh `leadsync sandbox serve` each, with configuration only: full pull,
# 1 % changed, incremental pull; one table, exit 1 on a wrong count. Root: it serves the vendors' production host
# names on this machine for the run (/etc/hosts entries and port 443, put back afterwards). About 95 s installed.
compat: $(STAMP)
	@for spec in $$($(BIN)/python bench/compat/run.py --specs); do \
	  venv=.compat/$${spec%%==*}; \
	  test -f $$venv/.installed-$$spec && continue; \
	  echo "compat: installing $$spec into $$venv"; \
	  $(PYTHON) -m venv $$venv && $$venv/bin/python -m pip install --quiet --disable-pip-version-check "$$spec" \
	    && touch $$venv/.installed-$$spec || exit 1; \
	done
	$(BIN)/python bench/compat/run.py

clean:
	rm -rf $(VENV) .leadsync .prefect .pytest_cache .hypothesis .compat
