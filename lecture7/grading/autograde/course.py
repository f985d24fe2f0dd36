"""The coordinator's side of grading: nbgrader's own steps, split around the execution.

``nbgrader autograde`` handles a submission in three steps: it *prepares* it (writes
the student and the submission into the gradebook, copies the files, sanitizes each
notebook: restores the instructor's cells and metadata), *executes* it (the
``Execute`` preprocessor), and *saves* it (the other autograde preprocessors: scores
into the gradebook, late penalties; the autograded notebook on disk).
:class:`StagedAutograde` is nbgrader's ``Autograde`` converter with those steps
callable one at a time: :meth:`~StagedAutograde.prepare` and
:meth:`~StagedAutograde.save` run here, in the one process that writes the gradebook;
the execution runs on a worker (:mod:`lecture7.grading.autograde.worker`). The steps are
nbgrader's own code, so the gradebook rows and autograded notebooks are the ones
``nbgrader autograde`` writes.

:class:`Ledger` remembers what was graded from which files, so that a second run
grades only new or changed submissions.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor
from nbconvert.writers import FilesWriter
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.converters.base import BaseConverter
from nbgrader.utils import rmtree
from traitlets.utils.importstring import import_item

from lecture7.grading.autograde.worker import Outcome, Task

__all__ = ["MAX_FOLDER_BYTES", "Ledger", "StagedAutograde", "Submission"]

#: A submission folder larger than this is not graded (it is that submission's failure).
MAX_FOLDER_BYTES = 200 * 2**20


@dataclass(frozen=True)
class Submission:
    """A student's submitted folder for one assignment, and its notebooks."""

    assignment: str
    student: str
    folder: Path
    notebooks: tuple[Path, ...]

    @property
    def key(self) -> str:
        """``"<assignment>/<student>"``."""
        return f"{self.assignment}/{self.student}"


def _regular_files(folder: Path) -> list[Path]:
    """Every file under ``folder``; raises on a link, a FIFO or a device (never followed)."""
    files, total = [], 0
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(root, name)
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                kind = "a link" if stat.S_ISLNK(mode) else "a special file"
                raise ValueError(f"the submission contains {kind}, "
                                 f"{path.relative_to(folder)}: it is not graded")
            files.append(path)
            total += path.lstat().st_size
    if total > MAX_FOLDER_BYTES:
        raise ValueError(f"the submission holds {total / 2**20:.0f} MB, more than the "
                         f"{MAX_FOLDER_BYTES // 2**20} MB a submission may")
    return sorted(files)


