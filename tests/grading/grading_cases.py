"""Student submissions for the end-to-end grading tests, derived from any assignment;
and the checks the course notebooks call (CHECKS, MISTAKES) for the unit tests.

Everything is computed from the source notebook, its release and the mistake
catalogue, so a new assignment is covered without new test code:

* ``solution``: the release with the source's solutions (full marks);
* ``release``: the release untouched (0 on every autograded part);
* ``mistakes-k``: the k-th catalogued mistake of every target pasted in place of
  its solution cell (those parts lose points, :class:`Below`; the feedback names each
  mistake);
* ``real-...``: code as real students write it (:mod:`real_world`): full marks where
  it is right, named mistakes where it is not;
* ``raises-loops``: one part's code raises, the next one never returns;
  ``kernel-dies``: one part kills the kernel; ``deleted-stderr``: every test
  cell deleted, and the student's own code writes to stderr and warns; ``delegates``: every part calls
  the reference; ``tamper-patches``/``tamper-hooks``: stubs plus attacks on the
  grading code, NumPy, builtins, ``sys.modules``, IPython's hooks.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell
from real_world import FULL, STUDENTS

from lecture7.grading.authoring import parts
from lecture7.grading.cells import parse_test_cell

COURSE = Path(__file__).resolve().parents[2] / "assignments"
REFERENCE_MESSAGE = "uses the reference implementation"
TIMEOUT_MESSAGE = "did not finish within"


@dataclass(frozen=True)
class Below:
    """An expected score: less than full marks (the part loses some of its sub-checks)."""

    full: float

    def matches(self, score: float | None) -> bool:
        return score is not None and 0 <= score < self.full


@dataclass
class Submission:
    """One student's notebook and what grading it must produce."""

    student: str
    nb: nbformat.NotebookNode
    expected: dict[str, float | Below]  # test cell grade_id -> autograded score
    feedback_mentions: list[str] = field(default_factory=list)


def _solution_cells(nb) -> dict[str, tuple[int, set[str]]]:
    """target name -> (cell index, names the cell defines), for code solution cells."""
    found = {}
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            tree = ast.parse(cell.source)
            names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
            for name in names:
                found[name] = (index, names)
    return found


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _replace(nb, target: str, source: str):
    index, _ = _solution_cells(nb)[target]
    nb.cells[index].source = source


def _is_class(source_nb, target: str) -> bool:
    index, _ = _solution_cells(source_nb)[target]
    tree = ast.parse(source_nb.cells[index].source)
    return any(isinstance(n, ast.ClassDef) and n.name == target for n in tree.body)


def _insert_after_setup(nb, source: str):
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first + 1, new_code_cell(source))


