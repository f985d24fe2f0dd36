"""What a check does in a student's notebook: messages, partial credit, reference use, silence."""

import sys
import warnings

import numpy as np
import pytest
import torch

import lecture7.optim as reference
from lecture7.grading.guard import ReferenceGuard
from lecture7.grading.mistakes import CATALOGUE
from lecture7.grading.optimizers import (
    check_adam,
    check_adam_class,
    check_rmsprop,
    check_sgd_momentum,
)

adam_no_bias_correction = next(m.impl for m in CATALOGUE["adam"]
                               if m.name == "adam-no-bias-correction")


def adam(w, dw, config=None):
    """A correct student Adam, written independently of the reference."""
    config = dict(config or {})
    lr, b1 = config.setdefault("learning_rate", 1e-3), config.setdefault("beta1", 0.9)
    b2, eps = config.setdefault("beta2", 0.999), config.setdefault("epsilon", 1e-8)
    t = config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw**2
    config.update(m=m, v=v, t=t)
    return w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), config


def test_a_correct_function_passes_visible_and_hidden_tests(capsys):
    assert check_adam(adam) is None
    assert check_adam(adam, hidden=True, points=3) == 3
    out = capsys.readouterr().out
    assert "all passed" in out and "Score: 3 of 3 points" in out


def test_a_failure_says_which_output_how_far_where_and_which_mistake():
    with pytest.raises(AssertionError) as info:
        check_adam(adam_no_bias_correction)
    message = str(info.value)
    assert "FAILED one step worked out by hand" in message
    assert "next_w: largest error 0.216 at index 2: expected 2.9, got 2.68377" in message
    assert "adam-no-bias-correction" in message and "1 - beta1**t" in message


def test_a_stale_t_is_found_from_the_next_steps_and_named():
    def stale_t(w, dw, config=None):
        next_w, config = adam(w, dw, config)
        return next_w, {**config, "t": config["t"] - 1}

    with pytest.raises(AssertionError) as info:
        check_adam(stale_t)
    message = str(info.value)
    assert "passed one step worked out by hand" in message  # one step alone is right
    assert "step 2: next_w" in message and "adam-t-not-stored" in message


def test_an_uncatalogued_bug_gets_a_localising_hint_in_the_visible_check():
    def leaky_v(w, dw, config=None):  # the state carried over is wrong
        next_w, config = adam(w, dw, config)
        return next_w, {**config, "v": 1.5 * config["v"]}

    def fixed_beta1(w, dw, config=None):  # beta1 hard-coded
        return adam(w, dw, {**(config or {}), "beta1": 0.9})

    with pytest.raises(AssertionError, match="Where to look: step 1 is right, later steps are "
                                             "not: check how the state carries over"):
        check_adam(leaky_v)
    with pytest.raises(AssertionError, match=r"Where to look: right with the default config, "
                                             r"wrong with beta1=0\.5: is beta1 hard-coded"):
        check_adam(fixed_beta1)


def test_two_mistakes_at_once_are_named_together():
    def student(w, dw, config=None):  # neither bias correction nor epsilon outside the root
        config = config if config is not None else {}
        for key, default in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999),
                             ("epsilon", 1e-8)):
            config.setdefault(key, default)
        config["m"] = config["beta1"] * config.get("m", 0 * w) + (1 - config["beta1"]) * dw
        config["v"] = config["beta2"] * config.get("v", 0 * w) + (1 - config["beta2"]) * dw**2
        w -= config["learning_rate"] * config["m"] / np.sqrt(config["v"] + config["epsilon"])
        return w, config

    with pytest.raises(AssertionError) as info:
        check_adam(student)
    message = str(info.value)
    assert "2 known mistakes at once" in message
    assert "adam-no-bias-correction" in message and "adam-epsilon-inside-sqrt" in message
    assert "Accepted: config was updated in place" in message and "Accepted: w was" in message


def test_partial_credit_when_only_some_hidden_checks_fail(capsys):
    def clipped(w, dw, config=None):  # right, except that huge gradients are clipped
        return _momentum(w, np.clip(dw, -100, 100), config)

    assert check_sgd_momentum(clipped) is None
    score = check_sgd_momentum(clipped, hidden=True, points=2)
    assert score == pytest.approx(1.5)  # the edge cases fail: 3 of 4 sub-checks pass
    out = capsys.readouterr().out
    assert "FAILED edge cases" in out and "Score: 1.5 of 2 points" in out


