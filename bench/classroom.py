"""A synthetic class to grade, for the grading benchmarks (not a benchmark itself).

:func:`make_class` copies the course's configuration and one assignment into a fresh
folder, releases it, and submits ``size`` notebooks drawn in turn from these kinds
(the same submissions the end-to-end tests grade, ``tests/grading``):

* ``correct``: the source solution;
* ``buggy``: a catalogued mistake in every part (``mistakes-k``);
* ``blank``: the release as handed out;
* ``slow``: one part raises, the next never returns (it hits the cell timeout);
* ``hostile``: attacks on the grader (patching the checks, IPython hooks, killing the
  kernel's parent, forged replies).

:func:`nbgrader` and :func:`autograde` time one grading command on that folder.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grading"))

from grading_cases import COURSE, make_submissions  # noqa: E402
from hostile_cases import hostile_class  # noqa: E402

KINDS = {
    "correct": ["solution"],
    "buggy": ["mistakes-1", "mistakes-2", "mistakes-3"],
    "blank": ["release"],
    "slow": ["raises-loops"],
    "hostile": ["tamper-patches", "tamper-hooks", "kill-the-grader", "forged-dims"],
}
#: correct, buggy, buggy, blank, slow, hostile, correct, ...: a class with every kind
MIX = ["correct", "buggy", "correct", "blank", "buggy", "slow", "correct", "hostile"]


def _env(timeout: int) -> dict:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "LECTURE7_CELL_TIMEOUT": str(timeout)}


def make_class(folder: Path, assignment: str, size: int, *, seed: int = 2026,
               extra_config: str = "") -> dict[str, str]:
    """Make the course in ``folder`` with ``size`` submissions; student -> kind."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", folder)
    with open(folder / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.TrustedExecute.seed = {seed}\n{extra_config}\n")
    shutil.copytree(COURSE / "source" / assignment, folder / "source" / assignment)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment,
                    "--force"], cwd=folder, env=_env(30), check=True, capture_output=True)
    pool: dict[str, dict] = {}
    for path in sorted((folder / "release" / assignment).glob("*.ipynb")):
        source = nbformat.read(folder / "source" / assignment / path.name, as_version=4)
        release = nbformat.read(path, as_version=4)
        subs = [*make_submissions(source, release),
                *hostile_class(source, release, str(folder))]
        for sub in subs:
            if sub.nb is not None:
                pool.setdefault(sub.student, {})[path.name] = sub.nb
    students: dict[str, str] = {}
    cycles = {kind: itertools.cycle(KINDS[kind]) for kind in KINDS}
    for i, kind in zip(range(size), itertools.cycle(MIX), strict=False):
        template = next(cycles[kind])
        student = f"s{i:03d}-{template}"
        target = folder / "submitted" / student / assignment
        target.mkdir(parents=True)
        for name, nb in pool[template].items():
            nbformat.write(nb, target / name)
        students[student] = kind
    return students


def reset(folder: Path) -> None:
    """Forget every grade (the gradebook keeps the assignment as released)."""
    shutil.rmtree(folder / "autograded", ignore_errors=True)
    for name in ("gradebook.db", "grading-ledger.db"):
        (folder / name).unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "--force",
                    *[p.name for p in (folder / "source").iterdir()]], cwd=folder,
                   env=_env(30), check=True, capture_output=True)


def nbgrader(folder: Path, assignment: str, *, timeout: int, env: dict | None = None) -> float:
    """Seconds ``nbgrader autograde`` takes on the class (serial, sandboxed kernels)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment], cwd=folder,
                   env={**_env(timeout), **(env or {})}, capture_output=True)
    return time.perf_counter() - start


def autograde(folder: Path, *args: str, timeout: int,
              env: dict | None = None) -> tuple[float, str]:
    """Seconds ``python -m lecture7.grading.autograde`` (what make autograde runs) takes,
    and its summary."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lecture7.grading.autograde", "--course",
                           str(folder), "--no-progress", *args],
                          env={**_env(timeout), **(env or {})}, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout + proc.stderr)
    return time.perf_counter() - start, proc.stdout
