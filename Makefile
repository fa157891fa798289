# Shape Lens. Quick start: `make run`, `make test`. Both set up everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The Keras 2 oracle (tf_keras on tensorflow-cpu) lives in its own environment: made once, and
# again only when its requirements change (the stamp's name is their hash).
KERAS2_VENV := .venv-keras2
KERAS2_REQUIREMENTS := tests/oracle_keras2/requirements.txt
KERAS2_STAMP := $(KERAS2_VENV)/.installed-$(shell sha256sum $(KERAS2_REQUIREMENTS) | cut -c1-16)

.PHONY: run test test-python bench setup clean keras2-oracle

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned, so that nothing pulls a CUDA build of it
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e '.[test,oracle]'
	@touch $(STAMP)

setup: $(STAMP)

$(KERAS2_STAMP):
	@test -x $(KERAS2_VENV)/bin/python || $(PYTHON) -m venv $(KERAS2_VENV)
	$(KERAS2_VENV)/bin/python -m pip install -q --upgrade pip
	$(KERAS2_VENV)/bin/python -m pip install -q -r $(KERAS2_REQUIREMENTS)
	@rm -f $(KERAS2_VENV)/.installed-*
	@touch $(KERAS2_STAMP)

keras2-oracle: $(KERAS2_STAMP)

# Check the bundled examples (some are broken on purpose, so exit status 1 is expected here).
run: $(STAMP)
	$(PY) -m shapelens check examples/ ; status=$$?; [ $$status -le 1 ]

test-python: $(STAMP) $(KERAS2_STAMP)
	SHAPELENS_REQUIRE_KERAS2=1 KERAS_BACKEND=torch $(PY) -m pytest -q

# Benchmarks (tools/bench, not shipped): analysis vs ast.parse, realistic scripts, server latency.
bench: $(STAMP)
	$(PY) tools/bench/run.py

# The client (TypeScript) adds its targets here: client-test, e2e-test, vsix.
-include client/client.mk

test: test-python $(CLIENT_TESTS)

clean: $(if $(CLIENT_TESTS),clean-client)
	rm -rf $(VENV) $(KERAS2_VENV) .pytest_cache .hypothesis build dist node_modules
