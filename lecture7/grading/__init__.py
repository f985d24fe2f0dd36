"""Autograding of the course's assignments: what nbgrader test cells call.

Each assignment has a module of checks (``lecture7.grading.optimizers`` for
assignment 2); a test cell imports its checks from there and passes them the
student's code::

    from lecture7.grading.optimizers import check_adam
    check_adam(adam)                          # visible tests
    check_adam(adam, hidden=True, points=3)   # hidden tests: the score

The machinery, one idea per module:

* :mod:`~lecture7.grading.core`: :class:`Check`: cases, run, judge (and
  :mod:`~lecture7.grading.cases`: :class:`Case`, diagnoses);
* :mod:`~lecture7.grading.observe`: what student code returned, as plain data, and what
  it did to its inputs; :mod:`~lecture7.grading.compare`: what differs, by how much, where;
* :mod:`~lecture7.grading.verdict`: the report, and a part's score (the share of its
  sub-checks that pass, visible and hidden: no gate);
* :mod:`~lecture7.grading.mistakes`: the catalogue of real mistakes and accepted
  conventions, recognised from the graded outputs, alone or combined;
* :mod:`~lecture7.grading.guard`: quiet execution, detection of reference use;
* :mod:`~lecture7.grading.wire`, :mod:`~lecture7.grading.probe`,
  :mod:`~lecture7.grading.trusted`, :mod:`~lecture7.grading.nbgrader_ext`:
  grading in nbgrader's process, out of the student's reach;
* :mod:`~lecture7.grading.cells`, :mod:`~lecture7.grading.authoring`: test
  cells, and building and validating assignment notebooks.

``assignments/README.md`` explains how to add an assignment.
"""

from lecture7.grading.core import Case, Check, diagnosis
from lecture7.grading.mistakes import Mistake, mistake, mistakes_for, variant
from lecture7.grading.verdict import Verdict, part_score

__all__ = ["Case", "Check", "Mistake", "Verdict", "diagnosis", "mistake", "mistakes_for",
           "part_score", "variant"]
