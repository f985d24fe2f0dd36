"""Grade a whole class: one coordinator, many workers, one gradebook writer.

:func:`grade_class` finds every submission of the chosen assignments, skips those
already graded from the same files (the :class:`~lecture7.grading.autograde.course.Ledger`;
``force`` regrades all), and keeps the pool's workers busy:

1. the coordinator *prepares* a submission (nbgrader's own sanitizing, gradebook rows),
2. a worker *executes* it in sandboxed kernels and returns the notebooks,
3. the coordinator *saves* it (nbgrader's scoring preprocessors, the autograded files)
   and records it in the ledger.

Only the coordinator touches the course directory and the gradebook, so SQLite never
sees two writers. Whatever goes wrong with one submission (a broken notebook, a link in
its folder, a lost worker) is reported on its own line and costs that submission only;
the run goes on. Interrupted (Ctrl-C), it saves what has finished executing and stops,
killing the kernels still running; what was saved stays saved, and the next run grades
the rest. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from tqdm import tqdm
from traitlets.config import Config, PyFileConfigLoader

from lecture7.grading import sandbox
from lecture7.grading.autograde.course import Ledger, StagedAutograde, Submission, checksum
from lecture7.grading.autograde.pools import DaskPool, LocalPool

__all__ = ["Summary", "grade_class", "load_config"]

#: The configuration sections a worker needs to execute notebooks.
EXECUTION_SECTIONS = ("Execute", "TrustedExecute", "ExecutePreprocessor", "NotebookClient",
                      "SandboxedKernelManager", "KernelManager", "AsyncKernelManager")
LEDGER = "grading-ledger.db"
MAX_ATTEMPTS = 3
POLL_SECONDS = 0.5  # how often the coordinator looks for a Ctrl-C while workers run


@dataclass
class Summary:
    """Counts per assignment (``graded``, ``failed``, ``timed_out``, ``skipped``) and failures."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    interrupted: bool = False
    coordinator_seconds: float = 0.0  # preparing and saving: the part that does not scale

    def add(self, assignment: str, what: str) -> None:
        row = self.counts.setdefault(assignment, {"graded": 0, "failed": 0, "timed_out": 0,
                                                  "skipped": 0})
        row[what] += 1

    def table(self, db_url: str) -> str:
        """The end-of-run table, with each assignment's mean autograded score."""
        lines = [f"{'assignment':<20} {'graded':>7} {'failed':>7} {'timed out':>10} "
                 f"{'skipped':>8}   mean score"]
        with Gradebook(db_url) as gb:
            for assignment, row in sorted(self.counts.items()):
                subs = gb.assignment_submissions(assignment)
                scores = [s.score for s in subs]
                top = max((s.max_score for s in subs), default=0)
                mean = (f"{sum(scores) / len(scores):.2f} of {top:g}" if scores else "-")
                lines.append(f"{assignment:<20} {row['graded']:>7} {row['failed']:>7} "
                             f"{row['timed_out']:>10} {row['skipped']:>8}   {mean}")
        handled = sum(row["graded"] + row["failed"] for row in self.counts.values())
        if handled:
            lines.append(f"coordinator: {self.coordinator_seconds / handled:.2f} s per "
                         "submission (preparing and saving; caps the rate at any number "
                         "of workers)")
        return "\n".join(lines)


class StopRequest:
    """Ctrl-C, turned into a request that the coordinator reads between two steps.

    Python raises ``KeyboardInterrupt`` wherever the main thread happens to be, and
    where that is a finalizer (``__del__``, a weakref callback) the exception is printed
    and dropped: a run interrupted at that moment would go on to the end. A flag cannot
    be lost. The first Ctrl-C sets it; a second one raises at once, as usual. Where
    SIGINT is ignored (a job started in the background, ``nohup``), it stays ignored,
    as Python itself leaves it.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self) -> StopRequest:
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN):
            self._previous = signal.signal(signal.SIGINT, self._request)
        return self

    def _request(self, signum, frame) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def load_config(course: Path) -> Config:
    """The course's ``nbgrader_config.py``, with the course directory as its root."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    return config


def _execution_config(config: Config) -> dict:
    """What workers need of the configuration; their kernels are forked from a template."""
    sections = {name: dict(config[name]) for name in EXECUTION_SECTIONS if name in config}
    sections.setdefault("TrustedExecute", {}).setdefault("fork_kernels", True)
    return sections


