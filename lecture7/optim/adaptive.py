r"""Kernels with a per-parameter learning rate: AdaGrad, RMSProp, Adam.

Each divides every coordinate's step by (a running estimate of) the size of that
coordinate's gradients, so steep and shallow directions advance alike *when they
are coordinate axes*. Same conventions as :mod:`lecture7.optim.kernels`: a kernel
maps ``(dw, state)`` to ``(Update, state_next)`` with out-of-place arithmetic only,
and runs on NumPy arrays and torch tensors alike.
"""

from __future__ import annotations

from typing import NamedTuple

from lecture7.optim.arrays import Array, maximum, sqrt, zeros_like
from lecture7.optim.kernels import MomentumState, Update, momentum_update, sgd_update

__all__ = [
    "AdagradState",
    "AdamState",
    "RMSpropState",
    "adagrad_update",
    "adam_update",
    "rmsprop_update",
]


class AdagradState(NamedTuple):
    """State of AdaGrad: ``cache``, the running sum of squared gradients."""

    cache: Array

    @classmethod
    def init(cls, w: Array, *, initial_accumulator_value: float = 0.0) -> AdagradState:
        """A cache shaped like ``w``, filled with ``initial_accumulator_value``."""
        return cls(zeros_like(w) + initial_accumulator_value)


def adagrad_update(
    dw: Array, state: AdagradState, *, learning_rate: float, epsilon: float
) -> tuple[Update, AdagradState]:
    r"""AdaGrad (Duchi, Hazan & Singer, 2011: https://jmlr.org/papers/v12/duchi11a.html).

    Let :math:`\alpha` = ``learning_rate``, :math:`\epsilon` = ``epsilon``,
    :math:`g_t` = ``dw`` and :math:`G` = ``state.cache``:

    .. math:: G_t = G_{t-1} + g_t^2, \qquad
              w_t = w_{t-1} - \alpha \frac{g_t}{\sqrt{G_t} + \epsilon}

    Each coordinate's step is divided by the root of *all* its past squared
    gradients, so steps only ever shrink: good near a convex minimum, a stall
    at a saddle point. Epsilon sits *outside* the square root, in CS231n and in
    ``torch.optim.Adagrad`` alike (PyTorch's default is 1e-10, CS231n's 1e-8).
    ``torch.optim.Adagrad``'s ``lr_decay`` changes :math:`\alpha` per step; its front
    end passes the decayed rate here.
    """
    # G_t = G_{t-1} + g_t^2
    cache = state.cache + dw * dw
    return Update(-learning_rate, dw / (sqrt(cache) + epsilon)), AdagradState(cache)


class RMSpropState(NamedTuple):
    """State of RMSProp: ``cache`` (leaky mean of g^2), optional ``grad_avg`` and ``velocity``."""

    cache: Array
    grad_avg: Array | None = None
    velocity: Array | None = None

    @classmethod
    def init(cls, w: Array, *, centered: bool = False, momentum: float = 0.0) -> RMSpropState:
        """Zeros shaped like ``w``; ``grad_avg`` only if centered, ``velocity`` only with momentum."""
        return cls(
            zeros_like(w),
            zeros_like(w) if centered else None,
            zeros_like(w) if momentum > 0 else None,
        )


def rmsprop_update(
    dw: Array,
    state: RMSpropState,
    *,
    learning_rate: float,
    decay_rate: float,
    epsilon: float,
    momentum: float = 0.0,
    centered: bool = False,
) -> tuple[Update, RMSpropState]:
    r"""RMSProp (Tieleman & Hinton, 2012, Coursera "Neural Networks for Machine
    Learning", lecture 6.5: https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf).

    Let :math:`\alpha` = ``learning_rate``, :math:`\rho` = ``decay_rate`` (PyTorch
    calls it ``alpha``), :math:`\epsilon` = ``epsilon``, :math:`g_t` = ``dw`` and
    :math:`s` = ``state.cache``:

    .. math:: s_t = \rho s_{t-1} + (1 - \rho) g_t^2, \qquad
              w_t = w_{t-1} - \alpha \frac{g_t}{\sqrt{s_t} + \epsilon}

    A *leaky* AdaGrad: old squared gradients decay, so steps do not shrink to
    zero. Epsilon sits outside the square root in CS231n and ``torch.optim``
    (TensorFlow's RMSProp puts it inside: :math:`\sqrt{s_t + \epsilon}`).

    ``centered=True`` (Graves, 2013: https://arxiv.org/abs/1308.0850) divides by
    an estimate of the gradient's standard deviation instead, with
    :math:`\bar g_t = \rho \bar g_{t-1} + (1-\rho) g_t` (``state.grad_avg``):
    :math:`\sqrt{s_t - \bar g_t^2}`. ``momentum`` :math:`\mu > 0` feeds the scaled
    gradient to :func:`momentum_update` in PyTorch's buffer form
    (:math:`b_t = \mu b_{t-1} + g_t / (\sqrt{\cdot} + \epsilon)`, :math:`w_t = w_{t-1} - \alpha b_t`).
    """
    # s_t = rho s_{t-1} + (1 - rho) g_t^2
    cache = decay_rate * state.cache + (1 - decay_rate) * dw * dw
    grad_avg, variance = None, cache
    if centered:
        # gbar_t = rho gbar_{t-1} + (1 - rho) g_t, written as torch's lerp
        grad_avg = state.grad_avg + (1 - decay_rate) * (dw - state.grad_avg)
        variance = cache - grad_avg * grad_avg
    # g_t / (sqrt(s_t) + eps)
    scaled = dw / (sqrt(variance) + epsilon)
    if momentum > 0:
        update, velocity = momentum_update(
            scaled,
            MomentumState(state.velocity),
            learning_rate=learning_rate,
            momentum=momentum,
            convention="pytorch",
        )
        return update, RMSpropState(cache, grad_avg, velocity.velocity)
    return sgd_update(scaled, learning_rate=learning_rate), RMSpropState(cache, grad_avg, None)


