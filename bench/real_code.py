"""Grade real students' CS231n code through the real pipeline, against labels.

The corpus is a folder kept OUTSIDE the repository (third-party code is never
committed): ``raw/<repo>/optim.py`` and ``raw/<repo>/layers.py`` (students' CS231n
assignment 2 files, from public repositories) and ``labels.json``::

    {"<repo>": {"adam": {"label": "buggy", "mistakes": ["adam-t-starts-at-1"], "why": "..."},
                "rmsprop": {"label": "correct"}, "dropout_forward": {"label": "unfinished"}}}

Labels are decided without the grader: correct or buggy by running each function
against the lecture7 reference on random inputs (dropout by its properties, so that
any valid mask passes), the bugs by reading the code, as catalogue names.

For every repository this builds a submission of ``a2_optimizers`` (its ``sgd_momentum``,
``rmsprop`` and ``adam`` in place of the solution cells, unchanged) and of
``a6_regularization`` (its ``dropout_forward`` inside the adapter of
:mod:`real_code_adapter`, which maps CS231n's ``dropout_forward(x, dropout_param)`` to
ours); the other cells keep the model solution. Then, in a temporary copy of the course,
``nbgrader generate_assignment`` and ONE ``nbgrader autograde`` per assignment (the
real pipeline, as tests/grading/test_grading_e2e.py runs it), and it reads each part's
score from the gradebook and its report from the autograded notebook. Prints:

* correct graded full (of the functions labelled correct);
* false passes (buggy functions graded full: must be 0);
* false fails (correct functions graded below full: must be 0);
* bugs named / wrong: buggy functions whose report names exactly their labelled
  mistakes / names a mistake they do not have;
* the same for the visible check, as a student meets it while working: the visible part
  of the test cell run on the repo's function in this process (correct functions must
  pass it; a buggy one should fail it, and its message should name the mistake).

    .venv/bin/python bench/real_code.py /work/corpus [--in-process] [--only REPO ...]

``--in-process`` grades through the same plan/probe/grade functions without nbgrader
(seconds instead of many minutes; for iterating on checks).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_code_adapter import dropout_cell, rule_cell

COURSE = Path(__file__).resolve().parents[1] / "assignments"
#: assignment -> notebook -> (function -> the test cell that grades it)
PARTS = {"a2_optimizers": ("optimizers", {"sgd_momentum": "test_sgd_momentum",
                                          "rmsprop": "test_rmsprop", "adam": "test_adam"}),
         "a6_regularization": ("regularization", {"dropout_forward": "test_dropout_forward"})}
NAMED = re.compile(r"known mistake '([a-z0-9-]+)'|^\s+- '([a-z0-9-]+)':", re.M)


@dataclass
class Result:
    """How one function was graded: its score, its maximum, the mistakes named."""

    score: float
    points: float
    named: set[str] = field(default_factory=set)
    report: str = ""
    visible_failed: bool = False
    visible_named: set[str] = field(default_factory=set)


def cell_of(repo: Path, function: str) -> str | None:
    if function == "dropout_forward":
        return dropout_cell((repo / "layers.py").read_text())
    return rule_cell((repo / "optim.py").read_text(), function)


def _solution_index(nb, function: str) -> int:
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code" and re.search(
                rf"^(def|class) {function}\b", cell.source, re.M):
            return i
    raise LookupError(function)


def submission(release, source, repo: Path, functions: list[str]):
    """The release, solved by the model solution except for the repo's functions."""
    nb = copy.deepcopy(release)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id]
    for function in functions:
        nb.cells[_solution_index(nb, function)].source = cell_of(repo, function)
    return nb


def _test_cells(assignment: str) -> dict:
    """The source notebook's cells of ``assignment`` by grade id."""
    notebook, _ = PARTS[assignment]
    source = nbformat.read(COURSE / "source" / assignment / f"{notebook}.ipynb", 4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in source.cells}


def _namespace(repo: Path, function: str) -> dict:
    """A student's kernel, reduced to the repo's function (its prints swallowed)."""
    namespace = {"np": np, "torch": torch, "math": math}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(cell_of(repo, function), repo.name, "exec"), namespace)
    return namespace


