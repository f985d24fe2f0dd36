"""Where submissions execute: worker processes on this machine, or a Dask cluster.

Both pools take :class:`~lecture7.grading.autograde.worker.Task` objects and give back
futures of :class:`~lecture7.grading.autograde.worker.Outcome`; the coordinator
(:mod:`lecture7.grading.autograde.run`) does not care which it has.

* :class:`LocalPool`: ``N`` worker processes (``concurrent.futures``, spawned). Each
  imports the grading code (and torch) once and keeps it warm for every submission
  it executes. A worker that dies breaks the pool: the pool is rebuilt and the
  submissions that were on it are handed out again.
* :class:`DaskPool`: an existing ``dask.distributed`` cluster
  (``--scheduler tcp://host:8786``). Dask hands a lost worker's submissions to
  another worker by itself; only a submission that kills worker after worker is
  given up (``KilledWorker``).
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing
from collections.abc import Iterable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from lecture7.grading.autograde.worker import Task, execute

__all__ = ["DaskPool", "LocalPool"]


def _warm_up() -> None:
    """Import what every submission needs, once per worker process."""
    for module in ("lecture7.grading.nbgrader_ext",  # nbclient, nbgrader, the sandbox
                   "lecture7.grading.trusted"):  # the checks, numpy, torch
        importlib.import_module(module)


class LocalPool:
    """``workers`` processes on this machine."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"Invalid number of workers: {workers} (use 1 or more)")
        self.workers = workers
        self._start()

    def _start(self) -> None:
        self.executor = cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm_up)

    def __str__(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"

    def slots(self) -> int:
        """How many submissions execute at once."""
        return self.workers

    def submit(self, task: Task) -> cf.Future:
        """Start executing ``task`` (queued until a worker is free)."""
        return self.executor.submit(execute, task)

    def wait(self, futures: Iterable[Any], timeout: float | None = None) -> set:
        """The futures that are done, waiting for at least one (or ``timeout`` seconds)."""
        return cf.wait(list(futures), timeout=timeout, return_when=cf.FIRST_COMPLETED).done

    def lost(self, error: BaseException) -> bool:
        """Whether ``error`` means a worker was lost (then the pool is restarted)."""
        if isinstance(error, BrokenProcessPool):
            self.executor.shutdown(wait=False, cancel_futures=True)
            self._start()
            return True
        return False

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers (at once, killing their kernels, when ``cancel``)."""
        if cancel:
            for process in list(getattr(self.executor, "_processes", {}).values()):
                process.terminate()
        self.executor.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskPool:
    """The workers of a running Dask cluster (every worker has this course's environment)."""

    def __init__(self, address: str) -> None:
        from distributed import Client

        self.address = address
        self.client = Client(address, timeout="30s")

    def __str__(self) -> str:
        workers = self.client.scheduler_info().get("workers", {})
        return f"the Dask cluster at {self.address} ({len(workers)} workers)"

    def slots(self) -> int:
        """How many submissions execute at once: the cluster's threads."""
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, task: Task) -> Any:
        """Send ``task`` to the cluster."""
        return self.client.submit(execute, task, key=f"grade-{task.key}-{task.attempt}",
                                  pure=False)

    def wait(self, futures: Iterable[Any], timeout: float | None = None) -> set:
        """The futures that are done, waiting for at least one (or ``timeout`` seconds)."""
        from distributed import wait

        try:
            return set(wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED").done)
        except TimeoutError:  # distributed raises where concurrent.futures returns
            return set()

    def lost(self, error: BaseException) -> bool:
        """Dask retries lost workers itself; ``KilledWorker`` means it gave up."""
        return False

    def close(self, *, cancel: bool = False) -> None:
        """Disconnect (the cluster keeps running)."""
        self.client.close()
