"""Grade a whole class in parallel, on this machine or on a Dask cluster.

``make autograde`` runs ``python -m lecture7.grading.autograde``: the same grading as
``nbgrader autograde`` (the same gradebook rows, the same autograded notebooks, and
``nbgrader generate_feedback`` and ``export`` work on them unchanged), with every
submission executed by one of ``N`` workers in sandboxed kernels, and one coordinator
that alone writes the gradebook. One idea per module:

* :mod:`~lecture7.grading.autograde.course`: nbgrader's steps around the execution;
  the ledger of what was graded;
* :mod:`~lecture7.grading.autograde.worker`: what a worker does with a submission;
* :mod:`~lecture7.grading.autograde.pools`: local worker processes, or a Dask cluster;
* :mod:`~lecture7.grading.autograde.run`: the coordinator's loop and its summary.
"""

from lecture7.grading.autograde.run import Summary, grade_class

__all__ = ["Summary", "grade_class"]
