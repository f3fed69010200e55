# Two commands: `make run` and `make test`. Each sets up what is missing, once:
#   1. Debian packages (libamplsolver-dev cmake g++; chromium and a CJK font for the report's browser
#      test, driven by Playwright without a browser download), only if dpkg says they are missing
#   2. the virtual environment .venv/ with `pip install -e .[test,docs]` (redone when pyproject.toml changes)
#   3. the PyNumero ASL library, built with Pyomo's own builder into .venv/pyomo/lib
#   4. .venv/pyam-env: pyam-iamc in its own environment (it needs pandas < 3), to read back the IAMC export
# Stamp files inside .venv/ make a second call skip all of that.

SHELL := /bin/bash
.DEFAULT_GOAL := test

PYTHON3 ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python

# Pyomo looks for libpynumero_ASL.so in $PYOMO_CONFIG_DIR/lib (cge/_env.py sets the same default).
export PYOMO_CONFIG_DIR := $(CURDIR)/$(VENV)/pyomo

DEB_PACKAGES := libamplsolver-dev cmake g++ chromium fonts-wqy-microhei
MULTIARCH    := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null)
ASL_INCLUDE_DIR := /usr/include/ampl-netlib-solvers
ASL_LIBRARY     := /usr/lib/$(MULTIARCH)/libamplsolver.so
PYNUMERO_ASL    := $(PYOMO_CONFIG_DIR)/lib/libpynumero_ASL.so

STAMP_DEB := $(VENV)/.stamp-1-deb
STAMP_PIP := $(VENV)/.stamp-2-pip
STAMP_ASL := $(VENV)/.stamp-3-pynumero-asl
STAMP_PYAM := $(VENV)/.stamp-4-pyam-env
PYAM_ENV   := $(VENV)/pyam-env

PYTEST_ARGS ?=

.PHONY: setup test run sam doctor docs wheel clean distclean

setup: $(STAMP_ASL) $(STAMP_PYAM)

# --- stamp 1: Debian packages -------------------------------------------------------------
$(STAMP_DEB):
	@mkdir -p $(VENV)
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg -s $$p 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	  else echo "error: Debian packages missing:$$missing -- run 'make setup' as root or install sudo" >&2; exit 1; fi; \
	  echo "Installing Debian packages:$$missing"; \
	  $$sudo apt-get update && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
	@touch $@

# --- stamp 2: virtual environment and Python packages ------------------------------------
$(STAMP_PIP): pyproject.toml | $(STAMP_DEB)
	@test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install -e '.[test,docs]'
	@touch $@

# --- stamp 3: PyNumero ASL library (needed by Pyomo's cyipopt interface) ------------------
$(STAMP_ASL): $(STAMP_PIP) $(STAMP_DEB)
	@test -f $(ASL_LIBRARY) || { echo "error: $(ASL_LIBRARY) not found (Debian package libamplsolver-dev; multiarch '$(MULTIARCH)')" >&2; exit 1; }
	$(PY) -m pyomo.contrib.pynumero.build -DASL_INCLUDE_DIR=$(ASL_INCLUDE_DIR) -DASL_LIBRARY=$(ASL_LIBRARY)
	@test -f $(PYNUMERO_ASL) || { echo "error: the PyNumero build did not produce $(PYNUMERO_ASL)" >&2; exit 1; }
	@touch $@

# --- stamp 4: pyam-iamc in its own environment (pyam-iamc 3.x needs pandas < 3, 4.x matplotlib < 3.11;
# the test suite reads the IAMC export back with it, as a pyam user would) -------------------
$(STAMP_PYAM): | $(STAMP_DEB)
	@test -x $(PYAM_ENV)/bin/python || $(PYTHON3) -m venv $(PYAM_ENV)
	$(PYAM_ENV)/bin/python -m pip install -q 'pyam-iamc>=3.3' 'sqlalchemy<2.1'
	@touch $@

# --- the commands -----------------------------------------------------------------------
test: setup
	$(PY) -m pytest -q tests $(PYTEST_ARGS)

# `make run`: the baseline and the six carbon-price scenarios 2017-2060, then the tables,
# figures and report.html. `--resume` makes a second call skip finished scenarios.
run: setup
	$(VENV)/bin/cge run --scenarios all --out results --resume
	$(VENV)/bin/cge report --results results/results.nc

# the documentation site (mkdocs-material + mkdocstrings) into site/, warnings as errors
docs: setup
	$(VENV)/bin/mkdocs build --strict

# the wheel (scenarios, closures and data inside) into dist/
wheel: setup
	$(PY) -m pip wheel --no-deps -w dist .

sam: setup
	$(PY) -m sam build

doctor: setup
	$(VENV)/bin/cge doctor

# clean: caches and build leftovers; distclean also removes the virtual environment.
clean:
	rm -rf build/ dist/ site/ .pytest_cache/ *.egg-info tests/artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
