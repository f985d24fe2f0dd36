"""The kernel sandbox: what a student's kernel can see, write, reach and leave behind.

The command line is checked without running it; then real kernels are started with
:class:`SandboxedKernelManager` and attacked from the inside. Where bubblewrap is
missing these skip, except under ``CI=true`` where they fail (``make test`` installs it).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lecture7.grading import sandbox
from lecture7.grading.kernel import SandboxedKernelManager
from lecture7.grading.template_kernel import TemplateKernelManager

ROOT = Path(__file__).resolve().parents[2]


def _bwrap_works() -> str | None:
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as err:
        return str(err)
    return None


WHY_NOT = _bwrap_works()
needs_bwrap = pytest.mark.skipif(WHY_NOT is not None and os.environ.get("CI") != "true",
                                 reason=f"no sandbox here: {WHY_NOT}")


# -- the command, without running it -----------------------------------------------------


def _command(tmp_path, uid=1_700_123) -> list[str]:
    return sandbox.sandbox_command(
        [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "rt/kernel.json")],
        submission=str(tmp_path / "sub"), runtime=str(tmp_path / "rt"),
        limits=sandbox.Limits(), uid=uid, env={"LECTURE7_DEVICE": "cpu"})


def _pairs(args: list[str], flag: str) -> list[tuple[str, str]]:
    return [(args[i + 1], args[i + 2]) for i, a in enumerate(args) if a == flag]


def test_command_isolates_network_processes_and_environment(tmp_path):
    args = _command(tmp_path)
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent",
                 "--new-session", "--clearenv"):
        assert flag in args
    env = dict(_pairs(args, "--setenv"))
    assert env["HOME"] == sandbox.HOME and env["LECTURE7_DEVICE"] == "cpu"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert not any(name.startswith(("JPY", "SSH", "AWS")) for name in env)


def test_command_binds_python_read_only_and_only_its_own_folders_writable(tmp_path):
    args = _command(tmp_path)
    read_only = dict(_pairs(args, "--ro-bind"))
    writable = dict(_pairs(args, "--bind"))
    assert writable == {str(tmp_path / "rt"): str(tmp_path / "rt")}
    assert read_only[str(tmp_path / "sub")] == sandbox.SUBMISSION
    python = os.path.realpath(sys.prefix)
    assert any(python == src or python.startswith(src + os.sep) for src in read_only)
    # the course (source/, the gradebook) and the home of the grader are not bound
    for src in read_only:
        assert not str(ROOT / "assignments").startswith(src), src
        assert src != os.path.expanduser("~") and src != "/"


def test_command_drops_to_the_given_uid_with_limits(tmp_path):
    args = _command(tmp_path, uid=1_700_123)
    setpriv = args.index("setpriv")
    assert "--reuid=1700123" in args[setpriv:] and "--bounding-set=-all" in args[setpriv:]
    prlimit = args.index("prlimit")
    assert f"--data={4 * 2**30}" in args[prlimit:] and "--nproc=256" in args[prlimit:]
    # without a uid of its own (not root) the process limit would count the user's own
    args = _command(tmp_path, uid=None)
    assert "setpriv" not in args and "--unshare-user" in args
    assert not any(a.startswith("--nproc") for a in args)


@pytest.mark.parametrize("text, expected", [("4G", 4 * 2**30), ("512M", 512 * 2**20),
                                            ("64MiB", 64 * 2**20), ("1000", 1000), (7, 7)])
def test_parse_size(text, expected):
    assert sandbox.parse_size(text) == expected


def test_parse_size_names_a_bad_value():
    with pytest.raises(ValueError, match="Invalid size '4 gigs'"):
        sandbox.parse_size("4 gigs")


def test_switch_is_on_by_default_and_off_only_when_asked(monkeypatch):
    monkeypatch.delenv(sandbox.SANDBOX_ENV, raising=False)
    assert sandbox.enabled()
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "off")
    assert not sandbox.enabled()
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "maybe")
    with pytest.raises(ValueError, match="LECTURE7_SANDBOX='maybe'"):
        sandbox.enabled()


def test_missing_bubblewrap_is_refused_with_a_clear_message(monkeypatch):
    sandbox.check_available.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda tool: None)
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="LECTURE7_SANDBOX=off"):
            sandbox.check_available()
    finally:
        sandbox.check_available.cache_clear()


def test_uid_slots_are_exclusive_until_released(tmp_path):
    first = sandbox.UidSlot(5000, 2, tmp_path)
    second = sandbox.UidSlot(5000, 2, tmp_path)
    assert {first.uid, second.uid} == {5000, 5001}
    with pytest.raises(RuntimeError, match="all 2 sandbox uids"):
        sandbox.UidSlot(5000, 2, tmp_path)
    first.release()
    assert sandbox.UidSlot(5000, 2, tmp_path).uid == first.uid


# -- real kernels, attacked from the inside --------------------------------------------------


async def _run(manager, submission: Path, code: str, **limits) -> tuple[str, Path]:
    """Start a sandboxed kernel in ``submission``, run ``code``: its output, its socket folder."""
    km = manager(kernel_name="python3", **limits)
    await km.start_kernel(cwd=str(submission))
    runtime = Path(km.connection_file).parent
    client = km.client()
    client.start_channels()
    out = []
    try:
        await client.wait_for_ready(timeout=60)
        msg_id = client.execute(code)
        while True:
            msg = await client.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                out.append(f"{content['ename']}: {content['evalue']}\n")
            elif kind == "status" and content["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        await km.shutdown_kernel(now=True)
    return "".join(out), runtime


@pytest.fixture(params=[SandboxedKernelManager, TemplateKernelManager],
                ids=["bwrap-per-kernel", "forked-from-template"])
def manager(request):
    """Both ways a grading kernel is started: a sandbox of its own, or a template's fork."""
    return request.param


