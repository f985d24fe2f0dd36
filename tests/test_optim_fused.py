"""The fast path (lecture7.optim.fused) against the readable kernels it stands for.

Each in-place function runs beside its kernel for many steps on random gradients of
mixed sizes, for every hyperparameter combination the Optimizer classes accept, in
float32 and float64: after every step the weights and every state tensor must agree to
rounding error (the two order their floating-point operations differently). The kernels
are in turn checked against CS231n's formulas (tests/test_optim_rules.py) and the
classes against torch.optim (tests/test_optim_optimizers.py).
"""

from __future__ import annotations

import itertools

import pytest
import torch

import lecture7.optim.fused as fused
from lecture7.optim import (
    AdagradState,
    AdamState,
    MomentumState,
    RMSpropState,
    adagrad_update,
    adam_update,
    add_weight_decay,
    amsgrad_update,
    centered_rmsprop_update,
    momentum_buffer_update,
    rmsprop_update,
    sgd_update,
)

STEPS = 60
SHAPE = (23, 17)
# relative to a tensor's scale (its largest entry): rounding error over STEPS steps
RTOL = {torch.float32: 2e-5, torch.float64: 1e-12}
DTYPES = [torch.float32, torch.float64]


def grid(**axes):
    return [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]


# what every class does to p.grad before its kernel sees it
GRADIENT = grid(weight_decay=[0.0, 0.01], maximize=[False, True])


def gradients(dtype, seed=0):
    """Random gradients whose entries range over four orders of magnitude (so that
    epsilon matters for some coordinates and not for others)."""
    generator = torch.Generator().manual_seed(seed)
    for _ in range(STEPS):
        scale = 10.0 ** (4 * torch.rand(SHAPE, generator=generator, dtype=torch.float64) - 3)
        yield (scale * torch.randn(SHAPE, generator=generator, dtype=torch.float64)).to(dtype)


def assert_close(actual, expected, dtype, what):
    scale = expected.abs().max().item()
    torch.testing.assert_close(actual, expected, rtol=RTOL[dtype],
                               atol=RTOL[dtype] * scale + 1e-300, msg=what)


def run_both(kernel, fast, state, dtype, prepare, learning_rates=None, first_kwargs=None):
    """Run ``kernel`` (out of place) and ``fast`` (in place, on copies of the same state)
    side by side; compare after every step.

    ``kernel(g, state, step) -> (step, state)`` and ``fast(w, g, tensors, step)`` close
    over the hyperparameters; ``step`` counts from 1.
    """
    generator = torch.Generator().manual_seed(1)
    w_kernel = torch.randn(SHAPE, generator=generator, dtype=dtype)
    w_fast, start = w_kernel.clone(), w_kernel.clone()
    tensors = {k: v.clone() for k, v in state._asdict().items() if isinstance(v, torch.Tensor)}
    for t, grad in enumerate(gradients(dtype), start=1):
        grad_before = grad.clone()
        g = grad if not prepare["maximize"] else -grad
        g = add_weight_decay(w_kernel, g, weight_decay=prepare["weight_decay"])
        step, state = kernel(g, state, t)
        w_kernel = w_kernel + step
        g_fast = fused.gradient(w_fast, grad, **prepare)
        fast(w_fast, g_fast, tensors, t)
        assert torch.equal(grad, grad_before), "the fast path modified the gradient"
        assert_close(w_fast, w_kernel, dtype, f"weights after step {t}")
        for key, value in tensors.items():
            assert value.dtype == dtype, key
            assert_close(value, getattr(state, key), dtype, f"{key} after step {t}")
    assert (w_fast - start).abs().max() > 1e-3  # the optimizer really moved the weights


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prepare", GRADIENT)
def test_gradient_is_add_weight_decay_of_the_signed_gradient(prepare, dtype):
    w, grad = (torch.randn(SHAPE, dtype=dtype) for _ in range(2))
    before = grad.clone()
    expected = add_weight_decay(w, -grad if prepare["maximize"] else grad,
                                weight_decay=prepare["weight_decay"])
    assert_close(fused.gradient(w, grad, **prepare), expected, dtype, "gradient")
    assert torch.equal(grad, before)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prepare", GRADIENT)
def test_sgd(prepare, dtype):
    run_both(lambda g, state, t: (sgd_update(g, learning_rate=0.05), state),
             lambda w, g, tensors, t: fused.sgd_(w, g, learning_rate=0.05),
             MomentumState(None), dtype, prepare)


