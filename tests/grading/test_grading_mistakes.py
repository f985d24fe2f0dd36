"""The mistake catalogue: the reference passes, every variant is recognised by its name."""

import math
import warnings

import numpy as np
import pytest
import torch
from grading_cases import CHECKS, MISTAKES

from lecture7.grading.compare import compare
from lecture7.grading.mistakes import CATALOGUE, mistake


def ids(value):
    if isinstance(value, tuple):
        return f"{value[0].name}:{value[1].name}"
    return getattr(value, "name", str(value))


def test_every_assignment_has_checks_with_mistakes():
    assert CHECKS, "no check is called by the course notebooks"
    assert MISTAKES, "no check has catalogued mistakes"


@pytest.mark.parametrize("check", CHECKS, ids=ids)
@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_reference_passes(check, hidden, seed):
    cases = check.cases(hidden=hidden, rng=np.random.default_rng(seed))
    observed = check.observe(check.reference_objects(), cases, guarded=False)
    verdict = check.judge(cases, observed, hidden=hidden)
    assert verdict.fraction == 1, verdict.report()


@pytest.mark.parametrize("check", CHECKS, ids=ids)
def test_hand_checked_values_agree_with_the_reference(check):
    cases = [c for c in check.cases(hidden=False) if c.expected is not None]
    assert cases, f"{check.name} has no visible case worked out by hand"
    computed = check.observe(check.reference_objects(), cases, guarded=False).observations
    for case, obs in zip(cases, computed, strict=True):
        assert compare(case.expected, obs, rtol=check.rtol, atol=check.atol) == [], case.group


@pytest.mark.parametrize(("check", "m"), MISTAKES, ids=ids)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_mistake_is_recognised_by_name_on_the_hidden_cases(check, m, seed):
    cases = check.cases(hidden=True, rng=np.random.default_rng(seed))
    objects = {**check.reference_objects(), m.target: m.impl}
    verdict = check.judge(cases, check.observe(objects, cases, guarded=True), hidden=True)
    assert [x.name for x in verdict.mistakes] == [m.name], verdict.report()
    assert verdict.fraction == 0
    assert m.name in verdict.report() and m.hint in verdict.report()


@pytest.mark.parametrize(("check", "m"), MISTAKES, ids=ids)
def test_a_mistake_fails_the_in_kernel_check_with_its_name_and_no_warning(check, m, capsys):
    objects = {**check.reference_objects(), m.target: m.impl}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be stderr in a test cell: 0 points
        with pytest.raises(AssertionError, match=m.name):
            check(*[objects[t] for t in check.targets], hidden=True, points=2)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("check", "m"), MISTAKES, ids=ids)
def test_a_mistake_source_can_replace_a_solution_cell(check, m):
    """The end-to-end tests paste m.source() into notebooks: it must define the same thing."""
    namespace = {"np": np, "torch": torch, "math": math}
    exec(compile(m.source(m.target), f"<{m.name}>", "exec"), namespace)
    assert m.target in namespace and "@mistake" not in m.source()
    cases = check.cases(hidden=True, rng=np.random.default_rng(5))
    base = check.reference_objects()
    original = check.observe({**base, m.target: m.impl}, cases, guarded=False).observations
    pasted = check.observe({**base, m.target: namespace[m.target]}, cases,
                           guarded=False).observations
    for a, b in zip(original, pasted, strict=True):
        assert compare(a, b, rtol=0, atol=0) == []


def test_every_catalogued_mistake_belongs_to_a_check():
    used = {(m.target, m.name) for _, m in MISTAKES}
    registered = {(t, m.name) for t, ms in CATALOGUE.items() for m in ms}
    assert registered <= used, f"mistakes no check recognises: {sorted(registered - used)}"


def test_registering_a_mistake_twice_or_with_a_bad_name_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        mistake("adam", "adam-no-bias-correction", "again")(lambda w, dw, config=None: None)
    with pytest.raises(ValueError, match="Invalid mistake name"):
        mistake("adam", "Adam No Bias", "spaces")
