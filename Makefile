# Two set-up commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/radar.duckdb
# The dashboard listens on this machine only unless told otherwise (ADDRESS=0.0.0.0 make run); a shared
# dashboard needs sign-in configured first (docs/access.md).
ADDRESS ?= 127.0.0.1
PORT    ?= 8501
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format messages demo install install-test chromium java pdf-printer clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project definition changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,spark]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(DB): | $(VENV)/.installed
	RADAR_DB=$(DB) $(BIN)/radar demo

demo: $(VENV)/.installed
	RADAR_DB=$(DB) $(BIN)/radar demo --replace

# RADAR_LAKE=DIR_OR_URI make run serves a Parquet lake instead, read-only (docs/lake.md); no demo database is built.
run: $(VENV)/.installed pdf-printer $(if $(RADAR_LAKE),,$(DB))
	@echo "Reputation Radar on http://$(ADDRESS):$(PORT)/ ($(if $(filter 127.0.0.1 localhost,$(ADDRESS)),this machine only: no sign-in needed,listening beyond this machine: configure sign-in, see docs/access.md))$(if $(RADAR_LAKE), serving the lake $(RADAR_LAKE) read-only)"
	RADAR_DB=$(DB) RADAR_LAKE=$(RADAR_LAKE) $(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# The browser test drives Debian's Chromium (Playwright cannot download its own browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser test"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# The Spark tests (and `radar spark build`) run Spark in local mode on Debian's Java 17.
java:
	@command -v java >/dev/null 2>&1 || { \
		echo "installing Debian's Java 17 for the Spark tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }

# PDF reports are printed by Chromium too; without it the dashboard runs and says why a PDF cannot be made.
pdf-printer:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium to print PDF reports"; \
		{ $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; } || \
		echo "chromium could not be installed: PDF reports are unavailable, HTML reports work"; }

# Style and types: ruff (lint and format) over the whole tree, mypy over pipeline/ (settings in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Fix what ruff can fix by itself, and format.
format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Texts to translate: extract every marked message into the template, then merge it into each language's
# catalogue (new messages arrive untranslated; tests/test_i18n.py fails until a translator fills them in).
LOCALE_DIR := pipeline/locale
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k Nn_:1,2 --no-wrap --sort-by-file --add-location file \
		--ignore-dirs ".* _* .venv tests bench data" --project "Reputation Radar" -o $(LOCALE_DIR)/messages.pot .
	$(BIN)/pybabel -q update --no-wrap --ignore-obsolete --ignore-pot-creation-date --init-missing \
		-i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l es
	$(BIN)/pybabel -q update --no-wrap --ignore-obsolete --ignore-pot-creation-date --init-missing \
		-i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l pl

test: $(VENV)/.installed-test chromium java lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) data/*.duckdb data/*.duckdb.wal
