"""What a check does in a student's notebook: messages, partial credit, reference use, silence."""

import sys
import warnings

import numpy as np
import pytest
import torch

import lecture7.optim as reference
from lecture7.grading.guard import ReferenceGuard
from lecture7.grading.mistakes.optimizers import adam_no_bias_correction
from lecture7.grading.optimizers import (
    check_adam,
    check_adam_class,
    check_rmsprop,
    check_sgd_momentum,
)


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


def test_a_config_key_mismatch_is_named():
    def stale_t(w, dw, config=None):
        next_w, config = adam(w, dw, config)
        return next_w, {**config, "t": config["t"] - 1}

    with pytest.raises(AssertionError, match=r"config\['t'\]: expected 1, got 0"):
        check_adam(stale_t)


def test_partial_credit_when_only_some_hidden_checks_fail(capsys):
    def clipped(w, dw, config=None):  # right, except that huge gradients are clipped
        return _momentum(w, np.clip(dw, -100, 100), config)

    assert check_sgd_momentum(clipped) is None
    assert check_sgd_momentum(clipped, hidden=True, points=2) == pytest.approx(1.5)
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
