"""Grading a class in parallel: the coordinator's loop, and the whole pipeline for real.

The loop is tested with stand-ins (a pool whose worker dies, a submission that cannot be
prepared or saved). The pipeline is tested end to end on a class of the optimizers
assignment: the same gradebook rows and autograded notebooks as ``nbgrader autograde``;
a second run grades nothing, a changed submission alone is regraded; Ctrl-C and a rerun
lose and duplicate nothing; and on a Dask cluster of two workers, one killed mid-run,
every submission is still graded once.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import deque
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import nbformat
import pytest
from grading_cases import COURSE, make_submissions
from nbgrader.api import Gradebook
from tqdm import tqdm

from lecture7.grading.autograde import run as runner
from lecture7.grading.autograde.course import Submission
from lecture7.grading.autograde.worker import Outcome, Task

ASSIGNMENT = "a2_optimizers"
BIN = Path(sys.executable).parent


# -- the loop, with stand-ins -------------------------------------------------------------


class FakeStaged:
    def __init__(self, broken=()):
        self.broken, self.saved, self.discarded = set(broken), [], []

    def prepare(self, sub, config):
        if sub.student == "unpreparable":
            raise ValueError("not a notebook")
        return Task(sub.assignment, sub.student, {"nb": "{}"}, {}, config)

    def save(self, sub, outcome):
        if sub.student == "unsavable":
            raise OSError("disk full")
        self.saved.append(sub.student)

    def discard(self, sub):
        self.discarded.append(sub.student)

    def register(self, sub):
        pass


class FakeLedger:
    def __init__(self):
        self.recorded, self.forgotten = [], []

    def record(self, sub, digest):
        self.recorded.append(sub.student)

    def forget(self, sub):
        self.forgotten.append(sub.student)


class InstantPool:
    """Runs tasks at once. A task of a student in ``kills`` kills 'the worker' (the pool)
    every time; with ``first_dies``, so does the first task it is given."""

    def __init__(self, kills=(), first_dies=False):
        self.submitted, self.restarts, self.kills = [], 0, set(kills)
        self.first_dies = first_dies

    def slots(self):
        return 2

    def submit(self, task):
        self.submitted.append((task.student, task.attempt))
        future = cf.Future()
        if (self.first_dies and len(self.submitted) == 1) or task.student in self.kills:
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(Outcome(task.assignment, task.student, {"nb": "{}"}))
        return future

    def wait(self, futures, timeout=None):
        return {f for f in futures if f.done()}

    def lost(self, error):
        self.restarts += isinstance(error, BrokenProcessPool)
        return isinstance(error, BrokenProcessPool)


def _drive(students, pool, staged=None, stop=None):
    """The coordinator's loop over ``students`` (``stop``: an entered StopRequest)."""
    staged, ledger, summary = staged or FakeStaged(), FakeLedger(), runner.Summary()
    todo = deque((Submission(ASSIGNMENT, s, Path(s), ()), "digest") for s in students)
    stop = stop or runner.StopRequest()  # never requested: not entered, no handler
    runner._drive(staged, pool, todo, ledger, summary, {}, tqdm(disable=True), stop)
    return staged, ledger, summary


def test_a_lost_worker_costs_nothing_its_submissions_run_again():
    pool = InstantPool(first_dies=True)
    staged, ledger, summary = _drive(["ann", "bob", "cy"], pool)
    assert sorted(staged.saved) == ["ann", "bob", "cy"] == sorted(ledger.recorded)
    assert pool.restarts == 1 and ("ann", 1) in pool.submitted
    assert summary.counts[ASSIGNMENT]["graded"] == 3 and not summary.failures


def test_a_submission_that_always_kills_its_worker_is_given_up_alone():
    pool = InstantPool(kills={"bomb"})  # only the bomb kills its worker
    staged, ledger, summary = _drive(["ann", "bomb", "cy"], pool)
    assert sorted(staged.saved) == ["ann", "cy"]
    assert [s for s, _, _ in summary.failures] == ["bomb"]
    assert [a for s, a in pool.submitted if s == "bomb"] == list(range(runner.MAX_ATTEMPTS))
    assert "bomb" in staged.discarded and "bomb" in ledger.forgotten


