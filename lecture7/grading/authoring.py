"""Build nbgrader source notebooks from readable scripts, and validate them.

An assignment notebook is written as a Python script in the "percent" format,
``assignments/notebooks/<assignment>/<notebook>.py``; each cell starts with a
header line naming its kind (and, for nbgrader cells, its ``grade_id`` and points)::

    # %% [markdown]                      text; every line starts with "# "
    # %% [code]                          an ordinary code cell
    # %% [readonly] setup                a locked code cell
    # %% [solution] adam                 autograded answer: ### BEGIN/END SOLUTION inside
    # %% [tests] test_adam points=3      visible check call, then hidden ones
    # %% [answer] why_bias points=2      a written answer, graded by hand (markdown)

``python -m lecture7.grading.authoring build`` writes
``assignments/source/<assignment>/<notebook>.ipynb`` (no outputs, stable cell
ids); ``check`` rebuilds in memory, compares with the committed notebooks and
runs :func:`validate` on every source notebook. The tests run ``check``.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lecture7.grading.cells import parse_test_cell, resolve_check
from lecture7.grading.core import Check

__all__ = ["Part", "build", "build_all", "check_all", "parts", "validate"]

HEADER = re.compile(r"^# %% \[(markdown|code|readonly|solution|tests|answer)\]"
                    r"(?:[ \t]+([A-Za-z][\w-]*))?(?:[ \t]+points=(\d+(?:\.\d+)?))?[ \t]*$")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool,
              points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(kind: str, grade_id: str | None, points: float | None, lines: list[str],
          where: str) -> nbformat.NotebookNode:
    needs_id = kind in ("readonly", "solution", "tests", "answer")
    if needs_id != (grade_id is not None):
        raise ValueError(f"{where}: [{kind}] cells {'need' if needs_id else 'take no'} grade_id")
    if (points is not None) != (kind in ("tests", "answer")):
        raise ValueError(f"{where}: only [tests] and [answer] cells have points=, and they must")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if kind in ("markdown", "answer"):
        bad = [line for line in lines if line != "#" and not line.startswith("# ")]
        if bad:
            raise ValueError(f"{where}: markdown lines must start with '# ', got {bad[0]!r}")
        lines = [line[2:] for line in lines]
    source = "\n".join(lines)
    if kind == "markdown":
        return new_markdown_cell(source)
    if kind == "answer":
        return new_markdown_cell(source, metadata=_nbgrader(grade_id, grade=True, solution=True,
                                                            locked=False, points=points))
    if kind == "code":
        return new_code_cell(source)
    meta = {"readonly": _nbgrader(grade_id, grade=False, solution=False, locked=True),
            "solution": _nbgrader(grade_id, grade=False, solution=True, locked=False),
            "tests": _nbgrader(grade_id, grade=True, solution=False, locked=True, points=points)}
    return new_code_cell(source, metadata=meta[kind])


def build(script: str, name: str = "<script>") -> nbformat.NotebookNode:
    """The notebook described by a percent-format ``script``.

    Comment lines before the first header (``# ruff: noqa: E402``) are not part
    of the notebook.

    Raises:
        ValueError: a header is malformed, code precedes the first header, or a
            cell lacks (or has a needless) grade_id or points.
    """
    cells, current, lines = [], None, []
    for number, line in enumerate(script.splitlines(), 1):
        if line.startswith("# %%"):
            match = HEADER.match(line)
            if not match:
                raise ValueError(f"{name}:{number}: malformed cell header {line!r}")
            if current:
                cells.append(_cell(*current[:3], lines, f"{name}:{current[3]}"))
            kind, grade_id, points = match.groups()
            value = None if points is None else float(points)
            if value is not None and value.is_integer():
                value = int(value)
            current, lines = (kind, grade_id, value, number), []
        elif current is None:
            if line.strip() and not line.startswith("#"):
                raise ValueError(f"{name}:{number}: code before the first '# %%' cell header")
        else:
            lines.append(line)
    if current:
        cells.append(_cell(*current[:3], lines, f"{name}:{current[3]}"))
    for index, cell in enumerate(cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.id = grade_id or f"cell-{index:03d}"
    return new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                               "language_info": {"name": "python"}})


@dataclass(frozen=True)
class Part:
    """An autograded part: its test cell, points, the checks it calls, the names they test."""

    test_id: str
    points: float
    checks: tuple[Check, ...]
    targets: tuple[str, ...]


def parts(nb: nbformat.NotebookNode) -> list[Part]:
    """The autograded parts of a source notebook, in order."""
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            calls = parse_test_cell(cell.source).calls
            targets = tuple(dict.fromkeys(a for c in calls for a in c.args))
            checks = tuple(dict.fromkeys(resolve_check(c) for c in calls))
            found.append(Part(meta["grade_id"], float(meta["points"]), checks, targets))
    return found


def _defines(source: str) -> set[str]:
    tree = ast.parse(source)
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}


def _hidden_lines(source: str) -> set[int]:
    inside, hidden = False, set()
    for number, line in enumerate(source.splitlines(), 1):
        if HIDDEN_BEGIN in line:
            inside = True
        elif HIDDEN_END in line:
            inside = False
        elif inside:
            hidden.add(number)
    return hidden


def _validate_test_cell(cell, grade_id: str) -> list[str]:
    problems = []
    try:
        test = parse_test_cell(cell.source)
        for call in test.calls:
            resolve_check(call)
    except ValueError as err:
        return [f"{grade_id}: {err}"]
    if test.other:
        problems.append(f"{grade_id}: test cells hold only check imports and calls, "
                        f"found {test.other[0]!r}")
    hidden = _hidden_lines(cell.source)
    outside = [c for c in test.calls if c.line not in hidden]
    inside = [c for c in test.calls if c.line in hidden]
    if not outside or any(c.hidden for c in outside):
        problems.append(f"{grade_id}: needs visible check calls (without hidden=True) "
                        f"before '{HIDDEN_BEGIN}'")
    if not inside or not all(c.hidden for c in inside):
        problems.append(f"{grade_id}: needs hidden check calls (hidden=True), and only "
                        f"those, between '{HIDDEN_BEGIN}' and '{HIDDEN_END}'")
    if not test.last_is_scoring:
        problems.append(f"{grade_id}: only the last check call may (and should) have points=")
    scored = [c.points for c in test.calls if c.points is not None]
    if scored and scored[-1] != float(cell.metadata["nbgrader"]["points"]):
        problems.append(f"{grade_id}: points={scored[-1]:g} in the call but "
                        f"{cell.metadata['nbgrader']['points']} in the cell metadata")
    return problems


def validate(nb: nbformat.NotebookNode) -> list[str]:
    """Everything wrong with a source notebook, as messages (``[]`` when it is fine)."""
    problems = []
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as err:
        problems.append(f"invalid notebook: {err.message}")
    ids, tested, answers = [], set(), 0
    solutions: list[tuple[str, set[str]]] = []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id", f"cell {index}")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{grade_id}: outputs are committed (clear them)")
        if not meta:
            continue
        ids.append(grade_id)
        if meta.get("grade") and float(meta.get("points", 0)) <= 0:
            problems.append(f"{grade_id}: a graded cell needs points > 0")
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            answers += 1
        elif cell.cell_type == "code" and meta.get("solution"):
            if "### BEGIN SOLUTION" not in cell.source or "### END SOLUTION" not in cell.source:
                problems.append(f"{grade_id}: a solution cell needs ### BEGIN/END SOLUTION")
            if "lecture7" in cell.source:
                problems.append(f"{grade_id}: solutions must not use lecture7 (the reference)")
            solutions.append((grade_id, _defines(cell.source)))
        elif cell.cell_type == "code" and meta.get("grade"):
            problems += _validate_test_cell(cell, grade_id)
            try:
                tested |= {a for c in parse_test_cell(cell.source).calls if c.points
                           for a in c.args}
            except ValueError:
                pass
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate grade_ids: {duplicates}")
    for grade_id, names in solutions:
        if not names or not names & tested:
            problems.append(f"{grade_id}: no test cell with points checks what this solution "
                            f"cell defines ({sorted(names) or 'nothing'})")
    if answers == 0:
        problems.append("no manually graded written answer ([answer] cell)")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("the kernelspec must be python3")
    return problems


def _pairs(course: Path) -> list[tuple[Path, Path]]:
    scripts = sorted((course / "notebooks").glob("*/*.py"))
    return [(s, course / "source" / s.parent.name / (s.stem + ".ipynb")) for s in scripts]


def build_all(course: Path) -> list[Path]:
    """Write every description's notebook into ``source/``; returns the paths written."""
    written = []
    for script, target in _pairs(course):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nbformat.writes(build(script.read_text(), str(script))) + "\n")
        written.append(target)
    return written


def check_all(course: Path) -> list[str]:
    """Problems with the course's source notebooks, and notebooks out of date with their script."""
    problems = []
    for script, target in _pairs(course):
        built = nbformat.writes(build(script.read_text(), str(script))) + "\n"
        if not target.exists() or target.read_text() != built:
            problems.append(f"{target} is out of date with {script}: run "
                            "'python -m lecture7.grading.authoring build'")
    for path in sorted((course / "source").glob("*/*.ipynb")):
        problems += [f"{path}: {p}" for p in validate(nbformat.read(path, as_version=4))]
    return problems


def main(argv: list[str]) -> int:
    """``build [course]`` or ``check [course]`` (course defaults to ./assignments)."""
    if not argv or argv[0] not in ("build", "check"):
        print("usage: python -m lecture7.grading.authoring build|check [course_dir]")
        return 2
    course = Path(argv[1] if len(argv) > 1 else "assignments")
    if argv[0] == "build":
        for path in build_all(course):
            print(f"wrote {path}")
    problems = check_all(course)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
