"""Hostile students against the real ``make autograde``, ``make feedback`` and ``make export``.

One course copy with the optimizers assignment (two victims, every attack of
:mod:`hostile_cases`) and, graded in the same run after it, the schedules assignment.
Every attack must score what the same notebook scores without it, change no one else's
grade or files, read nothing it may not, leave no process behind, and let every other
submission and the next assignment be graded; feedback and export must work for all.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from grading_cases import COURSE, filled
from hostile_cases import DAEMON_MARK, SECRET_ENV, hostile_class
from nbgrader.api import Gradebook

from lecture7.grading.authoring import parts

ROOT = COURSE.parent
ATTACKED, NEXT = "a2_optimizers", "a3_schedules"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def make(target: str, course: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), target,
                           f"COURSE={course}"], env=env, capture_output=True, text=True,
                          timeout=1500)


def _scores(course: Path) -> dict[tuple[str, str, str], float | None]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(sub.assignment.name, sub.student_id, grade.name): grade.auto_score
                for assignment in (ATTACKED, NEXT)
                for sub in gb.assignment_submissions(assignment)
                for nb in sub.notebooks for grade in nb.grades}


def _leftovers(runtime: Path) -> list[str]:
    """Processes of this run's sandboxes (their arguments name its runtime folder)."""
    ps = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if DAEMON_MARK in line or str(runtime) in line]


