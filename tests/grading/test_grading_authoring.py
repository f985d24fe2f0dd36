"""Building and validating assignment notebooks, and the course's nbgrader configuration."""

import copy
import re

import nbformat
import pytest
from grading_cases import COURSE
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item

from lecture7.grading.authoring import build, check_all, validate

SCRIPT = """# ruff: noqa: E402
# %% [markdown]
# # Title
#
# Text with $x^2$.
# %% [readonly] setup
import numpy as np
# %% [solution] adam
def adam(w, dw, config=None):
    ### BEGIN SOLUTION
    return w, config
    ### END SOLUTION
# %% [tests] test_adam points=3
from lecture7.grading.optimizers import check_adam

check_adam(adam)
### BEGIN HIDDEN TESTS
check_adam(adam, hidden=True, points=3)
### END HIDDEN TESTS
# %% [answer] why points=2
# A model answer.
"""


def test_build_turns_headers_into_nbgrader_cells():
    nb = build(SCRIPT)
    kinds = [(c.cell_type, c.metadata.get("nbgrader", {}).get("grade_id")) for c in nb.cells]
    assert kinds == [("markdown", None), ("code", "setup"), ("code", "adam"),
                     ("code", "test_adam"), ("markdown", "why")]
    assert nb.cells[0].source == "# Title\n\nText with $x^2$."
    assert nb.cells[3].metadata.nbgrader == {"grade": True, "grade_id": "test_adam",
                                             "locked": True, "points": 3, "schema_version": 3,
                                             "solution": False, "task": False}
    assert nb.cells[4].metadata.nbgrader["solution"] and nb.cells[4].source == "A model answer."
    assert [c.id for c in nb.cells] == ["cell-000", "setup", "adam", "test_adam", "why"]
    assert validate(nb) == []


@pytest.mark.parametrize(("script", "message"), [
    ("# %% [solutoin] adam\n", "malformed cell header"),
    ("x = 1\n# %% [code]\n", "code before the first"),
    ("# %% [solution]\n", "need grade_id"),
    ("# %% [code] named\n", "take no grade_id"),
    ("# %% [tests] t\n", "must"),
    ("# %% [markdown]\nnot a comment\n", "must start with '# '"),
])
def test_build_refuses_malformed_scripts(script, message):
    with pytest.raises(ValueError, match=message):
        build(script)


def _broken(edit):
    nb = build(SCRIPT)
    edit(nb)
    return validate(nb)


def _copy(cell):
    cell = copy.deepcopy(cell)
    cell.id = "another-id"
    return cell


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda nb: nb.cells.append(_copy(_cell(nb, "why"))), "duplicate grade_ids"),
    (lambda nb: _cell(nb, "setup").outputs.append(
        nbformat.v4.new_output("stream", text="x")), "outputs are committed"),
    (lambda nb: setattr(_cell(nb, "adam"), "source", _cell(nb, "adam").source.replace(
        "return w, config", "from lecture7.optim import adam as a; return a(w, dw, config)")),
     "must not use lecture7"),
    (lambda nb: setattr(_cell(nb, "adam"), "source", "def adam(w, dw):\n    return w"),
     "BEGIN/END SOLUTION"),
    (lambda nb: nb.cells.remove(_cell(nb, "test_adam")), "no test cell with points"),
    (lambda nb: nb.cells.remove(_cell(nb, "why")), "no manually graded written answer"),
    (lambda nb: _cell(nb, "test_adam").metadata.nbgrader.update(points=4), "points=3 in the call"),
    (lambda nb: setattr(_cell(nb, "test_adam"), "source", re.sub(
        r"### BEGIN HIDDEN TESTS\n.*\n### END HIDDEN TESTS", "", _cell(nb, "test_adam").source)),
     "needs hidden check calls"),
    (lambda nb: setattr(_cell(nb, "test_adam"), "source",
                        _cell(nb, "test_adam").source.replace("check_adam(adam)\n", "")),
     "needs visible check calls"),
    (lambda nb: setattr(_cell(nb, "test_adam"), "source",
                        _cell(nb, "test_adam").source + "\nassert True"), "only check imports"),
    (lambda nb: setattr(_cell(nb, "test_adam"), "source", "from lecture7.grading.optimizers "
                        "import check_nothing\ncheck_nothing(adam)"), "is not a lecture7.grading"),
])
def test_validate_finds_what_is_wrong(edit, message):
    problems = _broken(edit)
    assert any(message in p for p in problems), problems


def test_course_notebooks_are_valid_and_built_from_their_scripts():
    assert sorted((COURSE / "source").glob("*/*.ipynb")), "no assignment notebooks"
    assert check_all(COURSE) == []


def test_course_configuration():
    c = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config()
    assert c.CourseDirectory.root == str(COURSE)
    assert c.CourseDirectory.db_url == f"sqlite:///{COURSE / 'gradebook.db'}"
    assert c.Execute.timeout > 0 and c.Execute.interrupt_on_timeout is True
    assert c.OverwriteCells.add_missing_cells is True
    assert "lecture7.grading.nbgrader_ext.TrustedExecute" in c.Autograde.autograde_preprocessors
    assert c.Autograde.sanitize_preprocessors[0] == "lecture7.grading.repair.RepairMetadata"
    feedback = c.GenerateFeedback.preprocessors
    assert feedback.index("lecture7.grading.nbgrader_ext.ClearHiddenTestsSafely") > 0
    for name in [*c.Autograde.sanitize_preprocessors, *c.Autograde.autograde_preprocessors,
                 *feedback]:
        import_item(name)
    assert c.IgnorePattern.enabled is True
    pattern = re.compile(c.IgnorePattern.pattern)
    framework = ("/venv/lib/python3.11/site-packages/torch/nn/modules/module.py:123: "
                 "UserWarning: something internal\n  warnings.warn(")
    assert pattern.search(framework)
    assert not pattern.search("student debug output\n")
    assert not pattern.search("/home/me/notebook.py:3: UserWarning: mine")


def test_generated_files_are_ignored_by_git():
    ignored = (COURSE.parent / ".gitignore").read_text()
    for name in ["release/", "submitted/", "autograded/", "feedback/", "gradebook.db"]:
        assert f"assignments/{name}" in ignored
