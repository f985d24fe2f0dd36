"""What a grading worker does with one submission: run its notebooks, sandboxed, and report.

:func:`execute` is the only function that runs on workers, in a process of the local
pool or on a Dask worker anywhere. It receives a :class:`Task` (plain data: the
sanitized notebooks, the other files of the submission's folder, nbgrader's
configuration) and returns an :class:`Outcome` (the executed notebooks). It never
touches the course directory or the gradebook: the coordinator does that, alone.

Each notebook runs in a fresh sandboxed kernel
(:class:`~lecture7.grading.nbgrader_ext.TrustedExecute`), in a temporary copy of the
submission's folder, as ``nbgrader autograde`` runs it in ``autograded/``, but without
the notebooks themselves: their restored test cells hold the hidden tests.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat
from traitlets.config import Config

__all__ = ["Outcome", "Task", "execute"]

#: What marks a notebook that ran out of time (a cell, or the kernel, was stopped).
TIMEOUT_NAMES = ("CellTimeoutError", "KernelStopped")


@dataclass
class Task:
    """One submission to execute: ``notebooks`` maps a notebook's name to its JSON text."""

    assignment: str
    student: str
    notebooks: dict[str, str]
    files: dict[str, bytes]
    config: dict
    attempt: int = 0

    @property
    def key(self) -> str:
        """``"<assignment>/<student>"``."""
        return f"{self.assignment}/{self.student}"


@dataclass
class Outcome:
    """The executed notebooks of a task, whether one timed out, and the time it took."""

    assignment: str
    student: str
    notebooks: dict[str, str] = field(default_factory=dict)
    timed_out: bool = False
    seconds: float = 0.0
    host: str = ""


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"refusing to write {name!r} outside the submission's folder")
        path = folder.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _timed_out(nb: nbformat.NotebookNode) -> bool:
    return any(out.get("ename") in TIMEOUT_NAMES
               for cell in nb.cells for out in cell.get("outputs", []))


def execute(task: Task) -> Outcome:
    """Run every notebook of ``task`` in its own sandboxed kernel; return them executed.

    Raises only for problems of the grading machine (a kernel that cannot start, a
    full disk): what the student's code does is in the notebooks' outputs.
    """
    from lecture7.grading.nbgrader_ext import TrustedExecute

    started = time.perf_counter()
    outcome = Outcome(task.assignment, task.student, host=os.uname().nodename)
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as nbgrader autograde sets it
    with tempfile.TemporaryDirectory(prefix="lecture7-grade-") as tmp:
        folder = Path(tmp) / task.assignment
        folder.mkdir()
        _write_files(folder, task.files)  # the notebooks travel in the task only
        for name, text in sorted(task.notebooks.items()):
            nb = nbformat.reads(text, as_version=4)
            executor = TrustedExecute(config=Config(task.config))
            nb, _ = executor.preprocess(nb, {"metadata": {"path": str(folder)}})
            outcome.timed_out |= _timed_out(nb)
            outcome.notebooks[name] = nbformat.writes(nb)
    outcome.seconds = time.perf_counter() - started
    return outcome
