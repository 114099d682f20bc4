# make run  - set up everything and serve the app on http://127.0.0.1:8000
# make test - set up everything and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup index browser postgres translator lint catalog clean

# the app's own modules compiled once (an editable install leaves them to each start, and a machine
# with PYTHONDONTWRITEBYTECODE set compiles them at every start: 0.3 s of a 1.9 s cold start)
run: setup translator index
	@$(BIN)/python -m compileall -q qa web
	$(BIN)/qa serve

test: setup browser postgres translator
	$(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# the CPU build of torch (a plain "torch" would pull the CUDA build, several GB)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# the model exported once to ONNX (QA_ENCODER=onnx), offline, from the installed package's files
	$(BIN)/qa export-model
	rm -f $(VENV)/.installed-*
	touch $@

# Build the index only when none is published (a maintainer rebuilds with scripts/build_index.py).
index: setup
	test -f index/CURRENT || $(BIN)/python scripts/build_index.py

# Debian's chromium for the browser tests (Playwright drives it; it downloads no browser of its own).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's Apertium, which reads a Spanish question in English for the model (qa/translation.py). Without
# it the service still runs (Spanish questions searched untranslated, a warning in its log), so a failed
# install only warns here; the tests fail without it.
translator:
	@test -f /usr/share/apertium/modes/spa-eng_US.mode || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq apertium apertium-en-es >/dev/null; } \
	  || echo "warning: Apertium not installed; Spanish questions will be searched untranslated" >&2

# Debian's postgresql for the staff database tests: tests/postgres.py runs its initdb and pg_ctl for a
# throwaway server in a temporary folder (the tests fail, never skip, without it).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

# The service's own words: extract every message id (N_() and the templates' _() and trans blocks)
# into qa/locale/messages.pot and merge them into each language's catalog; then translate the new
# or fuzzy entries in qa/locale/<lang>/LC_MESSAGES/messages.po (a test fails until every one is).
catalog: setup
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o qa/locale/messages.pot .
	$(BIN)/pybabel -q update -i qa/locale/messages.pot -d qa/locale -D messages --no-wrap

# ruff over everything, mypy (strict on qa/) over the library and the web app
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) index/CURRENT index/versions