def run(manager, submission: Path, code: str, **limits) -> str:
    return asyncio.run(_run(manager, submission, code, **limits))[0]


@pytest.fixture
def submission(tmp_path) -> Path:
    folder = tmp_path / "alice" / "a2_optimizers"
    folder.mkdir(parents=True)
    (folder / "optimizers.ipynb").write_text("{}")
    (folder / "data.txt").write_text("mine")
    (folder / ".hidden").write_text("")
    (folder / "sub").mkdir()
    (folder / "sub" / "more.ipynb").write_text("{}")
    return folder


@needs_bwrap
def test_kernel_sees_its_copy_of_the_submission_and_nothing_of_the_host(manager, submission):
    secret = submission.parent.parent / "gradebook.db"
    secret.write_text("secret")
    out = run(manager, submission, f"""
import os
print("cwd", os.getcwd(), sorted(os.listdir(".")))
for path in [{str(secret)!r}, {str(ROOT / 'assignments')!r}, os.path.expanduser("~root"),
             "/proc/1/environ"]:
    try:
        print(path, "READABLE", len(open(path, "rb").read()) if os.path.isfile(path)
              else os.listdir(path))
    except OSError as err:
        print(path, "refused", type(err).__name__)
mine = set([str(os.getpid()), os.readlink("/proc/self")])
for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
    try:
        command = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\\0", b" ").decode()
    except OSError:
        continue
    if " -m pytest" in command:
        print("GRADER VISIBLE", pid, command)
    if pid not in mine:
        try:
            open("/proc/%s/environ" % pid, "rb").read(); print("ENVIRON READABLE", pid, command)
        except OSError:
            pass
print("processes", len([p for p in os.listdir("/proc") if p.isdigit()]))
import lecture7, torch; print("library", lecture7.__name__)
""")
    # its own files, but not the notebook being graded (its test cells hold hidden tests)
    assert f"cwd {sandbox.HOME}/a2_optimizers ['.hidden', 'data.txt', 'sub']" in out
    assert "READABLE" not in out, out
    # its own processes and, forked from the template, the template's (which it cannot read)
    assert "GRADER VISIBLE" not in out and "ENVIRON READABLE" not in out, out
    visible = int(out.split("processes ")[1].split()[0])
    assert visible <= (2 if manager is SandboxedKernelManager else 5), out
    assert "library lecture7" in out


