"""The kernel template: a sandboxed process with torch imported, that forks fresh kernels.

Starting a kernel that imports torch costs seconds of CPU (torch, ``torch._dynamo`` on
the first optimizer, IPython), most of a small notebook's grading time. A grading worker
therefore starts, once, a *template* in a bubblewrap sandbox
(:mod:`lecture7.grading.template_kernel` builds it): it imports what kernels need, then
waits for requests on a pipe. For each submission it forks a child that becomes the
kernel, with the modules already loaded and nothing else: the template never runs
student code, holds no secret, and is not debuggable (``PR_SET_DUMPABLE``).

The fork then isolates itself as a kernel of its own (:func:`_become_kernel`):

1. new user, mount, PID, network, IPC and UTS namespaces: it cannot see or signal the
   template, the worker or an earlier kernel, and has no network;
2. in-memory file systems of its own for its home (a copy of the submission) and
   ``/tmp``; everything else it sees is the template's view: read-only;
3. it gives up the privileges it had over its namespaces (a further user namespace),
   sets its resource limits, and dies with its parent (``PR_SET_PDEATHSIG``);
4. fresh random state, then the IPython kernel starts in-process, as process 2 of its
   PID namespace; process 1 reaps orphans and takes everything down when the kernel ends.

Protocol on the pipe (one JSON object per line): ``{"spawn": {...}}`` answers
``{"pid": n}``; ``{"poll": n}`` answers ``{"status": code or null}``; ``{"kill": n}``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import sys

__all__ = ["main"]

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x4000000, 0x8000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
#: An empty folder of the template's (read-only) root, where a fork sets its sockets aside.
STASH = "/run/lecture7-kernel"
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
PRELOAD = ("numpy", "torch", "torch.optim", "torch._dynamo", "IPython", "ipykernel.kernelapp",
           "ipykernel.ipkernel", "lecture7", "lecture7.grading.probe")
LIMITS = {"memory": resource.RLIMIT_DATA, "file_size": resource.RLIMIT_FSIZE,
          "cpu_seconds": resource.RLIMIT_CPU, "open_files": resource.RLIMIT_NOFILE,
          "processes": resource.RLIMIT_NPROC}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _own_user_namespace() -> None:
    """Move into a new user namespace, mapping only our own uid and gid."""
    uid, gid = os.getuid(), os.getgid()
    # a fork of the (undumpable) template must be dumpable to write its own id maps
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "PR_SET_DUMPABLE")
    _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as fh:
            fh.write(text)


def _mount_tmpfs(path: str, size: int, mode: str) -> None:
    _check(_libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                       f"size={size},mode={mode}".encode()), f"mount tmpfs on {path}")


def _copy_submission(source: str, work: str) -> None:
    """The submission's files, without the notebooks being graded (they hold hidden tests)."""
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(source):
        path = os.path.join(source, name)
        if name.endswith(".ipynb") or os.path.islink(path):
            continue
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(work, name), symlinks=True)
        elif os.path.isfile(path):
            shutil.copy(path, work)


def _wait_for(child: int, reap: bool = False) -> None:
    """In the parent: wait for ``child`` (reaping every orphan on the way), then exit as it
    did; in the child (``child == 0``), return."""
    if child == 0:
        return
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "PR_SET_DUMPABLE")  # not the kernel's
    while True:
        pid, status = os.waitpid(-1 if reap else child, 0)
        if pid == child:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _become_kernel(request: dict) -> None:
    """In the forked child: isolate, then run the kernel in this process. Never returns."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG")
    _own_user_namespace()
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
                         | CLONE_NEWUTS), "unshare")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    home, scratch, folder = request["home"], request["limits"]["scratch"], request["folder"]
    # its socket folder may lie under /tmp: set it aside, cover /tmp, put it back
    _check(_libc.mount(folder.encode(), STASH.encode(), None, MS_BIND, None), "stash")
    _mount_tmpfs(home, scratch, "0755")
    _mount_tmpfs("/tmp", scratch, "1777")
    if not os.path.isdir(folder):
        os.makedirs(folder)
        _check(_libc.mount(STASH.encode(), folder.encode(), None, MS_BIND, None), "unstash")
    _wait_for(os.fork())  # process 1 of the new PID namespace: it reaps, as bwrap's does
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG")
    _wait_for(os.fork(), reap=True)  # process 2: the kernel
    _copy_submission(request["submission"], request["work"])
    env = request["env"]
    os.makedirs(env["MPLCONFIGDIR"], exist_ok=True)
    if request.get("mplconfig") and os.path.isdir(request["mplconfig"]):
        shutil.copytree(request["mplconfig"], env["MPLCONFIGDIR"], dirs_exist_ok=True)
    _own_user_namespace()  # from here on, no privilege over any namespace it is in
    for name, limit in LIMITS.items():
        value = request["limits"].get(name)
        if value:
            resource.setrlimit(limit, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.setsid()
    os.chdir(request["work"])
    os.environ.clear()
    os.environ.update(env)
    _reseed()
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(request["argv"])
    app.start()
    os._exit(0)


def _reseed() -> None:
    """Every kernel gets its own random state (the fork copied the template's)."""
    import random

    import numpy as np
    import torch

    random.seed()
    np.random.seed(int.from_bytes(os.urandom(4), "little"))  # noqa: NPY002 (the legacy global)
    torch.seed()


def _spawn(request: dict, control: int) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            os.close(control)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _become_kernel(request)
        except BaseException as err:  # the worker sees a dead kernel and reports it
            print(f"lecture7 kernel template: {type(err).__name__}: {err}", file=sys.stderr)
        finally:
            os._exit(70)
    return pid


def _serve(control: int) -> None:
    reader = os.fdopen(control, "r", buffering=1, closefd=False)
    children: dict[int, int | None] = {}
    for line in reader:
        request = json.loads(line)
        if "spawn" in request:
            pid = _spawn(request["spawn"], control)
            children[pid] = None
            answer: dict = {"pid": pid}
        elif "poll" in request:
            pid = request["poll"]
            if pid in children and children[pid] is None:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    children[pid] = os.waitstatus_to_exitcode(status)
            answer = {"status": children.get(pid, -1)}
        elif "kill" in request:
            pid = request["kill"]
            if children.get(pid, 0) is None:
                os.kill(pid, signal.SIGKILL)  # its kernel is killed with it (pdeathsig)
            answer = {"killed": pid}
        else:
            answer = {"error": "unknown request"}
        os.write(control, (json.dumps(answer) + "\n").encode())


def main(argv: list[str]) -> None:
    """``python -m lecture7.grading.template <fd>``: preload, then serve requests on ``fd``."""
    control = int(argv[0])
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "PR_SET_DUMPABLE")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
    why = _self_test()
    os.write(control, (json.dumps({"ready": why is None, "why": why}) + "\n").encode())
    if why is None:
        _serve(control)


def _self_test() -> str | None:
    """Why a fork cannot isolate itself here (no user namespaces...), or None."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            _own_user_namespace()
            _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
                                 | CLONE_NEWUTS), "unshare")
            _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
            _mount_tmpfs("/tmp", 2**20, "1777")
            os._exit(0)
        except BaseException as err:
            os.write(writer, str(err).encode()[:500])
            os._exit(1)
    os.close(writer)
    _, status = os.waitpid(pid, 0)
    message = os.read(reader, 1000).decode(errors="replace")
    os.close(reader)
    return None if status == 0 else (message or f"exit status {status}")


if __name__ == "__main__":
    main(sys.argv[1:])
