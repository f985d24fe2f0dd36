"""End to end through the real grading commands, for every assignment under assignments/source.

One temporary copy of the course per assignment; ``nbgrader generate_assignment``, then
ONE grading run for all the students of :mod:`grading_cases` (what ``make autograde``
runs: the parallel grader, sandboxed kernels), then ``nbgrader generate_feedback`` and
``export``. Scores are read from the gradebook, per part.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from grading_cases import COURSE, REFERENCE_MESSAGE, Below, Submission, make_submissions
from nbgrader.api import Gradebook

ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
CELL_TIMEOUT = 60  # seconds per cell in these tests (the course default is 120)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def autograde(course: Path) -> str:
    """Grade the class as ``make autograde`` does (in parallel, sandboxed); its summary.

    ``tests/grading/test_autograde_parallel.py`` shows that this grades exactly as
    ``nbgrader autograde`` does.
    """
    env = {**os.environ, "LECTURE7_CELL_TIMEOUT": str(CELL_TIMEOUT)}
    proc = subprocess.run([sys.executable, "-m", "lecture7.grading.autograde", "--course",
                           str(course), "--workers", "2", "--no-progress"], env=env,
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, f"autograde failed:\n{proc.stdout}\n{proc.stderr}"
    assert "failed:" not in proc.stdout, proc.stdout
    return proc.stdout + proc.stderr


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run an nbgrader command in ``course``; fail the test when it fails."""
    bindir = str(Path(sys.executable).parent)  # nbgrader runs alembic from PATH
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
           "LECTURE7_CELL_TIMEOUT": str(CELL_TIMEOUT)}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@dataclass
class Graded:
    """Everything one assignment's grading run produced."""

    assignment: str
    course: Path
    sources: dict[str, nbformat.NotebookNode]  # notebook name -> source notebook
    submissions: dict[str, dict[str, Submission]]  # student -> notebook -> submission
    scores: dict[str, dict[str, float | None]]  # student -> grade_id -> score
    feedback: dict[str, str]  # student -> text of all its feedback pages
    csv_rows: dict[str, dict[str, str]]
    log: str

    def expected(self, student: str) -> dict[str, float | Below]:
        return {k: v for sub in self.submissions[student].values() for k, v in sub.expected.items()}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory) -> Graded:
    assignment = request.param
    course = tmp_path_factory.mktemp(assignment)
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source" / assignment, course / "source" / assignment)
    nbgrader(course, "generate_assignment", assignment, "--force")

    sources, by_notebook = {}, {}
    for path in sorted((course / "release" / assignment).glob("*.ipynb")):
        source = nbformat.read(course / "source" / assignment / path.name, as_version=4)
        sources[path.stem] = source
        by_notebook[path.stem] = {s.student: s for s in make_submissions(
            source, nbformat.read(path, as_version=4))}
    students = sorted({s for subs in by_notebook.values() for s in subs})
    submissions = {student: {nb: subs.get(student, subs["solution"])
                             for nb, subs in by_notebook.items()} for student in students}
    for student, notebooks in submissions.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for name, sub in notebooks.items():
            nbformat.write(sub.nb, folder / f"{name}.ipynb")

    log = autograde(course)
    db = f"sqlite:///{course / 'gradebook.db'}"
    scores: dict[str, dict[str, float | None]] = {}
    with Gradebook(db) as gb:
        for student in students:
            for name in sources:
                for grade in gb.find_submission_notebook(name, assignment, student).grades:
                    scores.setdefault(student, {})[grade.name] = grade.score
        for name, source in sources.items():  # the instructor grades the written answers
            for cell in source.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "markdown" and meta.get("grade"):
                    grade = gb.find_grade(meta["grade_id"], name, assignment, "solution")
                    grade.manual_score = meta["points"]
        gb.db.commit()

    nbgrader(course, "generate_feedback", assignment)
    feedback = {student: "\n".join(_text(p.read_text()) for p in sorted(
        (course / "feedback" / student / assignment).glob("*.html"))) for student in students}
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)
                if row["assignment"] == assignment}
    return Graded(assignment, course, sources, submissions, scores, feedback, rows, log)


def _assert_scores(graded: Graded, student: str) -> None:
    expected, got = graded.expected(student), graded.scores[student]
    wrong = {k: (v, got.get(k)) for k, v in expected.items()
             if not (v.matches(got.get(k)) if isinstance(v, Below) else got.get(k) == pytest.approx(v))}
    assert not wrong, (f"{student}: part -> (expected, got) {wrong}\n"
                       f"feedback:\n{graded.feedback.get(student, '')[-3000:]}")


def test_source_solution_scores_full_marks(graded):
    _assert_scores(graded, "solution")


def test_unmodified_release_scores_zero(graded):
    _assert_scores(graded, "release")


def test_each_mistake_loses_points_and_feedback_names_it(graded):
    students = [s for s in graded.submissions if s.startswith("mistakes-")]
    assert students, "the catalogue has no mistakes for this assignment"
    for student in students:
        _assert_scores(graded, student)
        for sub in graded.submissions[student].values():
            for name in sub.feedback_mentions:
                assert name in graded.feedback[student], f"{student}: feedback does not name {name}"


def test_code_as_real_students_write_it_scores_full_or_is_named(graded):
    students = [s for s in graded.submissions if s.startswith("real-")]
    for student in students:
        _assert_scores(graded, student)
        for sub in graded.submissions[student].values():
            for name in sub.feedback_mentions:
                assert name in graded.feedback[student], f"{student}: feedback does not name {name}"


@pytest.mark.parametrize("student", ["raises-loops", "kernel-dies", "deleted-stderr"])
def test_broken_submissions_are_graded(graded, student):
    _assert_scores(graded, student)
    for sub in graded.submissions[student].values():
        for text in sub.feedback_mentions:
            assert text in graded.feedback[student], f"{student}: feedback lacks {text!r}"


def test_delegating_to_the_reference_earns_nothing(graded):
    _assert_scores(graded, "delegates")
    assert REFERENCE_MESSAGE in graded.feedback["delegates"]


@pytest.mark.parametrize("student", ["tamper-patches", "tamper-hooks"])
def test_tampering_with_the_grader_earns_nothing(graded, student):
    _assert_scores(graded, student)


def test_feedback_contains_no_hidden_test_source(graded):
    hidden = set()
    for source in graded.sources.values():
        for cell in source.cells:
            inside = False
            for line in cell.source.splitlines():
                if "BEGIN HIDDEN TESTS" in line:
                    inside = True
                elif "END HIDDEN TESTS" in line:
                    inside = False
                elif inside and line.strip():
                    hidden.add(line.strip())
    assert hidden
    for student, text in graded.feedback.items():
        assert text, f"no feedback for {student}"
        assert "HIDDEN TESTS" not in text, student
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{student}'s feedback shows hidden test source: {leaked}"


def test_export_has_the_expected_totals(graded):
    manual = sum(float(c.metadata["nbgrader"]["points"]) for s in graded.sources.values()
                 for c in s.cells if c.cell_type == "markdown"
                 and c.metadata.get("nbgrader", {}).get("grade"))
    autograded = sum(graded.expected("solution").values())
    assert set(graded.csv_rows) == set(graded.submissions)
    for student, row in graded.csv_rows.items():
        got = graded.scores[student]
        total = sum(got[k] if isinstance(v, Below) else v
                    for k, v in graded.expected(student).items())
        total += manual if student == "solution" else 0
        assert float(row["score"]) == pytest.approx(total), (student, row)
        assert float(row["max_score"]) == pytest.approx(autograded + manual), (student, row)
