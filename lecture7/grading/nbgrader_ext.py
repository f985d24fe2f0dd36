"""nbgrader plumbing: grade test cells out of the notebook's reach, in a sandboxed kernel.

:class:`TrustedExecute` replaces nbgrader's ``Execute`` preprocessor in autograding.
It runs the notebook cell by cell as usual, with these differences:

* **Test cells are not run as written.** For a test cell that calls
  ``lecture7.grading`` checks, the grader draws the inputs, asks the kernel only for
  what the student's functions compute on them (:mod:`lecture7.grading.probe`), and
  compares and scores in its own process (:mod:`lecture7.grading.trusted`).
  Patching the checks, NumPy, ``AssertionError``, ``sys.modules``, IPython's input
  transformers or display hooks inside the notebook changes nothing.
* **The kernel is sandboxed** (:class:`~lecture7.grading.kernel.SandboxedKernelManager`)
  unless ``LECTURE7_SANDBOX=off``; without bubblewrap, grading refuses to start.
* **Nothing the kernel does stops the run.** A cell that overruns its time is
  interrupted; a kernel that ignores the interrupt (or dies, or overruns the
  notebook's time budget) is stopped, and the cells after it are marked as not run.
  Outputs are capped per cell and per notebook; display updates cannot reach a
  graded cell; widget state is not stored.

:class:`HideTestTracebacks` and :class:`ClearHiddenTestsSafely` run in
``nbgrader generate_feedback``: no test source is quoted, and whatever a student
wrote in their own cells cannot make the feedback of anybody fail.

``assignments/nbgrader_config.py`` names these classes (as strings), so nbgrader
commands that do not grade never import this module.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_output, output_from_msg
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Bool, Integer

from lecture7.grading import sandbox
from lecture7.grading.probe import MIME

__all__ = ["ClearHiddenTestsSafely", "HideTestTracebacks", "TrustedExecute"]


def _is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _size(content: dict) -> int:
    """Roughly how many characters an output message adds to the notebook."""
    data = content.get("data") or {}
    parts = [content.get("text"), *data.values(), *(content.get("traceback") or [])]
    return sum(len(p) if isinstance(p, str) else len(str(p)) for p in parts if p is not None)


_warm_up_lock = threading.Lock()
_warmed_up: set[str] = set()


def _warm_up(sources: list[str]) -> None:
    """Run the checks' references once on their visible cases (imports, lazy torch set-up)."""
    import numpy as np

    from lecture7.grading import trusted

    for source in sources:
        try:
            plan = trusted.plan_cell(source, np.random.default_rng(0))
            if plan is not None:
                for check, cases in zip(plan.checks, plan.cases, strict=True):
                    check.expected(cases)
        except Exception:  # a warm-up only: grading the cell reports any problem itself
            continue