def visible_check(repo: Path, function: str) -> tuple[bool, set[str]]:
    """Whether the visible part of the function's test cell fails on the repo's function,
    run here as in the student's kernel, and the mistakes its message names."""
    assignment = next(a for a, (_, tests) in PARTS.items() if function in tests)
    cell = _test_cells(assignment)[PARTS[assignment][1][function]]
    visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
    namespace, out = _namespace(repo, function), io.StringIO()
    failed = False
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(visible, f"{function} visible check", "exec"), namespace)
        except Exception as error:  # the check's AssertionError, or the student's own error
            failed = True
            out.write(f"{type(error).__name__}: {error}")
    return failed, _named(out.getvalue())


def _report_text(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def _named(report: str) -> set[str]:
    return {a or b for a, b in NAMED.findall(report)}


# -- the real pipeline -------------------------------------------------------------------------


def nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stderr[-3000:]}")


def grade_with_nbgrader(jobs: dict[str, dict[Path, list[str]]]) -> dict:
    """jobs: assignment -> repo -> functions. Returns (repo, function) -> Result."""
    from nbgrader.api import Gradebook

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copy(COURSE / "nbgrader_config.py", course)
        for assignment, repos in jobs.items():
            notebook, tests = PARTS[assignment]
            shutil.copytree(COURSE / "source" / assignment, course / "source" / assignment)
            nbgrader(course, "generate_assignment", assignment, "--force")
            release = nbformat.read(course / "release" / assignment / f"{notebook}.ipynb", 4)
            source = nbformat.read(course / "source" / assignment / f"{notebook}.ipynb", 4)
            ids = {}
            for k, (repo, functions) in enumerate(sorted(repos.items())):
                student = f"s{k:03d}"
                ids[student] = (repo, functions)
                folder = course / "submitted" / student / assignment
                folder.mkdir(parents=True)
                nbformat.write(submission(release, source, repo, functions),
                               folder / f"{notebook}.ipynb")
            print(f"autograding {len(ids)} submissions of {assignment} ...", flush=True)
            nbgrader(course, "autograde", assignment)
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
                for student, (repo, functions) in ids.items():
                    graded = nbformat.read(course / "autograded" / student / assignment
                                           / f"{notebook}.ipynb", 4)
                    reports = {c.metadata.get("nbgrader", {}).get("grade_id"):
                               _report_text(c.get("outputs", [])) for c in graded.cells}
                    nb = gb.find_submission_notebook(notebook, assignment, student)
                    grades = {g.name: g for g in nb.grades}
                    for function in functions:
                        grade = grades[tests[function]]
                        report = reports.get(tests[function], "")
                        results[repo.name, function] = Result(
                            float(grade.score or 0.0), float(grade.max_score), _named(report),
                            report)
    return results


# -- in process (same planning, probing and grading code, no nbgrader) --------------------------


def grade_in_process(jobs: dict[str, dict[Path, list[str]]]) -> dict:
    from lecture7.grading.probe import MIME, _answer
    from lecture7.grading.trusted import grade_cell, plan_cell
    from lecture7.grading.wire import pack, unpack

    results = {}
    for assignment, repos in jobs.items():
        tests, cells = PARTS[assignment][1], _test_cells(assignment)
        for repo, functions in sorted(repos.items()):
            for function in functions:
                namespace = _namespace(repo, function)
                cell = cells[tests[function]]
                plan = plan_cell(cell.source, np.random.default_rng())
                requests = unpack(plan.code.split('respond("')[1].split('")')[0])
                with contextlib.redirect_stdout(io.StringIO()):
                    answers = [_answer(r, namespace) for r in requests]
                outputs = [{"output_type": "display_data", "data": {MIME: pack(answers)}}]
                points = float(cell.metadata["nbgrader"]["points"])
                new, score = grade_cell(plan, outputs, points)
                report = _report_text(new)
                results[repo.name, function] = Result(score, points, _named(report), report)
    return results


# -- figures -------------------------------------------------------------------------------------


