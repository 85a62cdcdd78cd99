# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# The first interpreter that works, in order of preference; `make PYTHON=/path/to/python3.x` picks one.
# TensorFlow 2.21 ships wheels for Python 3.10-3.13, onnxruntime 1.32 for 3.11-3.13.
PYTHON_CANDIDATES := python3.11 python3.12 python3.13 python3
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell $(p) -c 'import sys; print("$(p)" if (3, 11) <= sys.version_info[:2] <= (3, 13) else "")' 2>/dev/null)))
endif
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL ?= 2
export KERAS_BACKEND := tensorflow

.PHONY: demo test bench install clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: no Python 3.11-3.13 found (tried $(PYTHON_CANDIDATES)); pass PYTHON=/path/to/python3.x" >&2; exit 2; }
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version 2>&1))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing tfjourney into $(VENV) ($$($(BIN)/python --version 2>&1))"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tfjourney journey

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) runs build *.egg-info src/*.egg-info
