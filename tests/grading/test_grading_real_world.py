"""Code written as real students write it: right code scores full, each real bug is named."""

import math

import numpy as np
import pytest
import torch
from grading_cases import COURSE
from real_world import FULL, STUDENTS

from lecture7.grading.authoring import parts
from lecture7.grading.verdict import part_score

CASES = [(s, target) for s in STUDENTS for target in s.expect]


def _checks(assignment, target):
    import nbformat

    for path in (COURSE / "source" / assignment).glob("*.ipynb"):
        for part in parts(nbformat.read(path, as_version=4)):
            if target in part.targets:
                return part.checks
    raise LookupError(f"no part of {assignment} checks {target}")


@pytest.mark.parametrize(("student", "target"), CASES,
                         ids=[f"{s.name}-{s.assignment}-{t}" for s, t in CASES])
@pytest.mark.parametrize("seed", [0, 1])
def test_right_code_scores_full_and_real_bugs_are_named(student, target, seed):
    namespace = {"np": np, "torch": torch, "math": math}
    exec(student.cells[target], namespace)
    verdicts = []
    for check in _checks(student.assignment, target):
        for hidden in (False, True):
            cases = check.cases(hidden=hidden, rng=np.random.default_rng(seed))
            observed = check.observe({**check.reference_objects(), target: namespace[target]},
                                     cases, guarded=True)
            verdicts.append(check.judge(cases, observed, hidden=hidden))
    reports = "\n".join(v.report() for v in verdicts)
    named = {m.name for v in verdicts for m in v.mistakes}
    if student.expect[target] == FULL:
        assert part_score(verdicts, 1) == 1 and not named, reports
    else:
        assert part_score(verdicts, 1) < 1, reports
        assert named == set(student.expect[target]), reports
