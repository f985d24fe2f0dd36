# The commands the README names. Each one makes the virtual environment it needs.
#   make book   build the book into _build/html (the main job)
#   make test   run every test (library, book build, browser, grading pipeline)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The chapters, the assignments and the tests run small models: one OpenMP/BLAS thread
# per process is as fast for them, and a busy 2-core machine does not thrash (torch's
# default thread pool made some chapters 10x slower under load). Set it to override.
export OMP_NUM_THREADS ?= 1

.PHONY: book test lint env clean

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[book,grading,dev]"
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check .

# The book is built first (its build is itself a check: warnings, failing cells, broken
# references), then pytest runs everything, including tests/book on _build/html.
test: $(STAMP) book browser
	$(BIN)/python -m pytest

clean:
	rm -rf _build

# book.mk: the book build (make book); i18n.mk: its translations (Korean);
# grading.mk: the instructor's nbgrader targets
include mk/book.mk mk/i18n.mk mk/grading.mk
