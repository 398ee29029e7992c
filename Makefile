# One entry point. Every target sets up the environment first (idempotent:
# seconds when nothing changed; the first run builds mmcv, ~11 min).
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

.PHONY: setup test test-fast lint demo pipeline-rsna ablation clean-venv

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

## the whole GRANet pipeline on a generated mini-RSNA (~18 min, 2 cores)
demo: setup
	$(PY) tools/run_pipeline.py --preset mini

## the same stages on the real RSNA in data/rsna (GPU recommended)
pipeline-rsna: setup
	$(PY) tools/run_pipeline.py --preset rsna

## the mini-RSNA ablations (tables 1 and 3, 3 seeds; after `make demo`)
ablation: setup
	$(PY) tools/experiments/ablation_mini.py --jobs 2

clean-venv:
	rm -rf $(VENV)