class Run:
    """Everything the hostile grading run produced."""

    def __init__(self, tmp: Path) -> None:
        self.course = course = tmp / "course"
        course.mkdir()
        shutil.copy(COURSE / "nbgrader_config.py", course)
        self.runtime = tmp / "runtime"
        with open(course / "nbgrader_config.py", "a") as fh:
            fh.write(f"\nc.SandboxedKernelManager.runtime_base = {str(self.runtime)!r}\n")
        for assignment in (ATTACKED, NEXT):
            shutil.copytree(COURSE / "source" / assignment, course / "source" / assignment)
        self.secret = f"secret-{uuid.uuid4()}"
        (course / "instructor-only.txt").write_text(self.secret)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        self.env.update({SECRET_ENV: self.secret, "LECTURE7_CELL_TIMEOUT": "20", "WORKERS": "2",
                         "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
        proc = make("release", course, self.env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        self.expected: dict[tuple[str, str, str], float | None] = {}
        self.hidden_lines: set[str] = set()
        self.solution_lines: set[str] = set()
        for assignment in (ATTACKED, NEXT):
            for path in sorted((course / "release" / assignment).glob("*.ipynb")):
                source = nbformat.read(course / "source" / assignment / path.name, as_version=4)
                release = nbformat.read(path, as_version=4)
                self.hidden_lines |= _region(source, "HIDDEN TESTS")
                given = "\n".join(cell.source for cell in release.cells)  # shown to all
                self.solution_lines |= {line for line in _region(source, "SOLUTION")
                                        if len(line) > 30 and line not in given}
                if assignment == ATTACKED:
                    subs = hostile_class(source, release, str(course))
                else:
                    full = {p.test_id: p.points for p in parts(source)}
                    subs = [("solution", filled(release, source), full),
                            ("release", release, dict.fromkeys(full, 0.0))]
                    subs = [_Plain(*s) for s in subs]
                for sub in subs:
                    self._submit(assignment, path.name, sub)
        self.victims = {p: _digest(p) for p in course.glob("submitted/*victim/*/*.ipynb")}
        self.config = _digest(course / "nbgrader_config.py")
        self.autograde = make("autograde", course, self.env)
        self.scores = _scores(course)
        time.sleep(3)  # a daemon that survived would now change the gradebook
        self.scores_later = _scores(course)
        self.processes = _leftovers(self.runtime)
        self.feedback = make("feedback", course, self.env)
        self.export = make("export", course, self.env)

    def _submit(self, assignment: str, name: str, sub) -> None:
        folder = self.course / "submitted" / sub.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        if sub.nb is None:
            (folder / name).write_text("{not json")
        else:
            nbformat.write(sub.nb, folder / name)
        for entry, kind in (sub.files or {}).items():
            if kind == "fifo":
                os.mkfifo(folder / entry)
            else:
                os.symlink(kind.removeprefix("link:"), folder / entry)
        for test_id, score in sub.expected.items():
            self.expected[(assignment, sub.student, test_id)] = score

    def feedback_text(self, student: str) -> str:
        pages = sorted((self.course / "feedback" / student).rglob("*.html"))
        return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", p.read_text())) for p in pages)


class _Plain:
    def __init__(self, student, nb, expected):
        self.student, self.nb, self.expected, self.files = student, nb, expected, None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _region(source, name: str) -> set[str]:
    """The lines between ``### BEGIN <name>`` and ``### END <name>`` in ``source``."""
    lines, inside = set(), False
    for cell in source.cells:
        for line in cell.source.splitlines():
            if f"BEGIN {name}" in line:
                inside = True
            elif f"END {name}" in line:
                inside = False
            elif inside and line.strip():
                lines.add(line.strip())
    return lines


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    return Run(tmp_path_factory.mktemp("hostile"))


def test_the_run_completes_and_reports_only_the_broken_submissions(run):
    assert run.autograde.returncode == 0, run.autograde.stdout + run.autograde.stderr
    failed = set(re.findall(r"^failed: (\S+) " + ATTACKED, run.autograde.stdout, re.M))
    assert failed == {"fifo-in-submission", "link-in-submission", "broken-json"}, \
        run.autograde.stdout
    assert "a link" in run.autograde.stdout and "a special file" in run.autograde.stdout


def test_every_attack_scores_what_its_notebook_earns_without_it(run):
    wrong = {key: (expected, run.scores.get(key)) for key, expected in run.expected.items()
             if expected is not None and run.scores.get(key) != pytest.approx(expected)}
    assert not wrong, f"(assignment, student, part) -> (expected, got): {wrong}"
    failed = {key: run.scores.get(key) for key, expected in run.expected.items()
              if expected is None and key[1].endswith(("submission", "json"))}
    assert all(score in (None, 0) for score in failed.values()), failed


def test_a_display_update_cannot_raise_a_score(run):
    upgraded = {k[2]: v for k, v in run.scores.items() if k[1] == "display-upgrade"}
    baseline = {k[2]: v for k, v in run.scores.items() if k[1] == "display-baseline"}
    assert upgraded == baseline
    first = next(k[2] for k, v in run.expected.items() if k[1] == "display-baseline" and v is None)
    full = run.expected[(ATTACKED, "aa-victim", first)]
    assert 0 < baseline[first] < full, "the baseline should earn part of the credit"


def test_nothing_survives_and_nothing_changes_after_the_run(run):
    assert run.processes == [], f"processes left behind: {run.processes}"
    assert run.scores_later == run.scores


def test_no_file_of_anyone_else_or_of_the_grader_changed(run):
    for path, digest in run.victims.items():
        assert _digest(path) == digest, f"{path} was changed"
    assert _digest(run.course / "nbgrader_config.py") == run.config
    import importlib.util
    import sysconfig

    import lecture7
    import lecture7.grading.probe as probe

    for path in (importlib.util.cache_from_source(lecture7.__file__),
                 importlib.util.cache_from_source(probe.__file__),
                 os.path.join(sysconfig.get_paths()["purelib"], "zz_hostile.pth")):
        assert not os.path.exists(path) or b"hostile" not in Path(path).read_bytes(), path


def test_the_next_assignment_is_graded(run):
    expected = {k: v for k, v in run.expected.items() if k[0] == NEXT}
    assert expected and all(run.scores.get(k) == pytest.approx(v) for k, v in expected.items())


def test_feedback_and_export_work_for_everybody_and_leak_nothing(run):
    assert run.feedback.returncode == 0, run.feedback.stdout + run.feedback.stderr
    assert run.export.returncode == 0, run.export.stdout + run.export.stderr
    graded = {k[1] for k in run.expected if k[0] == ATTACKED and run.scores.get(k) is not None}
    for student in graded:
        text = run.feedback_text(student)
        assert text, f"no feedback for {student}"
        assert run.secret not in text, f"{student}'s feedback shows the instructor's secret"
        leaked = [line for line in run.hidden_lines if line in text]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked[:2]}"
        if all(v == 0 for k, v in run.expected.items() if k[1] == student):
            # built on the release: any solution line in its feedback was stolen
            stolen = [line for line in run.solution_lines if line in text]
            assert not stolen and not re.search(r"(STOLE|COPIED) \S", text), (student, stolen)
    links = [p for p in (run.course / "feedback").rglob("*") if p.is_symlink()]
    assert not links, links
    pages = list((run.course / "feedback").rglob("*.html"))
    assert max(p.stat().st_size for p in pages) < 20 * 2**20
    notebooks = list((run.course / "autograded").rglob("*.ipynb"))
    assert max(p.stat().st_size for p in notebooks) < 16 * 2**20
    with open(run.course / "grades.csv", newline="") as fh:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)
                if row["assignment"] == ATTACKED}
    everyone = {k[1] for k in run.expected if k[0] == ATTACKED}
    assert everyone <= set(rows), everyone - set(rows)
    for student in ("fifo-in-submission", "link-in-submission", "broken-json"):
        assert rows[student] == 0
