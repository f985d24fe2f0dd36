# nbgrader course targets for instructors: see README.md and book/instructor_guide.md.
#
#   make assignment-notebooks   build assignments/source/*/*.ipynb from assignments/notebooks/*/*.py
#   make release                validate, then nbgrader generate_assignment --force -> assignments/release/
#   make autograde              grade every new or changed submission in assignments/submitted/:
#                               in parallel, every kernel sandboxed (python -m lecture7.grading.autograde)
#   make feedback               nbgrader generate_feedback -> assignments/feedback/
#   make export                 nbgrader export -> assignments/grades.csv
#
# Variables: ASSIGNMENT=a2_optimizers (one assignment instead of all), WORKERS=16 (grading
# processes; default: the cores), DASK_SCHEDULER=tcp://host:8786 (grade on a Dask cluster),
# FORCE=1 (regrade submissions, or remake feedback, that exist already),
# LECTURE7_DEVICE=cuda|cpu (where the checks run), LECTURE7_CELL_TIMEOUT=120 (s per cell),
# LECTURE7_SANDBOX=off (grade without the sandbox: student code runs with your rights).
# Commands run in assignments/ (the course directory); the gradebook is assignments/gradebook.db.

COURSE := assignments
ASSIGNMENT ?=
ASSIGNMENTS = $(or $(ASSIGNMENT),$(notdir $(wildcard $(COURSE)/source/*)))
FORCE ?=
NBGRADER_FLAGS ?= $(if $(FORCE),--force)
# nbgrader calls alembic (its database migrations) from PATH: put the venv first
NBGRADER = cd $(COURSE) && PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/nbgrader

.PHONY: assignment-notebooks release autograde feedback export sandbox

# Grading runs every kernel in a bubblewrap sandbox (lecture7/grading/sandbox.py). The
# tests need it: installed with apt-get where that is possible (root), as for Chromium.
sandbox:
	@$(call apt-install,command -v bwrap,bubblewrap,sandboxed grading)

assignment-notebooks: $(STAMP)
	$(BIN)/python -m lecture7.grading.authoring build $(COURSE)

# --force: the release (and the gradebook's copy of the tests) always matches source/ now
release: $(STAMP)
	$(BIN)/python -m lecture7.grading.authoring check $(COURSE)
	@for a in $(ASSIGNMENTS); do \
	  echo "== release $$a"; \
	  ( $(NBGRADER) generate_assignment "$$a" --force ) || exit 1; \
	done

autograde: $(STAMP)
	$(BIN)/python -m lecture7.grading.autograde --course $(COURSE) $(ASSIGNMENT) \
		$(if $(WORKERS),--workers $(WORKERS)) $(NBGRADER_FLAGS)

# every assignment gets its feedback, even when one student's fails (reported at the end)
feedback: $(STAMP)
	@failed=""; for a in $(ASSIGNMENTS); do \
	  if compgen -G "$(COURSE)/autograded/*/$$a" > /dev/null; then \
	    echo "== feedback $$a"; \
	    ( $(NBGRADER) generate_feedback "$$a" $(NBGRADER_FLAGS) ) || failed="$$failed $$a"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "feedback incomplete for:$$failed (see the log above)"; exit 1; fi

export: $(STAMP)
	$(NBGRADER) export --to grades.csv
	@echo "Grades: $(COURSE)/grades.csv"
