# The commands the README names. Each one makes the virtual environment it needs.
#   make book   build the book into _build/html (the main job)
#   make test   run every test (library, book build, browser, grading pipeline)
SHELL := /bin/bash
# The interpreter: the first supported one on PATH (3.11 first: PyTorch's CPU wheel is
# built for it), else python3; tools/check_python.py refuses others in one line.
# Any other: make book PYTHON=/path/to/python3.12
PYTHON ?= $(firstword $(foreach v,3.11 3.12 3.13,$(shell command -v python$(v))) \
	$(shell command -v python3))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The chapters, the assignments and the tests run small models: one OpenMP/BLAS thread
# per process is as fast for them, and a busy 2-core machine does not thrash (torch's
# default thread pool made some chapters 10x slower under load). Set it to override.
export OMP_NUM_THREADS ?= 1

.PHONY: book test lint env clean constraints

# $(call apt-install,CHECK,PACKAGES,FOR): install Debian PACKAGES with apt-get unless the
# shell command CHECK succeeds; where that is impossible (not root, no apt-get), say so:
# the tests that need them skip, or fail under CI=true. (No commas in the arguments.)
define apt-install
if { $(1); } >/dev/null 2>&1; then :; \
elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	echo "Installing $(2) for $(3) (apt-get install $(2))"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
else \
	echo "$(2) is not installed and cannot be installed here (needs root and apt-get):"; \
	echo "the tests of $(3) will skip (or fail when CI=true)."; \
fi
endef

env: $(STAMP)

# The environment is made again when it was made with another Python than $(PYTHON).
$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "No python3 on PATH. lecture7 needs Python 3.11, 3.12 or 3.13:" \
		"make book PYTHON=/path/to/python3.12"; exit 1; }
	@$(PYTHON) tools/check_python.py
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print(sys.version_info[:2])')" \
		!= "$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ]; then \
		echo "$(VENV) was made with another Python: making it again with $(PYTHON)"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[book,grading,dev]"
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check .

# The book is built first (its build is itself a check: warnings, failing cells, broken
# references), then pytest runs everything, including tests/book on _build/html.
test: $(STAMP) book browser sandbox
	$(BIN)/python -m pytest

clean:
	rm -rf _build

# Regenerate constraints.txt after a change to pyproject.toml's dependencies: resolves
# on every supported Python found here (tools/lock_constraints.py; needs PyPI).
# Existing pins are kept; UPGRADE=1 takes the newest release of everything.
constraints: $(STAMP)
	$(BIN)/python tools/lock_constraints.py $(if $(UPGRADE),--upgrade)

# book.mk: the book build (make book); i18n.mk: its translations (Korean);
# grading.mk: the instructor's nbgrader targets
include mk/book.mk mk/i18n.mk mk/grading.mk
