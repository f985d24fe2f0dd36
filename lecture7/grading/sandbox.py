"""The sandbox a student's kernel runs in while it is graded: bubblewrap, one per submission.

A submission is code nobody reviewed. During autograding its kernel is started by
:class:`~lecture7.grading.kernel.SandboxedKernelManager` inside a
`bubblewrap <https://github.com/containers/bubblewrap>`_ sandbox (Debian's
``bubblewrap``), built here by :func:`sandbox_command`. Inside it:

* the file system is a new, empty root with **read-only** binds of what the kernel
  needs: the system (``/usr`` and friends, a few files of ``/etc``), the Python
  installation and the virtual environment, and the installed ``lecture7`` package
  (students have the library anyway). Nothing else of the host is there: not the
  course directory (``source/``, ``release/``, other students, the gradebook), not
  the grader's ``$HOME``, not ``/tmp``;
* the **only writable places** are in memory and size-limited: a home directory
  holding a fresh copy of the student's own submission folder (the kernel's working
  directory; without the notebooks being graded, whose test cells hold the hidden
  tests) and ``/tmp``. Both vanish with the sandbox. The one directory on disk
  the kernel can write to is its own socket directory (Jupyter's ``ipc`` transport:
  unix sockets, because the sandbox has **no network** at all);
* new PID, IPC, UTS, network and cgroup namespaces: the kernel sees only its own
  processes, and when it ends (or the grader dies: ``--die-with-parent``) every
  process it started ends with it;
* the kernel runs as an unprivileged user with no capabilities: as root, a uid of
  its own (:class:`UidSlot`), so that the process limit counts its processes only;
* resource limits (:class:`Limits`, ``prlimit``): memory, processes, file size,
  CPU time, open files.

``LECTURE7_SANDBOX=off`` turns the sandbox off (the instructor's explicit choice);
where bubblewrap is missing, grading refuses to start (:func:`check_available`)
instead of running student code unprotected. ``assignments/README.md`` states what
the sandbox guarantees and what it does not.
"""

from __future__ import annotations

import fcntl
import functools
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["SANDBOX_ENV", "Limits", "SandboxUnavailable", "UidSlot", "check_available",
           "enabled", "kernel_variables", "parse_size", "sandbox_command", "template_command"]

SANDBOX_ENV = "LECTURE7_SANDBOX"
#: Where the kernel finds itself: its home (in memory) and the copy of the submission.
HOME = "/home/student"
SUBMISSION = "/mnt/submission"
MPLCONFIG = "/opt/lecture7/mplconfig"
#: Host environment variables a kernel keeps (everything else is cleared).
PASSED_ENV = ("LECTURE7_DEVICE", "LECTURE7_SCALE", "NBGRADER_EXECUTION", "OMP_NUM_THREADS",
              "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "TZ")
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf",
       "passwd", "group", "hosts", "fonts", "alternatives", "mime.types", "os-release")
TOOLS = ("bwrap", "setpriv", "prlimit")


class SandboxUnavailable(RuntimeError):
    """Bubblewrap (or a tool it needs) is missing or cannot run here."""


def enabled() -> bool:
    """Whether kernels are sandboxed: yes unless ``LECTURE7_SANDBOX=off``.

    Raises:
        ValueError: the variable holds anything but ``on`` or ``off``.
    """
    value = os.environ.get(SANDBOX_ENV, "on").strip().lower()
    if value not in ("on", "off", ""):
        raise ValueError(f"{SANDBOX_ENV}={value!r}: use 'on' (the default) or 'off'")
    return value != "off"