class TrustedExecute(Execute):
    """nbgrader's ``Execute``, sandboxed, grading test cells in the grader's process."""

    seed = Integer(None, allow_none=True, help=(
        "Seed of the hidden tests' random inputs. The default (None) draws a new secret "
        "seed for every test cell; set one only to reproduce a grading run.")).tag(config=True)
    max_cell_output = Integer(2 * 2**20, help="Characters of output kept per cell.").tag(
        config=True)
    max_notebook_output = Integer(8 * 2**20, help="Characters of output kept per notebook.").tag(
        config=True)
    notebook_timeout = Integer(1800, help=(
        "Seconds a whole notebook may take; cells after that are not run.")).tag(config=True)
    fork_kernels = Bool(False, help=(
        "Fork each kernel from a sandboxed template that has torch imported (the parallel "
        "grader's workers do), instead of starting a sandbox per kernel.")).tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sandbox.enabled():
            sandbox.check_available()
            from lecture7.grading.kernel import SandboxedKernelManager

            manager = SandboxedKernelManager
            if self.fork_kernels:
                from lecture7.grading import template_kernel

                base = SandboxedKernelManager(config=self.config).base()
                why = template_kernel.available(base)
                if why is None:
                    manager = template_kernel.TemplateKernelManager
                else:
                    self.log.warning("Kernels get a sandbox each: %s", why)
            if "kernel_manager_class" not in kwargs:
                self.kernel_manager_class = manager
        # a kernel's messages must not grow the notebook without bound (comms included)
        self.store_widget_state = False
        # a busy machine can delay a kernel's last message; only a hung kernel takes this long
        self.iopub_timeout = max(self.iopub_timeout, 15)

    def preprocess(self, nb, resources=None, km=None):
        """Execute the notebook; meanwhile, warm the checks up in a background thread.

        The first run of a reference (importing torch, its lazy set-up) then overlaps
        with the kernel's start-up instead of delaying the first test cell.
        """
        sources = [c.source for c in nb.cells if _is_test_cell(c)]
        with _warm_up_lock:
            new = [s for s in sources if s not in _warmed_up]
            _warmed_up.update(new)
        if new:
            threading.Thread(target=_warm_up, args=(new,), daemon=True).start()
        return super().preprocess(nb, resources, km)

    def reset_execution_trackers(self) -> None:
        """Also forget the previous notebook's stopped kernel, graded cells and outputs."""
        super().reset_execution_trackers()
        self._stopped: str | None = None
        self._graded: set[int] = set()
        self._cell_output: dict[int, int] = {}
        self._notebook_output = 0
        self._probing = False
        self._started = time.monotonic()

    # -- outputs -----------------------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        """Keep an output unless its cell or the notebook has had its share."""
        if self._probing:  # the grader keeps the last answer and the errors, nothing else
            content = msg.get("content", {})
            if MIME in (content.get("data") or {}):
                outs[:] = [o for o in outs if o.get("output_type") == "error"]
            elif msg.get("msg_type") != "error" or len(outs) > 10:
                return None
            return super().output(outs, msg, None, cell_index)
        size = _size(msg.get("content", {}))
        spent = self._cell_output.get(cell_index, 0)
        if spent + size > self.max_cell_output or (
                self._notebook_output + size > self.max_notebook_output):
            if spent <= self.max_cell_output:  # say it once per cell
                limit = min(self.max_cell_output, self.max_notebook_output)
                outs.append(new_output("stream", name="stdout", text=(
                    f"\n[output cut: more than {limit // 2**20} MB of output; "
                    "the rest of this cell's output was dropped]\n")))
                self._cell_output[cell_index] = self.max_cell_output + 1
            return None
        self._cell_output[cell_index] = spent + size
        self._notebook_output += size
        return super().output(outs, msg, display_id, cell_index)

    def _update_display_id(self, display_id: str, msg: dict) -> None:
        """Update earlier displays, except in graded cells, and within the output limits."""
        if self._probing:
            return
        msg["header"]["msg_type"] = "display_data"
        try:
            data = output_from_msg(msg)
        except ValueError:
            return
        size = _size(data)
        for index, positions in self._display_id_map.get(display_id, {}).items():
            if index in self._graded or index >= len(self.nb.cells):
                continue
            outputs = self.nb.cells[index].get("outputs", [])
            for position in positions:
                if position < len(outputs) and self._notebook_output + size <= \
                        self.max_notebook_output:
                    outputs[position]["data"] = data["data"]
                    outputs[position]["metadata"] = data["metadata"]
                    self._notebook_output += size

    # -- execution -----------------------------------------------------------------------

    def _not_run(self, cell: NotebookNode, why: str) -> NotebookNode:
        cell.outputs = [new_output("error", ename="KernelStopped", evalue=why,
                                   traceback=[f"KernelStopped: {why}"])]
        return cell

    async def _stop_kernel(self) -> None:
        try:
            await ensure_async(self.km.shutdown_kernel(now=True))
        except Exception as err:  # it is being stopped because it misbehaves
            self.log.warning("Stopping the kernel: %s", err)

    async def async_execute_cell(self, cell: NotebookNode, cell_index: int,
                                 execution_count: int | None = None,
                                 store_history: bool = True) -> NotebookNode:
        """Execute one cell; test cells with check calls are graded by :meth:`_grade`."""
        if cell.cell_type != "code" or not cell.source.strip():
            return cell
        if self._stopped is None and time.monotonic() - self._started > self.notebook_timeout:
            self._stopped = (f"not run: the notebook used up its {self.notebook_timeout} s "
                             f"before cell {cell_index}")
            await self._stop_kernel()
        if self._stopped is not None:
            return self._not_run(cell, self._stopped)
        try:
            if _is_test_cell(cell):
                graded = await self._grade(cell, cell_index, execution_count)
                if graded is not None:
                    return graded
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        except DeadKernelError:
            why = ("the kernel died while running this cell (os._exit, a crash, or a "
                   "resource limit: memory, CPU time, processes)")
        except CellTimeoutError:
            why = ("this cell ran past its time limit and did not stop when interrupted, "
                   "so its kernel was stopped")
            await self._stop_kernel()
        self.log.warning("Cell %s: %s; the cells after it are not run", cell_index, why)
        self._stopped = f"not run: the kernel stopped in cell {cell_index}"
        self.nb.cells[cell_index] = cell
        return self._not_run(cell, why)

    execute_cell = run_sync(async_execute_cell)

    async def _grade(self, cell: NotebookNode, cell_index: int,
                     execution_count: int | None) -> NotebookNode | None:
        """Grade a test cell through the probe; None when it calls no check."""
        import numpy as np

        from lecture7.grading import trusted

        grade_id = cell.metadata["nbgrader"].get("grade_id", cell_index)
        started = time.perf_counter()
        seed = self.seed if self.seed is not None else secrets.randbits(128)
        try:
            plan = trusted.plan_cell(cell.source, np.random.default_rng(seed))
        except Exception as err:
            self.log.error("Test cell %s cannot be graded out of the kernel (%s); "
                           "running it as written", grade_id, err)
            return None
        if plan is None:
            return None
        probe = NotebookNode(cell_type="code", source=plan.code, metadata={}, outputs=[],
                             execution_count=None, id=cell.get("id", "probe"))
        planned = time.perf_counter()
        self._probing = True
        try:
            probe = await super().async_execute_cell(probe, cell_index, execution_count,
                                                     store_history=False)
        finally:
            self._probing = False
            self.nb.cells[cell_index] = cell
            self._graded.add(cell_index)
        probed = time.perf_counter()
        points = float(cell.metadata["nbgrader"].get("points", 0))
        try:
            outputs, score = trusted.grade_cell(plan, probe.outputs, points,
                                                self._get_timeout(cell))
        except Exception:  # whatever the kernel sent, it costs this cell, not the run
            self.log.exception("Test cell %s could not be graded", grade_id)
            why = "the results of your code could not be read"
            outputs, score = [new_output("error", ename="GradingError", evalue=why,
                                         traceback=[f"GradingError: {why}"])], 0.0
        for output in outputs:
            if output.output_type == "execute_result":
                output.execution_count = probe.execution_count
        cell.outputs, cell.execution_count = outputs, probe.execution_count
        self.log.info("Test cell %s: %g of %g points (plan %.2f s, student's code %.2f s, "
                      "checks %.2f s)", grade_id, score, points, planned - started,
                      probed - planned, time.perf_counter() - probed)
        return cell


class HideTestTracebacks(NbGraderPreprocessor):
    """Reduce error tracebacks in test cells to ``ename: evalue`` (no test source lines)."""

    def preprocess_cell(self, cell, resources, cell_index):
        """Shorten the tracebacks of one cell, if it is a test cell."""
        if _is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class ClearHiddenTestsSafely(ClearHiddenTests):
    """nbgrader's ``ClearHiddenTests`` for test cells only, and never raising.

    nbgrader's version raises on a ``BEGIN HIDDEN TESTS`` line outside a test cell or
    without its ``END``, which stops ``generate_feedback`` for the whole class; a
    student can write that line in a cell of their own. Here, hidden regions are
    removed from test cells (to the end of the cell when the ``END`` is missing), and
    the student's own cells are left as the student wrote them.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        """Remove the hidden region of a test cell."""
        if utils.is_grade(cell) and not utils.is_solution(cell):
            kept, hidden = [], False
            for line in cell.source.split("\n"):
                if self.begin_test_delimeter in line:
                    hidden = True
                elif self.end_test_delimeter in line:
                    hidden = False
                elif not hidden:
                    kept.append(line)
            cell.source = "\n".join(kept)
        return cell, resources
