# Shape Lens. Quick start: `make run`, `make test`. Both set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-python bench setup clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned, so that nothing pulls a CUDA build of it
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e '.[test,oracle]'
	@touch $(STAMP)

setup: $(STAMP)

# Check the bundled examples (some are broken on purpose, so exit status 1 is expected here).
run: $(STAMP)
	$(PY) -m shapelens check examples/ ; status=$$?; [ $$status -le 1 ]

test-python: $(STAMP)
	KERAS_BACKEND=torch $(PY) -m pytest -q

# Benchmarks (tools/bench, not shipped): analysis vs ast.parse, realistic scripts, server latency.
bench: $(STAMP)
	$(PY) tools/bench/run.py

# The client (TypeScript) adds its targets here: client-test, e2e-test, vsix.
-include client/client.mk

test: test-python $(CLIENT_TESTS)

clean: $(if $(CLIENT_TESTS),clean-client)
	rm -rf $(VENV) .pytest_cache .hypothesis build dist node_modules
