# Liuyan: `make demo` serves the demo, `make test` runs lint and the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: install browser demo serve lint test test-postgres bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Debian's chromium for the browser tests (tests/browser), driven by Playwright, which never downloads a browser of
# its own, and a small Chinese font so that screenshots show the pages' text. Installed with apt-get when absent:
# the developers' and CI's machines run as root.
browser:
	(command -v chromium && fc-list :lang=zh family | grep -q .) >/dev/null 2>&1 || \
	  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-wqy-microhei)

demo: install
	$(BIN)/liuyan migrate --noinput
	$(BIN)/liuyan demo
	LIUYAN_DEMO_MODE=1 $(BIN)/liuyan serve --port $(PORT)

serve: install
	$(BIN)/liuyan serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint browser
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL (CI runs both).
test-postgres: install browser
	LIUYAN_DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench --db sqlite
	$(BIN)/python -m bench --db postgres

# Page speed at a million messages (bench/pages.py): builds each fixture once (bench/million.py; later runs reuse
# it), then times the portal and API pages on it. `make bench-pages BENCH_MESSAGES=100000` for a smaller one.
BENCH_MESSAGES ?= 1000000
.PHONY: bench-pages
bench-pages: install
	$(BIN)/python -m bench million --db sqlite --messages $(BENCH_MESSAGES)
	$(BIN)/python -m bench pages --db sqlite --messages $(BENCH_MESSAGES)
	$(BIN)/python -m bench million --db postgres --messages $(BENCH_MESSAGES)
	$(BIN)/python -m bench pages --db postgres --messages $(BENCH_MESSAGES)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
