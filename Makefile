# permapress: `make run` serves the demo newsroom, `make test` runs every test, `make bench`
# prints the benchmark table. Each target sets up what it needs on its own.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := tests/interop/node_modules/.installed
APT_GET := $(shell command -v apt-get 2>/dev/null)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup python node browser admin-assets verifier-assets bench-tools run test bench lint typecheck golden fuzz clean

setup: python node browser admin-assets

python: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

node: $(NODE_STAMP)

$(NODE_STAMP): tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The editor's scripts and styles (admin-ui/: TinyMDE and our code, bundled by esbuild) go into
# the package beside the admin templates; nothing is loaded from elsewhere at run time.
ADMIN_UI := admin-ui
ADMIN_STATIC := permapress/admin/ui/static
admin-assets: $(ADMIN_STATIC)/admin.js

$(ADMIN_UI)/node_modules/.installed: $(ADMIN_UI)/package.json $(ADMIN_UI)/package-lock.json
	cd $(ADMIN_UI) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ADMIN_STATIC)/admin.js: $(ADMIN_UI)/node_modules/.installed $(ADMIN_UI)/build.mjs $(wildcard $(ADMIN_UI)/src/*)
	cd $(ADMIN_UI) && node build.mjs

# The reader's verifier scripts, minified by the same esbuild into permapress/site/verifier/dist/
# (committed: a site builds without Node; tests/site/test_verifier_assets.py checks they are fresh).
VERIFIER := permapress/site/verifier
verifier-assets: $(ADMIN_UI)/node_modules/.installed
	node $(VERIFIER)/build.mjs

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  [ -n "$(APT_GET)" ] || { echo "Install chromium with your package manager"; exit 1; }; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# hugo, nginx and wrk are the anchors that `make bench` compares against.
bench-tools:
	@for tool in hugo nginx wrk; do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

run: python
	$(BIN)/permapress serve --demo

# Two test processes, each taking whole files (module fixtures such as the npm daemon start once):
# many tests wait on servers, browsers and subprocesses, so two halve the wall time.
test: setup
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: setup bench-tools
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks scale

# A long fuzzing session, not part of `make test`: FUZZ_EXAMPLES random inputs per reader.
FUZZ_EXAMPLES ?= 5000
fuzz: python
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/fuzz

lint: python
	$(BIN)/ruff check permapress tests benchmarks
	$(BIN)/mypy

typecheck: python
	$(BIN)/mypy

# Regenerate tests/golden/ after an intended change of the rendered output.
golden: python
	$(BIN)/python tests/golden/regenerate.py

clean:
	rm -rf $(VENV) tests/interop/node_modules $(ADMIN_UI)/node_modules $(ADMIN_STATIC)/admin.js $(ADMIN_STATIC)/admin.css test-artifacts benchmarks/.work
