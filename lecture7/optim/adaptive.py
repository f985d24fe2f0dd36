r"""Kernels with a per-parameter learning rate: AdaGrad, RMSProp, Adam.

Each divides every coordinate's step by (a running estimate of) the size of that
coordinate's gradients, so steep and shallow directions advance alike *when they
are coordinate axes*. Same conventions as :mod:`lecture7.optim.kernels`: a kernel
maps ``(dw, state)`` to ``(Update, state_next)``, updates the arrays of ``state`` in
place (``dw`` is never modified) and runs on NumPy arrays and torch tensors alike.
Their updates have a denominator, ``Update(-rate, g_t or m_t, sqrt(...) + eps)``,
which the front ends apply in one pass, as ``torch.optim``'s ``p.addcdiv_`` does
(RMSProp with momentum steps along its momentum buffer instead).
"""

from __future__ import annotations

from typing import NamedTuple

from lecture7.optim.arrays import Array, maximum, sqrt, zeros_like
from lecture7.optim.kernels import MomentumState, Update, momentum_update

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

    Returns:
        ``(Update(-alpha, g_t, sqrt(G_t) + eps), state)``, ``state.cache`` updated in place.
    """
    # G_t = G_{t-1} + g_t^2, in place
    cache = state.cache
    cache += dw * dw
    # sqrt(G_t) + eps
    denominator = sqrt(cache)
    denominator += epsilon
    # w_t = w_{t-1} - alpha g_t / (sqrt(G_t) + eps)
    return Update(-learning_rate, dw, denominator), state


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

    Returns:
        ``(update, state)``, with ``state.cache`` (and ``grad_avg``, ``velocity``)
        updated in place.
    """
    # (1 - rho) g_t^2, computed as ((1 - rho) g_t) g_t
    square = (1 - decay_rate) * dw
    square *= dw
    # s_t = rho s_{t-1} + (1 - rho) g_t^2, in place
    cache = state.cache
    cache *= decay_rate
    cache += square
    if centered:
        # gbar_t = gbar_{t-1} + (1 - rho) (g_t - gbar_{t-1}), torch's lerp, in place
        grad_avg = state.grad_avg
        change = dw - grad_avg
        change *= 1 - decay_rate
        grad_avg += change
        # sqrt(s_t - gbar_t^2), in a temporary of its own
        denominator = cache - grad_avg * grad_avg
        sqrt(denominator, out=denominator)
    else:
        # sqrt(s_t)
        denominator = sqrt(cache)
    # the denominator, sqrt(.) + eps
    denominator += epsilon
    if momentum > 0:
        # b_t = mu b_{t-1} + g_t / (sqrt(s_t) + eps), w_t = w_{t-1} - alpha b_t
        update, _ = momentum_update(
            dw / denominator,
            MomentumState(state.velocity),
            learning_rate=learning_rate,
            momentum=momentum,
            convention="pytorch",
        )
        return update, state
    # w_t = w_{t-1} - alpha g_t / (sqrt(s_t) + eps)
    return Update(-learning_rate, dw, denominator), state


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

    Returns:
        ``(Update(-alpha / (1 - beta1^t), m_t, sqrt(v_hat_t) + eps), state_next)``:
        ``m``, ``v`` (and ``v_max``) updated in place, ``t`` incremented.
    """
    t = state.t + 1
    m, v = state.m, state.v
    # m_t = m_{t-1} + (1 - beta1) (g_t - m_{t-1}), torch's lerp, in place
    change = dw - m
    change *= 1 - beta1
    m += change
    # (1 - beta2) g_t^2, computed as ((1 - beta2) g_t) g_t
    square = (1 - beta2) * dw
    square *= dw
    # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2, in place
    v *= beta2
    v += square
    if amsgrad:
        # v^max_t = max(v^max_{t-1}, v_t), in place
        maximum(state.v_max, v, out=state.v_max)
    bias_correction1 = 1 - beta1**t
    bias_correction2 = 1 - beta2**t
    # sqrt(v_hat_t) + eps = sqrt(v_t) / sqrt(1 - beta2^t) + eps
    denominator = sqrt(state.v_max if amsgrad else v)
    denominator /= bias_correction2**0.5
    denominator += epsilon
    # w_t = w_{t-1} - (alpha / (1 - beta1^t)) m_t / (sqrt(v_hat_t) + eps)
    return Update(-learning_rate / bias_correction1, m, denominator), state._replace(t=t)
