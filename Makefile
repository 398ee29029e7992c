# One entry point. Every target sets up the environment first (idempotent:
# seconds when nothing changed; the first run builds mmcv, ~11 min).
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

.PHONY: setup test test-fast lint demo clean-venv

setup:
	bash scripts/install.sh

## the whole test suite (what CI runs)
test: setup
	$(PY) -m pytest tests

## everything but the slow end-to-end runs
test-fast: setup
	$(PY) -m pytest tests -m "not slow"

lint: setup
	$(PY) -m flake8 mmgranet tools tests configs scripts
	$(PY) -m isort --check-only --diff mmgranet tools tests scripts

## the main job on the bundled data (grows with the pipeline)
demo: setup
	$(PY) tools/run_demo.py

clean-venv:
	rm -rf $(VENV)
