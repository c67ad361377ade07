# Two set-up commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/radar.duckdb

.PHONY: run test demo install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project definition changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(DB): | $(VENV)/.installed
	RADAR_DB=$(DB) $(BIN)/radar demo

demo: $(VENV)/.installed
	RADAR_DB=$(DB) $(BIN)/radar demo --replace

run: $(VENV)/.installed $(DB)
	RADAR_DB=$(DB) $(BIN)/streamlit run app.py --server.port 8501 --server.headless true --browser.gatherUsageStats false

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) data/*.duckdb data/*.duckdb.wal