def checksum(submission: Submission, source: Path) -> str:
    """A digest of the submitted files and of the assignment's source notebooks."""
    digest = hashlib.sha256()
    for folder in (submission.folder, source):
        for path in _regular_files(folder):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class StagedAutograde(Autograde):
    """nbgrader's ``Autograde`` whose prepare and save steps are called one at a time."""

    def setup(self) -> None:
        """What ``start()`` does before converting: the writer, the exporter, the course root."""
        self.force = True  # whether to grade is the coordinator's decision (the ledger)
        self.writer = FilesWriter(parent=self, config=self.config)
        self.exporter = self.exporter_class(parent=self, config=self.config)
        os.chdir(self.coursedir.root)

    def submissions(self, assignment: str, student: str = "*") -> list[Submission]:
        """The submitted folders of ``assignment`` (a glob), for ``student`` (a glob)."""
        self.coursedir.assignment_id, self.coursedir.student_id = assignment, student
        try:
            self.init_notebooks()
        except Exception:  # nbgrader logs "No notebooks were matched"
            return []
        pattern = self._format_source("(?P<assignment>.*)", "(?P<student>.*)", escape=True)
        found = []
        for folder, notebooks in sorted(self.assignments.items()):
            match = re.match(pattern, folder)
            if match:
                found.append(Submission(match["assignment"], match["student"], Path(folder),
                                        tuple(sorted(Path(n) for n in notebooks))))
        return found

    def _folder(self, submission: Submission) -> Path:
        return Path(self._format_dest(submission.assignment, submission.student))

    def prepare(self, submission: Submission, config: dict) -> Task:
        """nbgrader's first step; the task for a worker: sanitized notebooks and files."""
        _regular_files(submission.folder)  # refuse links and special files before copying
        a, s = submission.assignment, submission.student
        self.coursedir.assignment_id, self.coursedir.student_id = a, s
        self.notebooks = [str(n) for n in submission.notebooks]
        try:
            self.init_destination(a, s)
            self.run_pre_convert_hook()
            self.init_assignment(a, s)
            self._sanitizing = True
            for notebook in self.notebooks:
                self._init_preprocessors()
                BaseConverter.convert_single_notebook(self, notebook)
        except BaseException:
            self.discard(submission)
            raise
        folder = self._folder(submission)
        names = {Path(n).stem for n in self.notebooks}
        notebooks = {name: (folder / f"{name}.ipynb").read_text() for name in names}
        files = {str(p.relative_to(folder)): p.read_bytes() for p in _regular_files(folder)
                 if not (p.parent == folder and p.suffix == ".ipynb" and p.stem in names)}
        return Task(a, s, notebooks, files, config)

    def save(self, submission: Submission, outcome: Outcome) -> None:
        """nbgrader's last step: the autograde preprocessors after ``Execute``, and the files."""
        a, s = submission.assignment, submission.student
        self.coursedir.assignment_id, self.coursedir.student_id = a, s
        self._sanitizing = False
        self.exporter._preprocessors = []
        for name in self.autograde_preprocessors:
            preprocessor = import_item(name) if isinstance(name, str) else name
            if not (isinstance(preprocessor, type)
                    and issubclass(preprocessor, ExecutePreprocessor)):
                self.exporter.register_preprocessor(preprocessor)
        folder = self._folder(submission)
        try:
            for name, text in sorted(outcome.notebooks.items()):
                path = folder / f"{name}.ipynb"
                resources = self.init_single_notebook_resources(str(path))
                resources["metadata"] = {"name": name, "path": str(folder),
                                         "modified_date": time.strftime("%B %d, %Y")}
                nb = nbformat.reads(text, as_version=4)
                output, resources = self.exporter.from_notebook_node(nb, resources)
                self.write_single_notebook(output, resources)
            self.set_permissions(a, s)
            self.run_post_convert_hook()
        except BaseException:
            self.discard(submission)
            raise
        finally:
            self._sanitizing = True

    def register(self, submission: Submission) -> None:
        """Make sure a submission that could not be graded is in the gradebook (scoring 0)."""
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            gradebook.update_or_create_student(submission.student)
            gradebook.update_or_create_submission(submission.assignment, submission.student)

    def discard(self, submission: Submission) -> None:
        """Remove a half-made autograded folder, as nbgrader does after a failure."""
        folder = self._folder(submission)
        if folder.exists():
            rmtree(str(folder))


class Ledger:
    """Which submissions were graded, from which files: an SQLite table beside the gradebook."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS graded (assignment TEXT, student TEXT, "
                        "checksum TEXT, graded_at REAL, PRIMARY KEY (assignment, student))")
        self.db.commit()

    def is_current(self, submission: Submission, digest: str, autograded: Path) -> bool:
        """Graded from these very files, and its autograded folder is still there."""
        row = self.db.execute("SELECT checksum FROM graded WHERE assignment=? AND student=?",
                              (submission.assignment, submission.student)).fetchone()
        return row is not None and row[0] == digest and autograded.is_dir()

    def record(self, submission: Submission, digest: str) -> None:
        """Remember that ``submission`` was graded from ``digest``."""
        self.db.execute("INSERT OR REPLACE INTO graded VALUES (?, ?, ?, ?)",
                        (submission.assignment, submission.student, digest, time.time()))
        self.db.commit()

    def forget(self, submission: Submission) -> None:
        """It has to be graded again (a failure)."""
        self.db.execute("DELETE FROM graded WHERE assignment=? AND student=?",
                        (submission.assignment, submission.student))
        self.db.commit()
