"""nbgrader plumbing: grade test cells out of the notebook's reach; keep feedback clean.

* :class:`TrustedExecute` replaces nbgrader's ``Execute`` preprocessor in
  ``nbgrader autograde``. It runs the notebook cell by cell as usual, except
  for test cells that call ``lecture7.grading`` checks: those are not run as
  written. The grader draws the inputs, asks the kernel only for what the
  student's functions compute on them (:mod:`lecture7.grading.probe`), and
  compares and scores in its own process (:mod:`lecture7.grading.trusted`).
  Patching the checks, NumPy, ``AssertionError``, ``sys.modules``, IPython's
  input transformers or display hooks inside the notebook changes nothing.
  A kernel that dies costs the cells that could not run, not the grading run.
* :class:`HideTestTracebacks` (``nbgrader generate_feedback``) cuts error
  tracebacks in test cells down to their last line, so that no test source is
  quoted; nbgrader's own ``ClearHiddenTests`` removes the hidden regions.

``assignments/nbgrader_config.py`` names both (as strings), so nbgrader commands
that do not grade never import this module. The checks and their references are
imported in a background thread while the first kernel starts.
"""

from __future__ import annotations

import secrets
import threading
import time

from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Integer

__all__ = ["HideTestTracebacks", "TrustedExecute"]


def _is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


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
    """nbgrader's ``Execute``, grading ``lecture7.grading`` test cells in the grader's process."""

    seed = Integer(None, allow_none=True, help=(
        "Seed of the hidden tests' random inputs. The default (None) draws a new secret "
        "seed for every test cell; set one only to reproduce a grading run.")).tag(config=True)

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
        """Also forget a dead kernel from the previous notebook."""
        super().reset_execution_trackers()
        self._dead_at: int | None = None

    def _not_run(self, cell: NotebookNode, why: str) -> NotebookNode:
        cell.outputs = [new_output("error", ename="KernelDied", evalue=why,
                                   traceback=[f"KernelDied: {why}"])]
        return cell

    async def async_execute_cell(self, cell: NotebookNode, cell_index: int,
                                 execution_count: int | None = None,
                                 store_history: bool = True) -> NotebookNode:
        """Execute one cell; test cells with check calls are graded by :meth:`_grade`."""
        if cell.cell_type != "code" or not cell.source.strip():
            return cell
        if getattr(self, "_dead_at", None) is not None:
            return self._not_run(cell, f"not run: the kernel died in cell {self._dead_at}")
        try:
            if _is_test_cell(cell):
                graded = await self._grade(cell, cell_index, execution_count)
                if graded is not None:
                    return graded
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        except DeadKernelError:
            self._dead_at = cell_index
            self.log.warning("The kernel died in cell %s; the cells after it are not run",
                             cell_index)
            self.nb.cells[cell_index] = cell
            return self._not_run(cell, "the kernel died while running this cell "
                                       "(os._exit, a crash, or out of memory)")

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
        try:
            probe = await super().async_execute_cell(probe, cell_index, execution_count,
                                                     store_history=False)
        finally:
            self.nb.cells[cell_index] = cell
        probed = time.perf_counter()
        points = float(cell.metadata["nbgrader"].get("points", 0))
        outputs, score = trusted.grade_cell(plan, probe.outputs, points, self._get_timeout(cell))
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
