"""Jupyter kernel managers that start every kernel in its own sandbox.

Both are jupyter_client's ``AsyncKernelManager`` with these changes, so that nbclient
(and so nbgrader's ``Execute``) use them unchanged:

1. the kernel runs sandboxed (:mod:`lecture7.grading.sandbox`): with bubblewrap of its
   own (:class:`SandboxedKernelManager`), or as a fork of a sandboxed template that has
   torch imported already (:class:`~lecture7.grading.template_kernel.TemplateKernelManager`);
2. the kernel talks over Jupyter's ``ipc`` transport: unix sockets in a folder made for
   it alone, the only host folder it can write to;
3. interrupts are sent as messages (``interrupt_request``): a signal would reach
   bubblewrap, not the kernel. A kernel that ignores them is stopped by
   :class:`~lecture7.grading.nbgrader_ext.TrustedExecute` at its deadline;
4. the grader accepts no message larger than :attr:`max_message_size`.

Limits are configurable in ``nbgrader_config.py``::

    c.SandboxedKernelManager.memory_limit = "8G"
    c.SandboxedKernelManager.cpu_time_limit = 1200
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Any

import zmq
from jupyter_client.manager import AsyncKernelManager, KernelManager
from traitlets import Integer, Unicode

from lecture7.grading import sandbox

__all__ = ["SandboxedKernelManager"]


class SandboxedKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` whose kernels each run in a bubblewrap sandbox of their own."""

    memory_limit = Unicode("4G", help="Memory of a kernel (data segment), e.g. '4G'.").tag(
        config=True)
    process_limit = Integer(256, help="Processes and threads of a kernel (as root).").tag(
        config=True)
    file_size_limit = Unicode("64M", help="Largest file a kernel may write.").tag(config=True)
    cpu_time_limit = Integer(600, help="CPU seconds of a kernel, all cells together.").tag(
        config=True)
    open_files_limit = Integer(1024, help="Open files of a kernel.").tag(config=True)
    scratch_size = Unicode("512M", help="Size of the kernel's home and of its /tmp (in "
                                        "memory; the home holds the submission's copy).").tag(
        config=True)
    runtime_base = Unicode("", help="Host folder for the kernels' socket folders (default: "
                                    "the temporary folder).").tag(config=True)
    uid_base = Integer(1_700_000, help="First of the uids given to sandboxes (as root).").tag(
        config=True)
    max_message_size = Integer(128 * 2**20, help="Largest message the grader accepts from a "
                                                 "kernel; a larger one disconnects it.").tag(
        config=True)

    def limits(self) -> sandbox.Limits:
        """The configured :class:`~lecture7.grading.sandbox.Limits`."""
        return sandbox.Limits(
            memory=sandbox.parse_size(self.memory_limit), processes=self.process_limit,
            file_size=sandbox.parse_size(self.file_size_limit), cpu_seconds=self.cpu_time_limit,
            open_files=self.open_files_limit, scratch=sandbox.parse_size(self.scratch_size))

    def base(self) -> str:
        """The host folder under which kernels get their socket folders."""
        base = self.runtime_base or os.path.join(tempfile.gettempdir(), "lecture7-sandbox")
        os.makedirs(base, mode=0o711, exist_ok=True)
        return base

    def _prepare(self, runtime: str, uid: int | None) -> None:
        """Talk over ipc sockets in ``runtime`` (owned by ``uid``); interrupt by message."""
        self._runtime = runtime
        if uid is not None:
            os.chown(runtime, uid, uid)
        self._uid = uid
        self.transport = "ipc"
        self.ip = os.path.join(runtime, "ipc")
        self.connection_file = os.path.join(runtime, "kernel.json")
        spec = self.kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        sandbox.check_available()
        self._submission = os.path.realpath(kw.pop("cwd", None) or os.getcwd())
        self._slot = (sandbox.UidSlot(self.uid_base, 4096, os.path.join(self.base(), "uids"))
                      if os.geteuid() == 0 else None)
        self._prepare(tempfile.mkdtemp(prefix="kernel-", dir=self.base()),
                      self._slot.uid if self._slot is not None else None)
        # the kernel's own output (and bwrap's errors) go to a log beside its sockets
        self._log = open(os.path.join(self._runtime, "kernel.log"), "wb")
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", self._log)
        return await super()._async_pre_start_kernel(cwd=self._runtime, **kw)

    def write_connection_file(self, **kwargs: Any) -> None:
        """Write it as jupyter_client does, readable by the sandbox's uid only."""
        super().write_connection_file(**kwargs)
        if getattr(self, "_uid", None) is not None:
            os.chown(self.connection_file, self._uid, self._uid)

    def client(self, **kwargs: Any) -> Any:
        """A client that refuses messages over :attr:`max_message_size` (ZeroMQ drops them)."""
        client = super().client(**kwargs)
        client.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_size)
        return client

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel's command, wrapped in the sandbox."""
        command = super().format_kernel_cmd(extra_arguments)
        return sandbox.sandbox_command(
            command, submission=self._submission, runtime=self._runtime, limits=self.limits(),
            uid=self._uid, env=sandbox.kernel_env(),
            mplconfig=sandbox.matplotlib_config(self.base()))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await KernelManager._async_cleanup_resources(self, restart=restart)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None
        if getattr(self, "_runtime", None):
            shutil.rmtree(self._runtime, ignore_errors=True)
            self._runtime = None
        if getattr(self, "_slot", None) is not None:
            self._slot.release()
            self._slot = None

    cleanup_resources = _async_cleanup_resources
