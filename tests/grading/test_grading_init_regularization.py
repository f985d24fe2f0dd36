"""The run logic of assignments 1 (initialization) and 6 (regularization): what counts as
right besides a copy of the reference, partial credit from properties, named mistakes."""

import math

import numpy as np
import pytest
import torch

from lecture7.grading.initialization import check_fan_in_and_fan_out, check_xavier_normal
from lecture7.grading.initialization_experiment import check_layer_stds
from lecture7.grading.regularization import (
    check_dropout_backward,
    check_dropout_forward,
    check_dropout_module,
)
from lecture7.grading.regularization_blocks import check_drop_connect_linear

# -- assignment 1 -----------------------------------------------------------------------------


def test_fans_of_a_torch_size_style_answer_pass():
    def fans(shape):  # numpy integers and a float receptive field are fine
        receptive_field = np.prod(shape[2:])
        return np.int64(shape[1]) * receptive_field, shape[0] * receptive_field

    assert check_fan_in_and_fan_out(fans, hidden=True, points=2) == 2


def test_a_sampler_using_rng_normal_draws_the_same_weights():
    def xavier_normal(shape, rng, gain=1.0):
        fan_in, fan_out = shape[1] * math.prod(shape[2:]), shape[0] * math.prod(shape[2:])
        return rng.normal(0.0, gain * math.sqrt(2 / (fan_in + fan_out)), size=shape)

    assert check_xavier_normal(xavier_normal, hidden=True, points=2) == 2


def _forward(init_, *, activation="tanh", depth=10, width=500, n_samples=1000, seed=0,
             std=lambda h: h.std(), float64=False):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=generator)
    weights = []
    for _ in range(depth):
        w = torch.empty(width, width)
        init_(w, generator=generator)
        weights.append(w)
    if float64:  # the forward pass in NumPy float64
        h, stds = x.numpy().astype(np.float64), []
        for w in weights:
            z = h @ w.numpy().astype(np.float64).T
            h = np.tanh(z) if activation == "tanh" else np.maximum(z, 0)
            stds.append(h.std())
        return np.array(stds)
    h, stds = x, []
    for w in weights:
        h = torch.nn.functional.linear(h, w)
        h = torch.tanh(h) if activation == "tanh" else torch.relu(h)
        stds.append(float(std(h)))
    return stds  # a list is fine


def test_layer_stds_written_differently_pass_within_tolerance():
    def in_numpy(init_, **kwargs):
        return _forward(init_, float64=True, **kwargs)

    def with_torch_std(init_, **kwargs):
        return _forward(init_, std=lambda h: h.std(correction=0), **kwargs)

    assert check_layer_stds(in_numpy, hidden=True, points=2) == 2
    assert check_layer_stds(with_torch_std, hidden=True, points=2) == 2


def test_torchs_default_unbiased_std_is_named():
    with pytest.raises(AssertionError, match="layer-stds-unbiased-std"):
        check_layer_stds(_forward, hidden=True, points=2)


# -- assignment 6 -----------------------------------------------------------------------------


def test_a_forward_with_a_float_mask_in_its_cache_passes():
    def dropout_forward(x, p_drop, mode="train", rng=None, inverted=True):
        keep = 1 - p_drop
        if mode == "test":
            return (x.copy() if inverted else keep * x), (None, keep, mode, inverted)
        mask = (rng.random(x.shape) < keep).astype(np.float64)
        return x * (mask / keep if inverted else mask), [mask, keep, mode, inverted]

    assert check_dropout_forward(dropout_forward, hidden=True, points=2) == 2


def test_a_backward_redrawing_with_np_random_random_is_named(capsys):
    def dropout_backward(dout, cache):
        mask, keep_prob, mode, inverted = cache
        if mode == "train":
            mask = np.random.random(dout.shape) < keep_prob  # noqa: NPY002
            return dout * mask / keep_prob if inverted else dout * mask
        return dout if inverted else dout * keep_prob

    with pytest.raises(AssertionError, match="dropout-backward-mask-redrawn"):
        check_dropout_backward(dropout_backward)
    assert check_dropout_backward(dropout_backward, hidden=True, points=2) < 2  # test mode is right
    assert "dropout-backward-mask-redrawn" in capsys.readouterr().out


class OtherDrawDropout(torch.nn.Module):
    """Right in distribution, but its masks are not the ones the assignment asks to draw.

    (torch.bernoulli(keep_prob) draws the same masks as rand < keep_prob on the CPU.)
    """

    def __init__(self, p_drop, generator=None):
        super().__init__()
        self.p_drop, self.generator = p_drop, generator

    def forward(self, x):
        if not self.training:
            return x
        u = torch.rand((2, *x.shape), generator=self.generator, device=x.device, dtype=x.dtype)
        return x * (u[1] < 1 - self.p_drop) / (1 - self.p_drop)


def test_a_dropout_module_drawing_otherwise_keeps_the_property_points(capsys):
    with pytest.raises(AssertionError, match="the generator's masks"):
        check_dropout_module(OtherDrawDropout)  # the visible gate compares masks
    score = check_dropout_module(OtherDrawDropout, hidden=True, points=3)
    # the scale, the fraction and the gradient, eval mode, p_drop = 0: 3 of 6 sub-checks
    assert score == pytest.approx(1.5)
    out = capsys.readouterr().out
    assert "passed training mode: kept units scaled by 1 / keep_prob" in out
    assert "passed evaluation mode" in out


def test_a_dropout_module_without_a_gradient_fails_the_gradient_property():
    class Detached(torch.nn.Module):
        def __init__(self, p_drop, generator=None):
            super().__init__()
            self.p_drop, self.generator = p_drop, generator

        def forward(self, x):
            if not self.training:
                return x
            keep = 1 - self.p_drop
            u = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
            return x.detach() * (u < keep) / keep

    with pytest.raises(AssertionError, match="input gradient"):
        check_dropout_module(Detached)


def test_drop_connect_with_f_linear_passes():
    def drop_connect_linear(x, weight, bias, p_drop, training=True, generator=None):
        keep = 1 - p_drop
        if training:
            u = torch.rand(weight.shape, generator=generator, device=weight.device,
                           dtype=weight.dtype)
            weight = torch.where(u < keep, weight / keep, torch.zeros_like(weight))
        return torch.nn.functional.linear(x, weight, bias)

    assert check_drop_connect_linear(drop_connect_linear, hidden=True, points=2) == 2