def test_prepare_and_save_errors_are_that_submissions_failure_only():
    pool = InstantPool()  # nobody's worker dies in this test
    staged, ledger, summary = _drive(["unpreparable", "ann", "unsavable", "bob"], pool)
    assert sorted(staged.saved) == ["ann", "bob"] == sorted(ledger.recorded)
    why = {student: text for student, _, text in summary.failures}
    assert "prepared" in why["unpreparable"] and "not a notebook" in why["unpreparable"]
    assert "saved" in why["unsavable"] and "disk full" in why["unsavable"]


class StoppingPool(InstantPool):
    """Nobody's worker dies; Ctrl-C is pressed while the second outcome is being waited for."""

    def __init__(self):
        super().__init__()
        self.waits = 0

    def wait(self, futures, timeout=None):
        self.waits += 1
        if self.waits == 2:
            os.kill(os.getpid(), signal.SIGINT)
            return set()  # woken by the timeout, nothing new
        return {next(iter(futures))}


@pytest.fixture
def ctrl_c():
    """Ctrl-C as in a terminal, also where this test runs with SIGINT ignored (a CI job);
    the handler is a function of its own, so a test can tell that it was put back."""

    def terminal(signum, frame):
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGINT, terminal)
    yield terminal
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_saves_what_finished_and_leaves_nothing_half_made(ctrl_c):
    pool = StoppingPool()
    with runner.StopRequest() as stop:
        staged, ledger, _ = _drive(["ann", "bob", "cy", "dee", "eve", "fay", "gus"], pool,
                                   stop=stop)
    assert stop.requested  # the signal was turned into a request, not an exception
    assert staged.saved == ["ann"] == ledger.recorded
    prepared = [s for s, _ in pool.submitted]
    assert prepared == ["ann", "bob", "cy", "dee", "eve", "fay"]  # none after the Ctrl-C
    assert sorted(staged.discarded) == sorted(set(prepared) - {"ann"})


def test_a_second_ctrl_c_stops_at_once(ctrl_c):
    with runner.StopRequest() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs here
    assert signal.getsignal(signal.SIGINT) is ctrl_c  # the caller's handler is back


