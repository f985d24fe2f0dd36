"""Autograding of the course's assignments: what nbgrader test cells call.

Each assignment has a module of checks (``lecture7.grading.optimizers`` for
assignment 2); a test cell imports its checks from there and passes them the
student's code::

    from lecture7.grading.optimizers import check_adam
    check_adam(adam)                          # visible tests
    check_adam(adam, hidden=True, points=3)   # hidden tests: the score

The machinery, one idea per module:

* :mod:`~lecture7.grading.core`: :class:`Check` and :class:`Case`: cases, run, judge, score;
* :mod:`~lecture7.grading.compare`: what differs, by how much, where;
* :mod:`~lecture7.grading.mistakes`: the catalogue of classic mistakes (real variants);
* :mod:`~lecture7.grading.guard`: quiet execution, detection of reference use;
* :mod:`~lecture7.grading.wire`, :mod:`~lecture7.grading.probe`,
  :mod:`~lecture7.grading.trusted`, :mod:`~lecture7.grading.nbgrader_ext`:
  grading in nbgrader's process, out of the student's reach;
* :mod:`~lecture7.grading.cells`, :mod:`~lecture7.grading.authoring`: test
  cells, and building and validating assignment notebooks.

``assignments/README.md`` explains how to add an assignment.
"""

from lecture7.grading.core import Case, Check, Verdict
from lecture7.grading.mistakes import Mistake, mistake, mistakes_for

__all__ = ["Case", "Check", "Mistake", "Verdict", "mistake", "mistakes_for"]