def grade_class(course: Path, assignments: Sequence[str], *, students: str = "*",
                workers: int | None = None, scheduler: str | None = None,
                force: bool = False, progress: bool = True) -> Summary:
    """Grade every (new or changed) submission of ``assignments`` in ``course``.

    Args:
        course: the nbgrader course directory (``assignments/``).
        assignments: assignment names (globs allowed).
        students: which students (a glob).
        workers: local worker processes (default: the number of cores).
        scheduler: the address of a Dask scheduler; when given, workers are the cluster's.
        force: regrade submissions that were already graded from the same files.
        progress: show a progress bar.
    """
    if sandbox.enabled():
        sandbox.check_available()
    # nbgrader's gradebook code warns about its own sessions (as in nbgrader autograde)
    warnings.filterwarnings("ignore", category=SAWarning)
    course = Path(course).resolve()
    config = load_config(course)
    staged = StagedAutograde(coursedir=CourseDirectory(config=config), config=config)
    staged.log.setLevel("WARNING")
    here = os.getcwd()
    staged.setup()
    ledger = Ledger(course / LEDGER)
    summary = Summary()
    todo: deque = deque()
    for assignment in assignments:
        for sub in staged.submissions(assignment, students):
            try:
                digest = checksum(sub, course / "source" / sub.assignment)
            except (OSError, ValueError) as err:
                _fail(summary, sub, str(err), ledger, staged)
                continue
            autograded = Path(staged._format_dest(sub.assignment, sub.student))
            if not force and ledger.is_current(sub, digest, autograded):
                summary.add(sub.assignment, "skipped")
            else:
                todo.append((sub, digest))
    pool = DaskPool(scheduler) if scheduler else LocalPool(workers or os.cpu_count() or 1)
    bar = tqdm(total=len(todo), unit="submission", disable=not progress or not todo,
               desc=f"Grading on {pool}", dynamic_ncols=True, file=sys.stderr)
    with StopRequest() as stop:
        try:
            _drive(staged, pool, todo, ledger, summary, _execution_config(config), bar, stop)
        except KeyboardInterrupt:  # the second Ctrl-C
            stop.requested = True
        finally:
            summary.interrupted = stop.requested
            pool.close(cancel=stop.requested)
            bar.close()
            os.chdir(here)
    return summary


def _fail(summary: Summary, sub: Submission, why: str, ledger: Ledger,
          staged: StagedAutograde) -> None:
    try:
        staged.register(sub)  # in the gradebook, with no score: it exports as 0
    except Exception as err:
        why += f" (and it could not be put in the gradebook: {err})"
    summary.add(sub.assignment, "failed")
    summary.failures.append((sub.student, sub.assignment, why))
    ledger.forget(sub)
    tqdm.write(f"FAILED {sub.student} {sub.assignment}: {why}", file=sys.stderr)


def _drive(staged: StagedAutograde, pool, todo: deque, ledger: Ledger, summary: Summary,
           config: dict, bar: tqdm, stop: StopRequest) -> None:
    """Keep every worker busy; save each outcome as it arrives (this process only).

    Returns when everything is saved, or when ``stop`` is requested: then what has
    finished executing is saved, and what is still running is left to the caller.
    """
    running: dict = {}
    capacity = 2 * pool.slots() + 1  # a prepared submission waits for each worker
    while (todo or running) and not stop.requested:
        while todo and len(running) < capacity and not stop.requested:
            sub, digest = todo.popleft()
            started = time.perf_counter()
            try:
                task = staged.prepare(sub, config)
            except Exception as err:
                _fail(summary, sub, f"could not be prepared: {type(err).__name__}: {err}",
                      ledger, staged)
                bar.update()
                continue
            finally:
                summary.coordinator_seconds += time.perf_counter() - started
            running[pool.submit(task)] = (sub, digest, task)
        for future in pool.wait(running, timeout=POLL_SECONDS):
            if future not in running:  # resubmitted after its pool broke
                continue
            sub, digest, task = running.pop(future)
            try:
                outcome = future.result()
            except Exception as err:
                if pool.lost(err):  # every task on the broken pool goes out again
                    for other in list(running):
                        entry = running.pop(other)
                        running[pool.submit(entry[2])] = entry
                if task.attempt + 1 < MAX_ATTEMPTS:
                    task.attempt += 1
                    running[pool.submit(task)] = (sub, digest, task)
                    continue
                staged.discard(sub)
                _fail(summary, sub, f"could not be executed: {type(err).__name__}: {err}",
                      ledger, staged)
                bar.update()
                continue
            started = time.perf_counter()
            try:
                staged.save(sub, outcome)
            except Exception as err:
                _fail(summary, sub, f"could not be saved: {type(err).__name__}: {err}",
                      ledger, staged)
            else:
                ledger.record(sub, digest)
                summary.add(sub.assignment, "graded")
                if outcome.timed_out:
                    summary.add(sub.assignment, "timed_out")
            summary.coordinator_seconds += time.perf_counter() - started
            bar.update()
    for sub, _, _ in running.values():  # stopped: no half-made autograded folder stays
        staged.discard(sub)