def test_an_ignored_sigint_stays_ignored(ctrl_c):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # started with nohup, or in the background
    with runner.StopRequest() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)
        assert not stop.requested and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def _with_ctrl_c() -> None:
    """In the child, before it runs Python: SIGINT as in a terminal, not inherited SIG_IGN."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# -- the whole pipeline -----------------------------------------------------------------------


def _course(tmp: Path, students: set[str] | None = None) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.TrustedExecute.seed = 2026  # the same hidden inputs in every run\n")
    shutil.copytree(COURSE / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for path in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb")):
        source = nbformat.read(course / "source" / ASSIGNMENT / path.name, as_version=4)
        for sub in make_submissions(source, nbformat.read(path, as_version=4)):
            if students is None or sub.student in students:
                folder = course / "submitted" / sub.student / ASSIGNMENT
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(sub.nb, folder / path.name)
    return course


def _env() -> dict:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "LECTURE7_CELL_TIMEOUT": "20"}


def _nbgrader(course: Path, *args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=_env(),
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _grade(course: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lecture7.grading.autograde", "--course",
                           str(course), "--no-progress", *args], env=_env(), capture_output=True,
                          text=True, timeout=1500, **kwargs)


def _rows(course: Path) -> dict:
    rows = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            rows[(sub.student_id, "timestamp")] = str(sub.timestamp)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    rows[(sub.student_id, nb.name, grade.name)] = (
                        grade.auto_score, grade.manual_score, grade.needs_manual_grade)
                for comment in nb.comments:
                    rows[(sub.student_id, nb.name, "comment", comment.name)] = comment.auto_comment
    return rows


def _notebooks(course: Path) -> dict[str, nbformat.NotebookNode]:
    """Autograded notebooks, without what differs from run to run of the same notebook:
    execution timestamps, how a kernel split its printed text into messages, and the
    random ids nbgrader gives the test cells it restores."""
    out = {}
    for path in sorted((course / "autograded").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
            cell.pop("id", None)
            merged = []
            for output in cell.get("outputs", []):
                if (merged and output.output_type == "stream" == merged[-1].output_type
                        and output.name == merged[-1].name):
                    merged[-1].text += output.text
                else:
                    merged.append(output)
            if "outputs" in cell:
                cell.outputs = merged
        out[str(path.relative_to(course))] = nb
    return out


def _class_size(course: Path) -> int:
    return len(list((course / "submitted").iterdir()))


def _count_rows(course: Path) -> tuple[int, int]:
    db = sqlite3.connect(course / "gradebook.db")
    subs = db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0]
    grades = db.execute("SELECT COUNT(*) FROM grade").fetchone()[0]
    return subs, grades


@pytest.fixture(scope="module")
def graded_both_ways(tmp_path_factory):
    """The class graded by nbgrader, by the parallel grader (kernels forked from a
    template, the default), and by the parallel grader with nbgrader's kind of kernel."""
    serial = _course(tmp_path_factory.mktemp("serial"))
    parallel = tmp_path_factory.mktemp("parallel") / "course"
    per_kernel = tmp_path_factory.mktemp("per-kernel") / "course"
    shutil.copytree(serial, parallel)
    shutil.copytree(serial, per_kernel)
    with open(per_kernel / "nbgrader_config.py", "a") as fh:
        fh.write("\nc.TrustedExecute.fork_kernels = False\n")
    _nbgrader(serial, "autograde", ASSIGNMENT)
    proc = _grade(parallel, "--workers", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    same = _grade(per_kernel, "--workers", "2")
    assert same.returncode == 0, same.stdout + same.stderr
    return serial, parallel, proc, per_kernel


def _streams_merged(notebooks: dict) -> dict:
    """Each cell's stdout and its stderr as one text each, after its other outputs.

    The kernel flushes stdout and stderr separately, so when a cell writes to both their
    order varies from run to run, in nbgrader's own runs too; what each stream says does not.
    """
    for nb in notebooks.values():
        for cell in nb.cells:
            outputs = cell.get("outputs", [])
            streams = {name: "".join(o.text for o in outputs if o.get("name") == name)
                       for name in ("stdout", "stderr")}
            cell["outputs"] = [o for o in outputs if o.output_type != "stream"] + [
                nbformat.v4.new_output("stream", name=name, text=text)
                for name, text in streams.items() if text]
    return notebooks


def _tracebacks_dropped(notebooks: dict) -> dict:
    for nb in notebooks.values():
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                output.pop("traceback", None)
                if output.get("name") == "stderr":  # a traceback IPython printed itself
                    output.text = output.text.splitlines()[0] if output.text else ""
    return notebooks


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_same_gradebook_and_notebooks_as_nbgrader_autograde(graded_both_ways):
    serial, parallel, proc, per_kernel = graded_both_ways
    assert _rows(parallel) == _rows(serial) == _rows(per_kernel)
    theirs = _streams_merged(_notebooks(serial))
    ours = _streams_merged(_notebooks(per_kernel))  # nbgrader's kind of kernel: the same text
    size = _class_size(serial)
    assert ours.keys() == theirs.keys() and len(ours) == size
    for name in ours:
        assert ours[name] == theirs[name], f"{name} differs from nbgrader's"
    # forked kernels have torch imported before the student's code runs: the same
    # outputs, except the inside of tracebacks (a submission that breaks IPython's own
    # traceback printer shows where it broke, which depends on what is imported)
    forked = _tracebacks_dropped(_streams_merged(_notebooks(parallel)))
    for name, nb in _tracebacks_dropped(theirs).items():
        assert forked[name] == nb, f"{name} differs from nbgrader's"
    assert proc.stdout.splitlines()[1].split()[:2] == ["a2_optimizers", str(size)]  # summary
    _nbgrader(parallel, "generate_feedback", ASSIGNMENT)
    _nbgrader(parallel, "export", "--to", "grades.csv")
    assert len((parallel / "grades.csv").read_text().splitlines()) == size + 1


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_reruns_grade_only_what_changed(graded_both_ways):
    _, course, _, _ = graded_both_ways
    rows, counts = _rows(course), _count_rows(course)
    again = _grade(course)
    size = _class_size(course)
    assert again.returncode == 0
    assert again.stdout.splitlines()[1].split()[1:5] == ["0", "0", "0", str(size)]  # skipped
    assert _rows(course) == rows and _count_rows(course) == counts
    changed = course / "submitted" / "release" / ASSIGNMENT / "optimizers.ipynb"
    solution = course / "submitted" / "solution" / ASSIGNMENT / "optimizers.ipynb"
    shutil.copy(solution, changed)  # the student resubmits, now correct
    once = _grade(course)
    assert once.stdout.splitlines()[1].split()[1:3] == ["1", "0"], once.stdout  # 1 graded
    new = _rows(course)
    assert new[("release", "optimizers", "test_adam")] == rows[("solution", "optimizers",
                                                                 "test_adam")]
    assert {k: v for k, v in new.items() if k[0] != "release"} == \
        {k: v for k, v in rows.items() if k[0] != "release"}
    forced = _grade(course, "--force")
    assert forced.stdout.splitlines()[1].split()[1] == str(size)
    assert _count_rows(course) == counts


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_interrupted_run_resumes_without_loss_or_duplicates(tmp_path, graded_both_ways):
    reference = graded_both_ways[0]  # nbgrader's own grading of the same class
    course = _course(tmp_path)
    ledger = course / runner.LEDGER
    proc = subprocess.Popen([sys.executable, "-m", "lecture7.grading.autograde", "--course",
                             str(course), "--no-progress", "--workers", "2"], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_with_ctrl_c)  # CI may run this test with SIGINT ignored
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if ledger.exists() and sqlite3.connect(ledger).execute(
                "SELECT COUNT(*) FROM graded").fetchone()[0] >= 2:
            break
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Interrupted" in out, out
    done = sqlite3.connect(ledger).execute("SELECT COUNT(*) FROM graded").fetchone()[0]
    assert 2 <= done < _class_size(course)
    rest = _grade(course)
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert rest.stdout.splitlines()[1].split()[1] == str(_class_size(course) - done)
    assert _rows(course) == _rows(reference)
    assert _count_rows(course) == _count_rows(reference)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_dask_cluster_survives_a_killed_worker(tmp_path, graded_both_ways):
    reference = graded_both_ways[0]  # nbgrader's own grading of the same class
    students = {"solution", "release", "mistakes-1", "mistakes-2", "delegates",
                "kernel-dies", "tamper-hooks", "deleted-stderr"}
    course = _course(tmp_path, students)
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = str(BIN / "dask")
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port",
                                   address.rsplit(":", 1)[1], "--no-dashboard"], env=_env(),
                                  stdout=open(logs / "scheduler", "w"), stderr=subprocess.STDOUT)]
    try:
        for name in ("w1", "w2"):
            processes.append(subprocess.Popen(
                [dask, "worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                 "--no-dashboard"], env=_env(), stdout=open(logs / name, "w"),
                stderr=subprocess.STDOUT))
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            grading = subprocess.Popen(
                [sys.executable, "-m", "lecture7.grading.autograde", "--course", str(course),
                 "--no-progress", "--scheduler", address], env=_env(),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            victim, busy = processes[1], []
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not busy:
                info = client.processing()
                busy = [w for w, tasks in info.items() if tasks and "w1" in str(
                    client.scheduler_info()["workers"].get(w, {}).get("name"))]
                time.sleep(0.2)
            assert busy, "worker w1 never got a submission"
            victim.kill()
            out, err = grading.communicate(timeout=1500)
        assert grading.returncode == 0, out + err
        table = out.splitlines()[1].split()
        assert table[1:3] == [str(len(students)), "0"], out  # all graded, none failed
        expected = {k: v for k, v in _rows(reference).items() if k[0] in students}
        assert _rows(course) == expected
        subs, _ = _count_rows(course)
        assert subs == len(students)
    finally:
        for process in processes:
            process.kill()
