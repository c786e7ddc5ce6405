# Two commands do everything on a fresh machine with Python 3.11, make and git:
#   make book   -> .venv, install, build the HTML into _build/html (warnings are errors)
#   make test   -> the same set-up, then every check CI runs
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

.PHONY: help venv book test lint unit nbval site-check execute lab bench time-book clean

help:
	@echo "make book     build the HTML book into _build/html"
	@echo "make test     every check CI runs: ruff, unit tests, strict nbval, book build, browser check"
	@echo "make execute  re-execute every notebook in place (refresh stored outputs)"
	@echo "make lab      JupyterLab in the project's venv"
	@echo "make bench    the NumPy-vs-Keras LSTM benchmark"
	@echo "make time-book execute every chapter, report its time against the 90 s / 15 min budgets"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

book: venv
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

lint: venv
	$(BIN)/ruff check .

unit: venv
	$(BIN)/python -m pytest tests

nbval: venv
	$(BIN)/python -m pytest --nbval book

site-check: venv
	$(BIN)/python tests/site_check.py _build/html

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
