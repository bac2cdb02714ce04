# Two commands do all the set-up on a fresh machine:
#   make run   - create .venv, install what running needs, build the graph if needed, serve it
#                (http://127.0.0.1:8000; make run HPO=subset builds with the HPO myoclonus subtree)
#   make test  - create .venv, install with the test extras, run the whole test suite
# The graph is built where every `kg` command looks for it: $KG_BUILD_DIR, else
# ~/.cache/myoclonus-kg/build (`.venv/bin/kg status` says which). OUT=DIR uses DIR instead.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
HPO    ?=
OUT    ?=
ifneq ($(strip $(OUT)),)
export KG_BUILD_DIR := $(abspath $(OUT))
endif

.PHONY: run build test lint bench notebook clean install install-test status

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Running needs the web server and the HPO import; the test extras (Playwright, Jupyter,
# oxigraph, ...) are installed by `make test` only.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[hpo,web]"
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,hpo,web]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

build: install
	$(BIN)/kg build --hpo $(or $(HPO),none)

status: install
	$(BIN)/kg status

# Without HPO=..., the build is made on first use and an existing one is kept as it is
# (an HPO build made with `kg build --hpo subset` stays one).
run: install
	$(if $(HPO),$(BIN)/kg build --hpo $(HPO))
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

# The whole suite on JOBS pytest-xdist workers: one test file per worker at a time, longest
# first (--dist loadfile and the order are set in pyproject.toml and conftest.py); the session's
# builds are made once for all workers. conftest.py also turns bytecode caching on.
JOBS ?= 2
test: install-test
	$(BIN)/python -m pytest -n $(JOBS)

# ruff (pyflakes, pycodestyle, numpydoc docstring rules) and mypy over kg/, as configured in
# pyproject.toml; .ci/run runs it before the tests.
lint: install-test
	$(BIN)/ruff check kg
	$(BIN)/mypy

bench: install-test
	$(BIN)/python -m bench.run

notebook: build
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab --notebook-dir=notebooks --no-browser

# The build lives outside the working tree (see above) and is left alone.
clean:
	rm -rf .pytest_cache dist tests/artifacts
