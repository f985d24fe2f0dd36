"""Put a submission's nbgrader metadata back the way the instructor released it.

A notebook's cell metadata says which cells are graded, which are the student's
answers and how many points each is worth, and students can edit it (in Jupyter's
cell toolbar, or in the JSON). nbgrader trusts it: a test cell marked as a solution,
``grade: false``, a renamed or a duplicated ``grade_id``, an old schema version, each
makes ``nbgrader autograde`` raise, and the grading run stops for everybody.

:class:`RepairMetadata` runs first while nbgrader sanitizes a submission. The
gradebook holds the instructor's copy of every tracked cell (``nbgrader
generate_assignment`` put it there); each cell of the submission whose ``grade_id``
is known gets that copy's metadata, type and, for test and other locked cells, source.
A cell whose id is unknown, or that repeats an id already seen, becomes an ordinary
cell; ``OverwriteCells.add_missing_cells`` then puts back any graded cell that is
missing. What was repaired is logged for the instructor.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["RepairMetadata"]


def _instructors(gradebook: Gradebook, notebook: str, assignment: str) -> dict[str, dict]:
    """grade_id -> the cell as released: ``cell_type``, ``source``, nbgrader metadata."""
    released = gradebook.find_notebook(notebook, assignment)
    points = {c.name: c.max_score for c in [*released.grade_cells, *released.task_cells]}
    graded = {c.name for c in released.grade_cells}
    solutions = {c.name for c in released.solution_cells}
    tasks = {c.name for c in released.task_cells}
    cells = {}
    for cell in released.source_cells:
        meta = {"cell_type": cell.cell_type, "checksum": cell.checksum,
                "grade": cell.name in graded, "grade_id": cell.name, "locked": cell.locked,
                "schema_version": 3, "solution": cell.name in solutions,
                "task": cell.name in tasks}
        if cell.name in points:
            meta["points"] = points[cell.name]
        cells[cell.name] = {"cell_type": cell.cell_type, "source": cell.source, "meta": meta}
    return cells


def _retype(cell: NotebookNode, cell_type: str) -> None:
    cell.cell_type = cell_type
    if cell_type == "code":
        cell.setdefault("outputs", [])
        cell.setdefault("execution_count", None)
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


class RepairMetadata(NbGraderPreprocessor):
    """Restore every tracked cell's nbgrader metadata (and test cells' source) from the gradebook."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Repair ``nb`` in place (see the module's docstring)."""
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            released = _instructors(gradebook, info["notebook"], info["assignment"])
        seen: set[str] = set()
        for index, cell in enumerate(nb.cells):
            metadata = cell.setdefault("metadata", NotebookNode())
            if not isinstance(metadata, dict):
                cell.metadata = metadata = NotebookNode()
            if "nbgrader" not in metadata:
                continue
            meta = metadata["nbgrader"]
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(grade_id, str) or grade_id not in released or grade_id in seen:
                self.log.warning("Cell %s: grade_id %r is %s; it is graded as an ordinary cell",
                                 index, grade_id, "repeated" if grade_id in seen else "unknown")
                del metadata["nbgrader"]
                continue
            seen.add(grade_id)
            original = released[grade_id]
            if meta != original["meta"]:
                self.log.warning("Cell %s (%s): nbgrader metadata restored", index, grade_id)
            metadata["nbgrader"] = NotebookNode(original["meta"])
            if cell.cell_type != original["cell_type"]:
                _retype(cell, original["cell_type"])
            test = original["meta"]["grade"] and not original["meta"]["solution"]
            if (test or original["meta"]["locked"]) and cell.source != original["source"]:
                cell.source = original["source"]
        return nb, resources