def filled(release, source):
    """The release with every solution (code and written) taken from the source."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = source.cells[_index(source, meta["grade_id"])].source
    return nb


def _delegation(source_nb, target: str, reference: str, style: int) -> str:
    module, _, attr = reference.partition(":")
    if style % 3 == 0:
        if _is_class(source_nb, target):
            return f"from {module} import {attr} as _Reference\n\n\nclass {target}(_Reference):\n    pass\n"
        return (f"from {module} import {attr} as _reference\n\n\n"
                f"def {target}(*args, **kwargs):\n    return _reference(*args, **kwargs)\n")
    if style % 3 == 1:
        return f"import {module} as _reference_module\n\n{target} = _reference_module.{attr}\n"
    return (f"import importlib\n\n_captured = getattr(importlib.import_module({module!r}), {attr!r})\n"
            f"{target} = type({target!r}, (_captured,), {{}}) if isinstance(_captured, type) else "
            f"(lambda *args, **kwargs: _captured(*args, **kwargs))\n")


TAMPER_PATCHES = '''
import builtins, sys, types
import numpy
import lecture7.grading.core as _core
import lecture7.grading.probe as _probe

numpy.allclose = lambda *args, **kwargs: True
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.broadcast(a, b).shape, bool)
builtins.AssertionError = type("AssertionError", (Exception,), {})
_core.Check.__call__ = lambda self, *args, points=None, **kwargs: points
_core.Check.judge = lambda self, cases, observed, hidden=False: _core.Verdict(self.name, hidden, [])
_probe.respond = lambda token: None
for _module in MODULES:
    __import__(_module)
    for _name in dir(sys.modules[_module]):
        if _name.startswith("check_"):
            setattr(sys.modules[_module], _name, lambda *args, points=None, **kwargs: points)
    _fake = types.ModuleType(_module)
    _fake.__getattr__ = lambda name: (lambda *args, points=None, **kwargs: points)
    sys.modules[_module] = _fake
'''

TAMPER_HOOKS = '''
import sys
ip = get_ipython()
ip.input_transformers_post.append(lambda lines: ["10\\n"])
sys.displayhook = lambda value: print(value)
'''


def make_submissions(source, release) -> list[Submission]:
    """Every submission of the end-to-end tests for one notebook of an assignment."""
    found = parts(source)
    full = {p.test_id: p.points for p in found}
    zero = dict.fromkeys(full, 0.0)
    solution = filled(release, source)
    subs = [Submission("solution", solution, dict(full)), Submission("release", release, zero)]

    # each target's catalogued mistakes, spread over as few submissions as possible
    pending = {}
    for part in found:
        for check in part.checks:
            for m in check.mistakes:
                pending.setdefault(m.target, [])
                if m not in pending[m.target]:
                    pending[m.target].append(m)
    k = 0
    while any(pending.values()):
        k += 1
        nb, expected, named = copy.deepcopy(solution), dict(full), []
        for target, queue in pending.items():
            if queue:
                m = queue.pop(0)
                _replace(nb, target, m.source(target))
                named.append(m.name)
                for part in found:
                    if any(m in check.mistakes for check in part.checks):
                        expected[part.test_id] = Below(part.points)
        subs.append(Submission(f"mistakes-{k}", nb, expected, named))

    # code as real students write it, for the notebooks that have its functions
    defined = _solution_cells(source)
    for student in STUDENTS:
        if all(target in defined for target in student.cells):
            nb, expected, named = copy.deepcopy(solution), dict(full), []
            for target, cell in student.cells.items():
                _replace(nb, target, cell.strip() + "\n")
                named += student.expect[target]
                for part in found:
                    if target in part.targets and student.expect[target] != FULL:
                        expected[part.test_id] = Below(part.points)
            subs.append(Submission(student.name, nb, expected, named))

    def broken(*changes):
        nb, expected = copy.deepcopy(solution), dict(full)
        for part, body in changes:
            for target in part.targets:
                _replace(nb, target, f"def {target}(*args, **kwargs):\n{body}")
            expected[part.test_id] = 0.0
        return nb, expected

    # the first part raises, the second never returns, a top-level cell fails
    raising, looping = "    raise RuntimeError('oops')\n", "    while True:\n        pass\n"
    nb, expected = broken(*zip(found[:2], [raising, looping], strict=False))
    _insert_after_setup(nb, "1 / 0  # a student cell that fails at top level")
    mentions = ["RuntimeError: oops"] + ([TIMEOUT_MESSAGE] if len(found) > 1 else [])
    subs.append(Submission("raises-loops", nb, expected, mentions))
    middle = len(found) // 2
    nb, expected = broken((found[middle], "    import os\n    os._exit(1)\n"))
    expected.update({p.test_id: 0.0 for p in found[middle:]})
    subs.append(Submission("kernel-dies", nb, expected))

    # every test cell deleted (nbgrader restores them), and stderr from the student's code
    nb = copy.deepcopy(solution)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in full]
    for target in reversed(list(_solution_cells(nb))):
        index, _ = _solution_cells(nb)[target]
        nb.cells.insert(index + 1, new_code_cell(
            "import functools, sys, warnings\n"
            "print('student debug output', file=sys.stderr)\n"
            "warnings.warn('a warning from the student')\n"
            f"if not isinstance({target}, type):\n"
            f"    {target} = (lambda f: functools.wraps(f)(lambda *a, **k: "
            f"(print('called', file=sys.stderr), f(*a, **k))[1]))({target})\n"))
    subs.append(Submission("deleted-stderr", nb, dict(full)))

    nb, style = copy.deepcopy(solution), 0
    for part in found:
        for check in part.checks:
            for target, reference in check.references.items():
                _replace(nb, target, _delegation(source, target, reference, style))
                style += 1
    subs.append(Submission("delegates", nb, dict(zero), [REFERENCE_MESSAGE]))

    modules = sorted({c.module for cell in source.cells
                      if cell.metadata.get("nbgrader", {}).get("grade")
                      and cell.cell_type == "code"
                      for c in parse_test_cell(cell.source).calls})
    nb = copy.deepcopy(release)
    _insert_after_setup(nb, f"MODULES = {modules!r}\n" + TAMPER_PATCHES)
    subs.append(Submission("tamper-patches", nb, dict(zero)))
    nb = copy.deepcopy(release)
    _insert_after_setup(nb, TAMPER_HOOKS)
    subs.append(Submission("tamper-hooks", nb, dict(zero)))
    return subs


def course_checks() -> list:
    """Every check called by a test cell of an assignment under assignments/source."""
    checks = []
    for path in sorted((COURSE / "source").glob("*/*.ipynb")):
        for part in parts(nbformat.read(path, as_version=4)):
            checks += [c for c in part.checks if c not in checks]
    return checks


CHECKS = course_checks()
MISTAKES = [(check, m) for check in CHECKS for m in check.mistakes]
CONVENTIONS = [(check, m) for check in CHECKS for m in check.conventions]
