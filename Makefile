# Two commands do everything on a fresh machine with Python 3.11, make and git:
#   make book   -> .venv, install, build the HTML into _build/html (warnings are errors)
#   make test   -> the same set-up, then every check CI runs
# Both install the exact versions of requirements.txt, the lock that `make lock` resolves from the
# ranges in pyproject.toml.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

.PHONY: help venv lock book test test-portable lint unit nbval site-check execute lab bench time-book clean

help:
	@echo "make book     build the HTML book into _build/html"
	@echo "make test     every check CI runs: ruff, unit tests, strict nbval, book build, browser check"
	@echo "make test-portable  every notebook again with other seeds (LSTMBOOK_SEED_OFFSET=$(SEED_OFFSET)),"
	@echo "              NumPy without its SIMD dispatch and TensorFlow without oneDNN: every assert must"
	@echo "              hold; exact outputs are compared, this run's results are not"
	@echo "make lock     re-resolve requirements.txt (exact pins) from the ranges in pyproject.toml"
	@echo "make execute  re-execute every notebook in place (refresh stored outputs)"
	@echo "make lab      JupyterLab in the project's venv"
	@echo "make bench    the NumPy-vs-Keras LSTM benchmark"
	@echo "make time-book execute every chapter, report its time against the 90 s / 20 min budgets"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# The lock is resolved for the machine CI and the book's timings use: Linux x86-64, Python 3.11.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	$(BIN)/uv pip compile pyproject.toml --extra book --extra test \
	  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	  --annotation-style line --custom-compile-command "make lock" \
	  -o requirements.txt

book: venv
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

unit: venv
	$(BIN)/python -m pytest tests

# NB: the notebooks (or folders) to check, every one by default; PYTEST_ARGS: more pytest options
NB ?= book
nbval: venv
	$(BIN)/python -m pytest --nbval $(NB) $(PYTEST_ARGS)

# Another draw and another floating-point path (README, "What is checked, and how exactly"):
# the seeds every claim rests on move (lstmbook.seeds), NumPy runs without its SIMD dispatch
# (its baseline only) and TensorFlow without oneDNN. The BLAS kernel is left to the machine.
SEED_OFFSET ?= 1
NPY_DISPATCH = $$($(BIN)/python -c 'from numpy._core._multiarray_umath import __cpu_dispatch__ as d; print(" ".join(d))')
test-portable: venv
	LSTMBOOK_SEED_OFFSET=$(SEED_OFFSET) NPY_DISABLE_CPU_FEATURES="$(NPY_DISPATCH)" \
	  TF_ENABLE_ONEDNN_OPTS=0 ONEDNN_MAX_CPU_ISA=AVX2 \
	  $(BIN)/python -m pytest --nbval $(NB) $(PYTEST_ARGS)

site-check: venv
	$(BIN)/python tests/site_check.py _build/html --strict-fit

test: venv
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) nbval
	$(MAKE) book
	$(MAKE) site-check

execute: venv
	@for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 "$$nb"; \
	done

lab: venv
	$(BIN)/jupyter lab book

bench: venv
	$(BIN)/python benchmarks/bench_lstm.py

time-book: venv
	$(BIN)/python benchmarks/time_notebooks.py

clean:
	rm -rf _build