def _momentum(w, dw, config=None):
    config = dict(config or {})
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def test_a_function_that_raises_is_reported_not_propagated():
    def broken(w, dw, config=None):
        raise ZeroDivisionError("division by zero somewhere")

    with pytest.raises(AssertionError, match="your code raised ZeroDivisionError: division"):
        check_adam(broken)


def test_student_warnings_and_stderr_never_reach_the_test_cell(capsys):
    def noisy(w, dw, config=None):
        print("debugging", file=sys.stderr)
        warnings.warn("student warning", stacklevel=1)
        np.log(np.zeros(1))  # a NumPy RuntimeWarning
        return adam(w, dw, config)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_adam(noisy, hidden=True, points=3) == 3
    assert capsys.readouterr().err == ""


# -- delegation to the reference --------------------------------------------------------

from lecture7.optim import adam as captured_early  # noqa: E402  (captured before any check)


def by_alias(w, dw, config=None):
    return captured_early(w, dw, config)


def by_module(w, dw, config=None):
    import lecture7.optim as o

    return o.adam(w, dw, config)


def by_importlib(w, dw, config=None):
    import importlib

    return getattr(importlib.import_module("lecture7." + "optim"), "ad" + "am")(w, dw, config)


def by_default_argument(w, dw, config=None, _rule=reference.adam):
    return _rule(w, dw, config)


def by_disabling_the_monitor(w, dw, config=None):
    sys.setprofile(None)
    return captured_early(w, dw, config)


@pytest.mark.parametrize("student", [reference.adam, by_alias, by_module, by_importlib,
                                     by_default_argument, by_disabling_the_monitor])
def test_calling_the_reference_in_any_way_earns_nothing(student):
    with pytest.raises(AssertionError, match="uses the reference implementation"):
        check_adam(student, hidden=True, points=3)


class SubclassOfReference(reference.Adam):
    pass


class SubclassOfTorch(torch.optim.Adam):
    pass


class WrapsTorch(torch.optim.Optimizer):
    def __init__(self, params, **options):
        params = list(params)
        super().__init__(params, {})
        self.inner = torch.optim.Adam(params, **options)

    def step(self, closure=None):
        return self.inner.step(closure)


@pytest.mark.parametrize("student", [reference.Adam, SubclassOfReference, SubclassOfTorch,
                                     WrapsTorch])
def test_an_optimizer_class_that_reuses_an_implementation_earns_nothing(student):
    with pytest.raises(AssertionError, match="uses the reference implementation"):
        check_adam_class(student, hidden=True, points=4)


def test_the_guard_notices_fused_kernels():
    guard = ReferenceGuard([], forbidden_builtins=r"^_fused_adam")
    with guard.watching(), pytest.raises(Exception):  # noqa: B017 (wrong arguments on purpose)
        torch._fused_adam_()
    assert guard.uses == ["the builtin _fused_adam_"]


def test_the_guard_leaves_the_optimizer_base_class_alone():
    guard = ReferenceGuard(["torch.optim"], ["torch.optim.optimizer"])

    class Plain(torch.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

    guard.inspect(Plain, "Plain")
    with guard.watching():
        Plain([torch.zeros(2, requires_grad=True)]).zero_grad()
    assert guard.uses == []


def test_a_check_takes_the_objects_it_names():
    with pytest.raises(TypeError, match=r"check_rmsprop takes 1 argument\(s\) \(rmsprop\), got 2"):
        check_rmsprop(adam, adam)


def test_code_that_always_raises_earns_nothing_not_even_a_sub_check_of_its_own():
    from lecture7.grading.augmentation import check_hflip

    def hflip(img):
        raise NotImplementedError

    assert check_hflip.cases(hidden=True)  # the inputs-unchanged sub-check exists
    with pytest.raises(AssertionError, match="not judged: your code raised on every case"):
        check_hflip(hflip, hidden=True, points=1)
