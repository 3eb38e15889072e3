# `make demo` runs the main job on the built-in default spec.
# `make test` runs the test suite. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FASHION_DIR := /usr/share/datasets/fashion-mnist

.PHONY: demo test system-deps clean

$(BIN)/neurokit: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/neurokit
	$(BIN)/neurokit scaling

# The IDX loader tests read the real Fashion-MNIST files from Debian's
# dataset-fashion-mnist. Install it when missing and when apt-get can run.
system-deps:
	@if [ ! -d $(FASHION_DIR) ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	fi

# pytest exits 5 when it collects no test; that is not a failure here.
test: $(BIN)/neurokit system-deps
	$(BIN)/python -m pytest -ra; rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc

clean:
	rm -rf $(VENV) build *.egg-info