@needs_bwrap
def test_kernel_writes_only_its_own_copy_and_cannot_reach_the_network(manager, submission):
    lecture7_dir = Path(sandbox.python_paths()[-1])
    out = run(manager, submission, f"""
import os, socket, sys, glob
open("data.txt", "w").write("changed"); print("copy written")
targets = [{str(submission / 'data.txt')!r}, {str(ROOT / 'lecture7' / 'evil.pyc')!r},
           os.path.join(sys.prefix, "lib", "evil.pth"), "/usr/lib/evil"]
for target in targets:
    try:
        open(target, "w").write("x"); print(target, "WRITTEN")
    except OSError as err:
        print(target, "refused", type(err).__name__)
for host in [("127.0.0.1", 22), ("pypi.org", 443)]:
    try:
        socket.create_connection(host, timeout=2); print(host, "CONNECTED")
    except OSError as err:
        print(host, "refused", type(err).__name__)
""")
    assert "copy written" in out and "WRITTEN" not in out and "CONNECTED" not in out, out
    assert (submission / "data.txt").read_text() == "mine"  # the host's file is untouched
    assert not list(lecture7_dir.rglob("evil*"))


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="the process limit needs a uid per sandbox (root)")
def test_limits_stop_fork_bombs_memory_hogs_and_huge_files(manager, submission):
    out = run(manager, submission, """
import os, time
forked = 0
try:
    for _ in range(200):
        if os.fork() == 0:
            time.sleep(5); os._exit(0)
        forked += 1
except OSError as err:
    print("fork stopped after", forked, type(err).__name__)
try:
    hog = bytearray(3 * 2**30); print("ALLOCATED")
except MemoryError:
    print("memory refused")
try:
    with open("big.bin", "wb") as fh:
        fh.write(b"x" * (40 * 2**20)); print("WROTE BIG")
except OSError as err:
    print("file refused", type(err).__name__)
""", process_limit=64, memory_limit="2G", file_size_limit="16M")
    assert "fork stopped after" in out and "memory refused" in out, out
    assert "file refused" in out and "WROTE BIG" not in out, out


@needs_bwrap
def test_nothing_survives_the_kernel_and_killing_its_parent_harms_no_one(manager, submission):
    marker = "lecture7-sandbox-daemon-test"
    out, runtime = asyncio.run(_run(manager, submission, f"""
import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {marker!r}],
                 start_new_session=True)
print("daemon started")
os.kill(os.getppid(), 9)
"""))
    time.sleep(1)
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    assert marker not in ps, "a process outlived its sandbox"
    assert "daemon started" in out
    assert not runtime.exists(), "the kernel's socket folder was left behind"


@needs_bwrap
def test_workers_fork_kernels_and_fall_back_to_a_sandbox_each(monkeypatch):
    from traitlets.config import Config

    from lecture7.grading import template_kernel
    from lecture7.grading.nbgrader_ext import TrustedExecute

    forking = Config({"TrustedExecute": {"fork_kernels": True}})
    assert TrustedExecute(config=forking).kernel_manager_class is TemplateKernelManager
    assert TrustedExecute().kernel_manager_class is SandboxedKernelManager  # nbgrader's own
    monkeypatch.setattr(template_kernel, "available", lambda base: "no user namespaces")
    assert TrustedExecute(config=forking).kernel_manager_class is SandboxedKernelManager


def test_grading_without_the_sandbox_only_when_asked(monkeypatch):
    from jupyter_client.manager import AsyncKernelManager

    from lecture7.grading.nbgrader_ext import TrustedExecute

    monkeypatch.setenv(sandbox.SANDBOX_ENV, "off")
    assert TrustedExecute().kernel_manager_class is AsyncKernelManager
    monkeypatch.setenv(sandbox.SANDBOX_ENV, "on")
    sandbox.check_available.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda tool: None)
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="bwrap"):
            TrustedExecute()
    finally:
        sandbox.check_available.cache_clear()
