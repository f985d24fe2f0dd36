"""The catalogue: the reference passes, every mistake is named and never graded full,
every convention is accepted in full, combined mistakes are named together."""

import itertools
import math
import warnings

import numpy as np
import pytest
import torch
from grading_cases import CHECKS, CONVENTIONS, MISTAKES

from lecture7.grading.compare import compare
from lecture7.grading.mistakes import CATALOGUE, mistake, variant


def ids(value):
    if isinstance(value, tuple):
        return f"{value[0].name}:{value[1].name}"
    return getattr(value, "name", str(value))


def judge(check, impl, target=None, *, hidden=True, seed=0):
    cases = check.cases(hidden=hidden, rng=np.random.default_rng(seed))
    objects = {**check.reference_objects(), (target or check.targets[0]): impl}
    return check.judge(cases, check.observe(objects, cases, guarded=True), hidden=hidden)


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
    assert verdict.fraction == 1 and not verdict.notes, verdict.report()


@pytest.mark.parametrize("check", CHECKS, ids=ids)
def test_hand_checked_values_agree_with_the_reference(check):
    cases = [c for c in check.cases(hidden=False) if c.expected is not None]
    assert cases, f"{check.name} has no visible case worked out by hand"
    computed = check.observe(check.reference_objects(), cases, guarded=False).observations
    for case, obs in zip(cases, computed, strict=True):
        assert compare(case.expected, obs, rtol=check.rtol, atol=check.atol) == [], case.group


@pytest.mark.parametrize(("check", "m"), MISTAKES, ids=ids)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_mistake_is_named_and_never_graded_full(check, m, seed):
    verdict = judge(check, m.impl, m.target, seed=seed)
    assert [x.name for x in verdict.mistakes] == [m.name], verdict.report()
    assert verdict.fraction < 1
    assert m.name in verdict.report() and m.hint in verdict.report()


@pytest.mark.parametrize(("check", "m"), MISTAKES, ids=ids)
def test_the_visible_check_names_the_mistake_without_a_warning(check, m, capsys):
    objects = {**check.reference_objects(), m.target: m.impl}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be stderr in a test cell: 0 points
        with pytest.raises(AssertionError, match=m.name):
            check(*[objects[t] for t in check.targets])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("check", "m"), CONVENTIONS, ids=ids)
@pytest.mark.parametrize("hidden", [False, True])
def test_each_convention_is_accepted_in_full_with_its_note(check, m, hidden):
    verdict = judge(check, m.impl, m.target, hidden=hidden)
    assert verdict.fraction == 1 and not verdict.mistakes, verdict.report()
    assert f"Accepted: {m.hint}" in verdict.report()


@pytest.mark.parametrize(("check", "m"), MISTAKES + CONVENTIONS, ids=ids)
def test_a_variant_source_can_replace_a_solution_cell(check, m):
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


def _models():
    """(check, model, target): each model of knob variants, with its knobs at their defaults."""
    seen = []
    for check, m in MISTAKES + CONVENTIONS:
        if m.model is not None and (m.model, m.target) not in [(x[1], x[2]) for x in seen]:
            seen.append((check, m.model, m.target))
    return seen


@pytest.mark.parametrize(("check", "model", "target"), _models(),
                         ids=lambda v: getattr(v, "__name__", getattr(v, "name", str(v))))
def test_a_model_with_its_knobs_at_their_defaults_is_right_for_some_target(check, model, target):
    """The knobs' defaults are the right behaviour: the bare model (the momentum model,
    with lookahead=False) is a correct sgd_momentum."""
    if target == "nesterov_momentum":  # one model for both rules: lookahead is the knob
        return
    assert judge(check, model, target).fraction == 1


def _pairs():
    """Two mistakes of one model that are distinguishable from each other and combine."""
    out = []
    for check in CHECKS:
        knobbed = [m for m in check.mistakes if m.model is not None]
        for a, b in itertools.combinations(knobbed, 2):
            if a.combine([b]) is not None and len(out) < 40:
                out.append((check, a, b))
    return out


@pytest.mark.parametrize(("check", "a", "b"), _pairs(),
                         ids=lambda v: getattr(v, "name", str(v)))
def test_two_mistakes_at_once_are_named_together(check, a, b):
    verdict = judge(check, a.combine([b]).impl, a.target)
    names = {m.name for m in verdict.mistakes}
    if names != {a.name, b.name}:  # a pair can look like a single mistake: then that one
        assert len(verdict.mistakes) == 1 and not verdict.together, verdict.report()
    else:
        assert verdict.together and verdict.fraction < 1


def test_every_catalogued_mistake_belongs_to_a_check():
    used = {(m.target, m.name) for _, m in MISTAKES + CONVENTIONS}
    registered = {(t, m.name) for t, ms in CATALOGUE.items() for m in ms}
    assert registered <= used, f"mistakes no check recognises: {sorted(registered - used)}"


def test_registering_a_mistake_twice_or_with_a_bad_name_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        mistake("adam", "adam-no-bias-correction", "again")(lambda w, dw, config=None: None)
    with pytest.raises(ValueError, match="Invalid mistake name"):
        mistake("adam", "Adam No Bias", "spaces")
    with pytest.raises(ValueError, match="keyword-only knobs"):
        variant(lambda w, dw, config=None, *, k=1: None, "some-name", "hint", target="x", j=2)


@pytest.mark.parametrize("check", CHECKS, ids=ids)
def test_the_release_stub_earns_nothing(check):
    """What students start from raises NotImplementedError: no sub-check may pass."""
    def stub(*args, **kwargs):
        raise NotImplementedError

    stubs = {t: (type(t, (), {"__init__": stub}) if t[0].isupper() else stub)
             for t in check.targets}
    for hidden in (False, True):
        cases = check.cases(hidden=hidden, rng=np.random.default_rng(0))
        verdict = check.judge(cases, check.observe(stubs, cases, guarded=True), hidden=hidden)
        assert verdict.fraction == 0, verdict.report()
