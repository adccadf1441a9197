# Two commands set everything up on a fresh machine: `make demo` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test bench clean

MODULES := $(wildcard modules/*/pyproject.toml)

# The core and every industry module in modules/ (each its own distribution).
$(VENV)/.installed: pyproject.toml $(MODULES)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]' $(foreach m,$(MODULES),-e $(dir $(m)))
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/cooplink demo

# The whole suite (core and modules), on SQLite and on a throwaway PostgreSQL (installed and started here if need
# be); then the core's tests once more in a virtualenv with no module installed.
# COOPLINK_TEST_DB=sqlite runs it on SQLite alone.
test: $(VENV)/.installed
	@if [ "$${COOPLINK_TEST_DB:-all}" = sqlite ] || [ -n "$${COOPLINK_TEST_PG:-}" ]; then \
	  $(VENV)/bin/pytest $(PYTEST_ARGS); \
	else \
	  pg=$$(scripts/test-postgres) && COOPLINK_TEST_PG=$$pg $(VENV)/bin/pytest $(PYTEST_ARGS); \
	fi
	scripts/test-core-alone

bench: $(VENV)/.installed
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-data
