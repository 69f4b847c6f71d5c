# graphaudit — two commands on a fresh clone:  make demo   |   make test
# Needs only Python >= 3.11, Java 17 (or 21+) and Maven on the machine; everything else is installed here.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp

CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test neo4j browser bench clean lint bundle bundle-lock

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

# Neo4j Community server jars from Maven Central (for the Neo4j store's tests and `graphaudit neo4j start`):
# the newest release on a Java 21 or later found on the machine, 5.26 LTS on Java 17 (fast once fetched).
neo4j: $(STAMP)
	$(BIN)/python -m graphaudit.neo4j_local fetch

# Debian's Chromium for the browser tests (Playwright drives it; no browser is ever downloaded by a test tool),
# and a CJK font so the screenshots the tests save show Chinese text rather than empty boxes.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x $(CHROMIUM) -a -f $(CJK_FONT) || { echo "installing Debian chromium and fonts-noto-cjk for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

demo: $(STAMP)
	$(BIN)/graphaudit demo

# The jars are optional locally (Neo4j tests skip without them) but required in CI (GRAPHAUDIT_REQUIRE_NEO4J=1).
test: $(STAMP)
	@$(MAKE) --no-print-directory neo4j || [ "$$GRAPHAUDIT_REQUIRE_NEO4J" != "1" ]
	@$(MAKE) --no-print-directory browser
	$(BIN)/python -m pytest -q

# Lint and types: ruff (rules and format) on the code, mypy on the package (config in pyproject.toml).
LINT_PATHS := graphaudit tests benchmarks scripts
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

# The offline bundle for an air-gapped machine (README: "Offline install / 离线安装"): dist/graphaudit-….tar.gz
# with every wheel pinned in requirements/bundle.lock.  PLATFORM=native (default) | manylinux_x86_64 |
# manylinux_aarch64 | win_amd64;  NEO4J=auto (the release this machine's Java runs) or e.g. "5.26.30 2026.08.1"
# adds the Neo4j jars.  bundle-lock re-pins the lock from this venv's versions (needs the package index).
PLATFORM ?= native
NEO4J    ?=
bundle: $(STAMP)
	$(BIN)/python scripts/bundle.py build --platform $(PLATFORM) $(foreach v,$(NEO4J),--neo4j $(v))

bundle-lock: $(STAMP)
	$(BIN)/python scripts/bundle.py lock

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/detection.py

clean:
	rm -rf $(VENV) .cache graphaudit-demo .pytest_cache
