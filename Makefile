# Two commands do all the set-up on a fresh machine:
#   make run   - create .venv, install, build the graph, serve it (http://127.0.0.1:8000)
#                (make run HPO=subset adds the HPO myoclonus subtree, diseases and genes)
#   make test  - create .venv, install with test extras, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= build
HOST   ?= 127.0.0.1
PORT   ?= 8000
HPO    ?= none
export KG_BUILD_DIR := $(abspath $(OUT))

.PHONY: run build test bench notebook clean install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,hpo,web]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed

build: install
	$(BIN)/kg build --out $(OUT) --hpo $(HPO)

run: build
	$(BIN)/kg serve --out $(OUT) --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench.run

notebook: build
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab --notebook-dir=notebooks --no-browser

clean:
	rm -rf $(OUT) .pytest_cache dist