class AdamState(NamedTuple):
    """State of Adam: moments ``m`` and ``v``, step count ``t``; ``v_max`` for AMSGrad."""

    m: Array
    v: Array
    t: int = 0
    v_max: Array | None = None

    @classmethod
    def init(cls, w: Array, *, amsgrad: bool = False) -> AdamState:
        """Zero moments shaped like ``w``, ``t = 0``; ``v_max`` only for AMSGrad."""
        return cls(zeros_like(w), zeros_like(w), 0, zeros_like(w) if amsgrad else None)


def adam_update(
    dw: Array,
    state: AdamState,
    *,
    learning_rate: float,
    beta1: float,
    beta2: float,
    epsilon: float,
    amsgrad: bool = False,
) -> tuple[Update, AdamState]:
    r"""Adam (Kingma & Ba, 2014: https://arxiv.org/abs/1412.6980), optionally AMSGrad.

    Let :math:`\alpha` = ``learning_rate``, :math:`\beta_1, \beta_2` = ``beta1, beta2``,
    :math:`\epsilon` = ``epsilon``, :math:`g_t` = ``dw``, and :math:`m, v, t` the fields
    of ``state``. The step count is incremented *before* use, so the first step has
    :math:`t = 1`:

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad
        \hat v_t = \frac{v_t}{1 - \beta_2^t}, \qquad
        w_t = w_{t-1} - \alpha \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    The first moment is momentum, the second is RMSProp's cache. Bias correction:
    with zero-initialised moments, :math:`m_1 = (1-\beta_1) g_1` and
    :math:`v_1 = (1-\beta_2) g_1^2`, so without the correction the first step would
    be :math:`(1-\beta_1)/\sqrt{1-\beta_2} \approx 3.2` times too large (defaults).

    Epsilon sits outside the square root of the *bias-corrected* :math:`\hat v_t`, as
    in the paper's Algorithm 1, CS231n and ``torch.optim.Adam``. TF1/Keras use the
    paper's "efficient" form, :math:`\sqrt{v_t} + \hat\epsilon` before the correction,
    i.e. :math:`\epsilon = \hat\epsilon / \sqrt{1-\beta_2^t}`.

    ``amsgrad=True`` (Reddi et al., 2018: https://openreview.net/forum?id=ryQu7f-RZ)
    divides by the running maximum :math:`v^{max}_t = \max(v^{max}_{t-1}, v_t)`
    (``state.v_max``), bias-corrected like :math:`v_t`, as ``torch.optim.Adam`` does.
    """
    t = state.t + 1
    # m_t = beta1 m_{t-1} + (1 - beta1) g_t, written as torch's lerp
    m = state.m + (1 - beta1) * (dw - state.m)
    # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
    v = beta2 * state.v + (1 - beta2) * dw * dw
    v_max = maximum(state.v_max, v) if amsgrad else None
    bias_correction1 = 1 - beta1**t
    bias_correction2 = 1 - beta2**t
    # sqrt(v_hat_t) + eps, with v_hat_t = v_t / (1 - beta2^t)
    denominator = sqrt(v_max if amsgrad else v) / bias_correction2**0.5 + epsilon
    # w_t = w_{t-1} - (alpha / (1 - beta1^t)) m_t / (sqrt(v_hat_t) + eps)
    update = Update(-learning_rate / bias_correction1, m / denominator)
    return update, AdamState(m, v, t, v_max)