@functools.cache
def check_available() -> None:
    """Raise :class:`SandboxUnavailable` saying what is missing; silent when all is there."""
    advice = (f"Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or grade "
              f"without a sandbox, knowing that student code then runs with your rights: "
              f"{SANDBOX_ENV}=off.")
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"Sandboxed grading needs Linux (bubblewrap); this is "
                                 f"{sys.platform}. {advice}")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise SandboxUnavailable(f"Sandboxed grading needs {', '.join(missing)}, not found "
                                 f"on PATH. {advice}")
    probe = subprocess.run(["bwrap", *_system_binds(), "--unshare-all", "--die-with-parent",
                            "--", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        raise SandboxUnavailable(f"bwrap cannot create a sandbox here ({probe.stderr.strip()}): "
                                 f"it needs root or unprivileged user namespaces. {advice}")


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str | int) -> int:
    """``"4G"`` -> 4294967296 bytes (units K, M, G, T, powers of 1024)."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+)\s*([KMGT]?)I?B?\s*", str(text).upper())
    if not match:
        raise ValueError(f"Invalid size {text!r}: write a number of bytes, or e.g. '512M', '4G'")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Limits:
    """Per-kernel resource limits (``prlimit``); configured in ``nbgrader_config.py``.

    ``memory`` bounds the data segment (RLIMIT_DATA: the heap and private mappings,
    which, unlike the address space, leaves CUDA's reservations alone); ``processes``
    counts threads too (RLIMIT_NPROC, enforced where the grader runs as root);
    ``scratch`` is the size of each in-memory file system (home, ``/tmp``).
    """

    memory: int = 4 * 2**30
    processes: int = 256
    file_size: int = 64 * 2**20
    cpu_seconds: int = 600
    open_files: int = 1024
    scratch: int = 512 * 2**20

    def prlimit(self, *, count_processes: bool) -> list[str]:
        """The ``prlimit`` command line that applies these limits (0: no limit)."""
        args = ["prlimit", "--core=0"]
        for flag, value in (("--data", self.memory), ("--fsize", self.file_size),
                            ("--cpu", self.cpu_seconds), ("--nofile", self.open_files)):
            if value:
                args.append(f"{flag}={value}")
        if count_processes:
            args.append(f"--nproc={self.processes}")
        return [*args, "--"]


class UidSlot:
    """A uid no other sandbox on this machine uses now, held until :meth:`release`.

    The process limit counts every process of a uid, so each sandbox gets its own.
    Slots are claimed with ``flock`` on a file per uid, so that grading processes
    running side by side never share one.
    """

    def __init__(self, base: int, count: int, lock_dir: str | Path) -> None:
        Path(lock_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
        for uid in range(base, base + count):
            handle = open(Path(lock_dir) / f"uid-{uid}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.uid, self._handle = uid, handle
            return
        raise RuntimeError(f"all {count} sandbox uids from {base} are in use")

    def release(self) -> None:
        """Give the uid back (its sandbox has ended)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _dirs_then(args: list[str], made: set[str], path: str) -> None:
    """Create ``path``'s parent directories inside the sandbox, world-readable."""
    parents = [str(p) for p in reversed(Path(path).parents) if str(p) != "/"]
    for parent in parents:
        if parent not in made:
            args += ["--perms", "0755", "--dir", parent]
            made.add(parent)


def _system_binds() -> list[str]:
    """Read-only binds of the system: ``/usr``, ``/bin``-style links, part of ``/etc``."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def python_paths() -> list[str]:
    """What the kernel's Python needs to see: the installation, the environment, lecture7."""
    paths = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    spec = importlib.util.find_spec("lecture7")
    if spec is not None and spec.submodule_search_locations:
        paths.add(os.path.realpath(next(iter(spec.submodule_search_locations))))
    paths = sorted(p for p in paths if not p.startswith("/usr/"))
    # a path inside another is bound with it
    return [p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths)]


def gpu_devices() -> list[str]:
    """NVIDIA device nodes to pass through, where there are any."""
    return sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/renderD*"))


def _isolation(uid: int | None) -> tuple[list[str], set[str]]:
    """bwrap's namespaces and read-only binds, common to a kernel and to the template."""
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    if uid is None:
        args.append("--unshare-user")
    args += _system_binds()
    made: set[str] = set()
    for path in python_paths():
        _dirs_then(args, made, path)
        args += ["--ro-bind", path, path]
    args += ["--proc", "/proc", "--dev", "/dev", "--ro-bind-try", "/sys/devices/system/cpu",
             "/sys/devices/system/cpu"]
    devices = gpu_devices()
    if devices:
        args += ["--ro-bind", "/sys", "/sys"]
        for device in devices:
            args += ["--dev-bind", device, device]
    return args, made


def kernel_variables(work: str, env: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of a kernel working in ``work`` (the host's is cleared)."""
    python_bin = os.path.dirname(sys.executable)
    return {"HOME": HOME, "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8",
            "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
            "MPLCONFIGDIR": f"{HOME}/.config/matplotlib", "WORK": work, **env}


def _as_user(args: list[str], uid: int | None, limits: Limits) -> list[str]:
    """Drop to ``uid`` without capabilities (when root), under ``limits``."""
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all"]
    return args + limits.prlimit(count_processes=uid is not None)


def sandbox_command(kernel_cmd: Sequence[str], *, submission: str, runtime: str,
                    limits: Limits, uid: int | None, env: Mapping[str, str],
                    mplconfig: str | None = None) -> list[str]:
    """The command that runs ``kernel_cmd`` in a fresh sandbox.

    Args:
        kernel_cmd: the kernel's own command (``python -m ipykernel_launcher -f ...``).
        submission: the host folder the kernel gets a writable copy of, as its cwd.
        runtime: the host folder of the connection file and sockets (bound read-write).
        limits: resource limits.
        uid: the unprivileged uid to run as (the grader is root), or None (the grader
            is an ordinary user: the kernel runs as that user, in a user namespace).
        env: variables for the kernel (the host environment is cleared).
        mplconfig: a prepared Matplotlib configuration folder (font cache) to copy.
    """
    work = f"{HOME}/{Path(submission).name or 'submission'}"
    args, made = _isolation(uid)
    for place in (HOME, "/tmp"):
        args += ["--size", str(limits.scratch), "--perms", "1777", "--tmpfs", place]
    _dirs_then(args, made, SUBMISSION)
    args += ["--ro-bind", submission, SUBMISSION]
    _dirs_then(args, made, runtime)
    args += ["--bind", runtime, runtime]
    if mplconfig:
        _dirs_then(args, made, MPLCONFIG)
        args += ["--ro-bind", mplconfig, MPLCONFIG]
    for name, value in sorted(kernel_variables(work, env).items()):
        args += ["--setenv", name, value]
    args = _as_user([*args, "--chdir", HOME, "--"], uid, limits)
    # as the student: copy the submission's files (not the notebooks being graded: they
    # hold the hidden tests) and the font cache into the home, and go there
    setup = ('mkdir -p "$WORK" "$MPLCONFIGDIR" && for f in /mnt/submission/* '
             '/mnt/submission/.[!.]*; do case "$f" in *.ipynb|*"*") ;; '
             '*) cp -R "$f" "$WORK"/ ;; esac; done '
             f'&& {{ [ ! -d {MPLCONFIG} ] || cp -R {MPLCONFIG}/. "$MPLCONFIGDIR"/; }} '
             '&& cd "$WORK" && exec "$@"')
    return [*args, "/bin/sh", "-c", setup, "lecture7-kernel", *kernel_cmd]


def template_command(template_cmd: Sequence[str], *, runtime: str, limits: Limits,
                     uid: int | None, env: Mapping[str, str],
                     mplconfig: str | None = None) -> list[str]:
    """The command that runs the kernel template (:mod:`lecture7.grading.template`).

    The same isolation as a kernel's, with a read-only root: the template's forks mount
    their own in-memory home and ``/tmp`` on the empty folders made here, and reach
    their sockets and their copy of the submission in ``runtime``.
    """
    args, made = _isolation(uid)
    _dirs_then(args, made, HOME + "/x")
    _dirs_then(args, made, "/run/lecture7-kernel/x")  # template.STASH
    args += ["--size", str(16 * 2**20), "--perms", "1777", "--tmpfs", "/tmp"]  # for imports
    _dirs_then(args, made, runtime)
    args += ["--bind", runtime, runtime]
    if mplconfig:
        _dirs_then(args, made, MPLCONFIG)
        args += ["--ro-bind", mplconfig, MPLCONFIG]
    for name, value in sorted({**kernel_variables(HOME, env), "HOME": "/nonexistent"}.items()):
        args += ["--setenv", name, value]
    args += ["--remount-ro", "/", "--chdir", "/", "--"]
    template_limits = replace(limits, processes=limits.processes + 8, cpu_seconds=0,
                              file_size=limits.file_size, memory=0)
    return [*_as_user(args, uid, template_limits), *template_cmd]


def kernel_env() -> dict[str, str]:
    """The host variables a kernel keeps (device choice, thread counts)."""
    return {name: os.environ[name] for name in PASSED_ENV if name in os.environ}


@functools.cache
def matplotlib_config(base: str) -> str | None:
    """A Matplotlib configuration folder with its font cache built, shared by all kernels.

    Without it every sandboxed kernel that imports Matplotlib would spend seconds
    rebuilding the font cache in its empty home. Made once per installation of
    Matplotlib (built aside, then renamed into place).
    """
    spec = importlib.util.find_spec("matplotlib")
    if spec is None:
        return None
    from importlib.metadata import version

    folder = Path(base, f"mplconfig-{version('matplotlib')}-{sys.version_info[0]}"
                        f"{sys.version_info[1]}")
    if folder.is_dir():
        return str(folder)
    building = Path(tempfile.mkdtemp(prefix="mplconfig-", dir=base))
    env = {**os.environ, "MPLCONFIGDIR": str(building)}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                   capture_output=True, timeout=300, check=False)
    for path in [building, *building.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        building.rename(folder)
    except OSError:  # another process was faster
        shutil.rmtree(building, ignore_errors=True)
    return str(folder)