def figures(labels: dict, results: dict) -> str:
    lines, correct, full, passes, fails, buggy, named, wrong = [], 0, 0, [], [], 0, 0, []
    unnamed = []
    for (repo, function), result in sorted(results.items()):
        label = labels[repo][function]
        is_full = math.isclose(result.score, result.points)
        if label["label"] == "correct":
            correct += 1
            full += is_full
            if not is_full:
                fails.append((repo, function, result))
        else:
            buggy += 1
            if is_full:
                passes.append((repo, function, result))
            expected = set(label["mistakes"])
            if result.named - expected:
                wrong.append((repo, function, result, expected))
            elif expected and result.named == expected:
                named += 1
            else:
                unnamed.append((repo, function, result, expected))
    lines.append(f"functions graded: {correct + buggy} ({correct} correct, {buggy} buggy)")
    lines.append(f"correct graded full: {full} of {correct}")
    lines.append(f"false passes (buggy graded full): {len(passes)}")
    lines.append(f"false fails (correct graded below full): {len(fails)}")
    lines.append(f"bugs named: {named} of {buggy} ({100 * named / max(buggy, 1):.0f}%); "
                 f"wrong names: {len(wrong)}")
    for title, rows in (("FALSE PASSES", passes), ("FALSE FAILS", fails)):
        for repo, function, result in rows:
            lines.append(f"  {title}: {repo} {function}: {result.score:g}/{result.points:g}")
    for repo, function, result, expected in wrong:
        lines.append(f"  WRONG NAME: {repo} {function}: named {sorted(result.named)}, "
                     f"labelled {sorted(expected)}")
    for repo, function, result, expected in unnamed:
        lines.append(f"  not named: {repo} {function} ({labels[repo][function]['why']}): "
                     f"named {sorted(result.named)}, labelled {sorted(expected)}")
    lines.append(visible_figures(labels, results))
    return "\n".join(lines)


def visible_figures(labels: dict, results: dict) -> str:
    """The visible check's figures: what a student is told while working."""
    rows = [(repo, function, labels[repo][function], result)
            for (repo, function), result in sorted(results.items())]
    correct = [r for r in rows if r[2]["label"] == "correct"]
    buggy = [r for r in rows if r[2]["label"] != "correct"]
    false_fails = [r for r in correct if r[3].visible_failed]
    caught = [r for r in buggy if r[3].visible_failed]
    named = [r for r in caught
             if r[2]["mistakes"] and r[3].visible_named == set(r[2]["mistakes"])]
    wrong = [r for r in buggy if r[3].visible_named - set(r[2]["mistakes"])]
    lines = [f"visible check: correct passed {len(correct) - len(false_fails)} of "
             f"{len(correct)}; buggy failed {len(caught)} of {len(buggy)}; bugs named "
             f"{len(named)} of {len(buggy)} ({100 * len(named) / max(len(buggy), 1):.0f}%); "
             f"wrong names: {len(wrong)}"]
    for repo, function, _, _ in false_fails:
        lines.append(f"  VISIBLE FALSE FAIL: {repo} {function}")
    for repo, function, label, result in wrong:
        lines.append(f"  VISIBLE WRONG NAME: {repo} {function}: named "
                     f"{sorted(result.visible_named)}, labelled {sorted(label['mistakes'])}")
    for repo, function, label, result in buggy:
        if result.visible_failed and (repo, function, label, result) not in named:
            lines.append(f"  visible not named: {repo} {function} ({label['why']}): named "
                         f"{sorted(result.visible_named)}, labelled {sorted(label['mistakes'])}")
        if not result.visible_failed:
            lines.append(f"  passes the visible check (the hidden tests catch it: "
                         f"{result.score:g}/{result.points:g}): {repo} {function} "
                         f"({label['why']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--only", nargs="*", default=None, help="repositories to grade")
    args = parser.parse_args(argv)
    labels = json.loads((args.corpus / "labels.json").read_text())
    jobs: dict[str, dict[Path, list[str]]] = {a: {} for a in PARTS}
    for repo in sorted((args.corpus / "raw").iterdir()):
        if args.only and repo.name not in args.only:
            continue
        for assignment, (_, tests) in PARTS.items():
            functions = [f for f in tests if labels[repo.name][f]["label"] != "unfinished"]
            if functions:
                jobs[assignment][repo] = functions
    grade = grade_in_process if args.in_process else grade_with_nbgrader
    results = grade(jobs)
    for (name, function), result in results.items():
        result.visible_failed, result.visible_named = visible_check(
            args.corpus / "raw" / name, function)
    print(f"corpus {args.corpus} ({'in process' if args.in_process else 'nbgrader autograde'})")
    print(figures(labels, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