SGD_GRID = [h for h in grid(momentum=[0.5, 0.9], nesterov=[False, True], dampening=[0.0, 0.3])
            if not (h["nesterov"] and h["dampening"] != 0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prepare", GRADIENT)
@pytest.mark.parametrize("hyper", SGD_GRID)
def test_momentum_buffer(hyper, prepare, dtype):
    dampening = hyper["dampening"]

    def kernel(g, state, t):  # torch.optim.SGD starts the buffer with b = g, undamped
        g_in = g if t == 1 else (1 - dampening) * g
        return momentum_buffer_update(g_in, state, learning_rate=0.05, momentum=hyper["momentum"],
                                      nesterov=hyper["nesterov"])

    def fast(w, g, tensors, t):
        fused.momentum_buffer_(w, g, tensors["velocity"], learning_rate=0.05,
                               momentum=hyper["momentum"], nesterov=hyper["nesterov"],
                               dampening=0.0 if t == 1 else dampening)

    w = torch.zeros(SHAPE, dtype=dtype)
    run_both(kernel, fast, MomentumState.init(w), dtype, prepare)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prepare", GRADIENT)
@pytest.mark.parametrize("hyper", grid(lr_decay=[0.0, 0.05], initial=[0.0, 0.5], eps=[1e-10, 0.1]))
def test_adagrad(hyper, prepare, dtype):
    def rate(t):  # torch.optim.Adagrad's lr_decay, as the class computes it
        return 0.05 / (1 + (t - 1) * hyper["lr_decay"])

    state = AdagradState.init(torch.zeros(SHAPE, dtype=dtype),
                              initial_accumulator_value=hyper["initial"])
    run_both(
        lambda g, state, t: adagrad_update(g, state, learning_rate=rate(t), epsilon=hyper["eps"]),
        lambda w, g, tensors, t: fused.adagrad_(w, g, tensors["cache"], learning_rate=rate(t),
                                                epsilon=hyper["eps"]),
        state, dtype, prepare)


RMSPROP_GRID = grid(decay_rate=[0.99, 0.3], eps=[1e-8, 0.1], centered=[False, True],
                    momentum=[0.0, 0.9])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prepare", GRADIENT)
@pytest.mark.parametrize("hyper", RMSPROP_GRID)
def test_rmsprop(hyper, prepare, dtype):
    shared = dict(learning_rate=0.005, decay_rate=hyper["decay_rate"], epsilon=hyper["eps"])
    state = RMSpropState.init(torch.zeros(SHAPE, dtype=dtype), centered=hyper["centered"],
                              momentum=hyper["momentum"])
    run_both(
        lambda g, state, t: centered_rmsprop_update(
            g, state, **shared, centered=hyper["centered"], momentum=hyper["momentum"]),
        lambda w, g, tensors, t: fused.centered_rmsprop_(w, g, **tensors, **shared,
                                                         momentum=hyper["momentum"]),
        state, dtype, prepare)
    if not hyper["centered"] and hyper["momentum"] == 0:  # the plain one, too
        run_both(lambda g, state, t: rmsprop_update(g, state, **shared),
                 lambda w, g, tensors, t: fused.rmsprop_(w, g, **tensors, **shared),
                 RMSpropState.init(torch.zeros(SHAPE, dtype=dtype)), dtype, prepare)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("prepare", GRADIENT)
@pytest.mark.parametrize("hyper", grid(betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 0.1],
                                       amsgrad=[False, True]))
def test_adam(hyper, prepare, dtype):
    (beta1, beta2), amsgrad = hyper["betas"], hyper["amsgrad"]
    shared = dict(learning_rate=0.01, beta1=beta1, beta2=beta2, epsilon=hyper["eps"])
    kernel = amsgrad_update if amsgrad else adam_update

    def checked_kernel(g, state, t):
        step, state = kernel(g, state, **shared)
        assert state.t == t
        return step, state

    run_both(checked_kernel, lambda w, g, tensors, t: fused.adam_(w, g, **tensors, t=t, **shared),
             AdamState.init(torch.zeros(SHAPE, dtype=dtype), amsgrad=amsgrad), dtype, prepare)


def test_a_wrong_fast_path_fails_the_comparison():
    """The comparison can fail: an Adam whose epsilon is off by a constant factor (what
    folding the bias corrections wrongly gives) differs from the kernel by far more than
    rounding, for the small gradients that make epsilon matter."""
    def wrong(w, g, tensors, t, **shared):
        fused.adam_(w, g, **tensors, t=t, **{**shared, "epsilon": shared["epsilon"] / 0.3})

    shared = dict(learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=0.1)
    with pytest.raises(AssertionError, match="weights after step"):
        run_both(lambda g, state, t: adam_update(g, state, **shared),
                 lambda w, g, tensors, t: wrong(w, g, tensors, t, **shared),
                 AdamState.init(torch.zeros(SHAPE)), torch.float32, GRADIENT[0])
