"""Kernels forked from a warm, sandboxed template: the grading workers' fast kernels.

:class:`TemplateKernelManager` is :class:`~lecture7.grading.kernel.SandboxedKernelManager`
whose kernels are not started from scratch: this process keeps one :class:`Template`
(:mod:`lecture7.grading.template`, in a bubblewrap sandbox, with torch and IPython
imported), and every kernel is a fork of it that isolates itself in namespaces of its
own. The kernel's socket folder and a copy of the submission are made here, in the
template's ``runtime`` folder (bound into its sandbox), and handed over by path.

:func:`available` says whether this machine can fork such kernels (it needs user
namespaces); where it cannot, grading uses a sandbox per kernel instead.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager
from jupyter_client.provisioning import LocalProvisioner

from lecture7.grading import sandbox
from lecture7.grading.kernel import SandboxedKernelManager

__all__ = ["Template", "TemplateKernelManager", "available"]


class Template:
    """The template process of this grading process, and the pipe to it."""

    _current: Template | None = None
    _lock = threading.Lock()

    def __init__(self, base: str, limits: sandbox.Limits, uid_base: int) -> None:
        self.limits = limits
        self.slot = (sandbox.UidSlot(uid_base, 4096, os.path.join(base, "uids"))
                     if os.geteuid() == 0 else None)
        self.uid = self.slot.uid if self.slot is not None else None
        self.runtime = tempfile.mkdtemp(prefix="template-", dir=base)
        os.chmod(self.runtime, 0o755)
        ours, theirs = socket.socketpair()
        command = sandbox.template_command(
            [sys.executable, "-m", "lecture7.grading.template", str(theirs.fileno())],
            runtime=self.runtime, limits=limits, uid=self.uid, env=sandbox.kernel_env(),
            mplconfig=sandbox.matplotlib_config(base))
        with open(os.path.join(self.runtime, "template.log"), "wb") as log:
            self.process = subprocess.Popen(command, pass_fds=(theirs.fileno(),),
                                            stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=log)
        theirs.close()
        self.pipe = ours
        self.pipe.settimeout(120)
        self.reader = ours.makefile("r")
        ready = self._answer()
        if not ready.get("ready"):
            self.close()
            raise sandbox.SandboxUnavailable(f"the kernel template cannot fork isolated "
                                             f"kernels here: {ready.get('why')}")
        self.pipe.settimeout(30)

    @classmethod
    def get(cls, base: str, limits: sandbox.Limits, uid_base: int) -> Template:
        """This process's template for these limits, started (again) when needed."""
        with cls._lock:
            current = cls._current
            if current is None or current.limits != limits or current.process.poll() is not None:
                if current is not None:
                    current.close()
                cls._current = current = cls(base, limits, uid_base)
                atexit.register(current.close)
            return current

    def _answer(self) -> dict:
        line = self.reader.readline()
        if not line:
            log = Path(self.runtime, "template.log")
            tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
            raise RuntimeError(f"the kernel template stopped: {tail.strip()}")
        return json.loads(line)

    def request(self, message: dict) -> dict:
        """Send one request and wait for its answer."""
        with self._lock:
            self.pipe.sendall((json.dumps(message) + "\n").encode())
            return self._answer()

    def kernel_folder(self) -> str:
        """A new folder, owned by the sandbox's uid, for one kernel's sockets."""
        folder = tempfile.mkdtemp(prefix="kernel-", dir=self.runtime)
        os.chmod(folder, 0o700)
        return folder

    def close(self) -> None:
        """Stop the template (its kernels die with it) and remove its folder."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.pipe.close()
        shutil.rmtree(self.runtime, ignore_errors=True)
        if self.slot is not None:
            self.slot.release()


@functools.cache
def available(base: str) -> str | None:
    """Why kernels cannot be forked from a template here, or None when they can."""
    try:
        sandbox.check_available()
        Template.get(base, sandbox.Limits(), 1_700_000)
    except (sandbox.SandboxUnavailable, OSError, RuntimeError, ValueError) as err:
        return str(err)
    return None


class TemplateProvisioner(LocalProvisioner):
    """Starts a kernel by asking the template to fork one; polls and kills it the same way."""

    template: Template | None = None
    child: int | None = None

    @property
    def has_process(self) -> bool:
        return self.child is not None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        km = self.parent
        submission = os.path.join(km._runtime, "submission")
        shutil.copytree(km._submission, submission, symlinks=True,
                        ignore=shutil.ignore_patterns("*.ipynb"))
        work = f"{sandbox.HOME}/{Path(km._submission).name or 'submission'}"
        limits = km.limits()
        request = {
            "argv": cmd[cmd.index("ipykernel_launcher") + 1:], "home": sandbox.HOME,
            "folder": km._runtime,
            "work": work, "submission": submission,
            "env": sandbox.kernel_variables(work, sandbox.kernel_env()),
            "mplconfig": sandbox.MPLCONFIG,
            "limits": {"memory": limits.memory, "file_size": limits.file_size,
                       "cpu_seconds": limits.cpu_seconds, "open_files": limits.open_files,
                       "processes": limits.processes if self.template.uid is not None else 0,
                       "scratch": limits.scratch}}
        self.child = self.template.request({"spawn": request})["pid"]
        return self.connection_info

    async def poll(self) -> int | None:
        if self.child is None:
            return 0
        return self.template.request({"poll": self.child})["status"]

    async def wait(self) -> int | None:
        status = 0
        while self.child is not None:
            status = await self.poll()
            if status is not None:
                self.child = None
            else:
                await asyncio.sleep(0.05)
        return status

    async def send_signal(self, signum: int) -> None:
        if signum and self.child is not None:  # interrupts go by message; the rest ends it
            self.template.request({"kill": self.child})

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(9)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(15)

    async def cleanup(self, restart: bool = False) -> None:
        self.child = None


class TemplateKernelManager(SandboxedKernelManager):
    """A sandboxed kernel manager whose kernels are forks of this process's template."""

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        template = Template.get(self.base(), self.limits(), self.uid_base)
        self._submission = os.path.realpath(kw.pop("cwd", None) or os.getcwd())
        self._slot, self._log = None, None
        self._prepare(template.kernel_folder(), template.uid)
        self.provisioner = TemplateProvisioner(kernel_id=self.kernel_id or "kernel",
                                               kernel_spec=self.kernel_spec, parent=self)
        self.provisioner.template = template
        return await KernelManager._async_pre_start_kernel(self, **kw)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel's own command: the template reads its arguments."""
        return super(SandboxedKernelManager, self).format_kernel_cmd(extra_arguments)
