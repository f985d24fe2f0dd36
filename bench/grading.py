"""Grading overhead: autograde wall time per submission, with and without the test cells.

For every assignment under ``assignments/source``, in a temporary copy of the
course: release it twice, as is and with every test cell emptied (the baseline:
the same notebooks, executed by the same nbgrader pipeline, without grading),
submit the source solution for ``--students`` students, and time one
``nbgrader autograde`` call per variant. The calls alternate, ``--repeats``
times; the fastest of each is kept (the machine is shared). Prints seconds
per submission and the ratio (target: under 1.3x).

    .venv/bin/python bench/grading.py [--students 4] [--repeats 2]
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

COURSE = Path(__file__).resolve().parents[1] / "assignments"
TARGET = 1.3


def nbgrader(course: Path, *args: str) -> float:
    """Run one nbgrader command in ``course``; its wall time in seconds."""
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return elapsed


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def without_tests(nb):
    """The notebook with the source of every autograded test cell emptied."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.source = ""
    return nb


def solved(release, source):
    """The release with the source's solutions filled in."""
    nb, answers = copy.deepcopy(release), {_grade_id(c): c.source for c in source.cells}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[_grade_id(cell)]
    return nb


def prepare(course: Path, assignment: str, students: int) -> list[str]:
    """Release ``assignment`` and its test-less twin; submit the solution; their names."""
    names = [assignment, f"{assignment}_notests"]
    for path in (COURSE / "source" / assignment).glob("*.ipynb"):
        source = nbformat.read(path, as_version=4)
        for name, nb in zip(names, [source, without_tests(source)], strict=True):
            (course / "source" / name).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, course / "source" / name / path.name)
    for name in names:
        nbgrader(course, "generate_assignment", name, "--force")
        for path in (course / "release" / name).glob("*.ipynb"):
            source = nbformat.read(course / "source" / name / path.name, as_version=4)
            submission = solved(nbformat.read(path, as_version=4), source)
            for k in range(students):
                folder = course / "submitted" / f"student{k:02d}" / name
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(submission, folder / path.name)
    return names


def main() -> None:
    """Run the benchmark and print one line per assignment."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    assignments = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
    print(f"{'assignment':<20} {'subs':>4} {'with tests':>12} {'tests emptied':>14} {'overhead':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copy(COURSE / "nbgrader_config.py", course)
        for assignment in assignments:
            names = prepare(course, assignment, args.students)
            best = dict.fromkeys(names, float("inf"))
            for _ in range(args.repeats):
                for name in names:
                    seconds = nbgrader(course, "autograde", name, "--force") / args.students
                    best[name] = min(best[name], seconds)
            with_tests, baseline = best[names[0]], best[names[1]]
            ratio = with_tests / baseline
            verdict = "ok" if ratio < TARGET else f"over {TARGET}x"
            print(f"{assignment:<20} {args.students:>4} {with_tests:>10.2f} s {baseline:>12.2f} s "
                  f"{ratio:>8.2f}x  {verdict}")


if __name__ == "__main__":
    main()
