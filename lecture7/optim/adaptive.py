r"""Kernels with a per-parameter learning rate: AdaGrad, RMSProp, Adam.

Each divides every coordinate's step by (a running estimate of) the size of that
coordinate's gradients, so steep and shallow directions advance alike *when they
are coordinate axes*. Same conventions as :mod:`lecture7.optim.kernels`: a kernel
maps ``(g, state)`` to ``(step, next_state)``, computes out of place and runs on NumPy
arrays and torch tensors alike.

**Where epsilon sits.** CS231n, ``torch.optim`` and the Adam paper's Algorithm 1 add
:math:`\epsilon` *outside* the square root (of the bias-corrected :math:`\hat r_t`, for
Adam). TensorFlow's RMSProp puts it inside, :math:`\sqrt{r_t + \epsilon}`; TF1 and
Keras's Adam use the paper's "efficient" form, :math:`\sqrt{r_t} + \hat\epsilon` before
the bias correction, i.e. :math:`\epsilon = \hat\epsilon / \sqrt{1-\beta_2^t}`.
PyTorch's AdaGrad default is :math:`10^{-10}`, CS231n's :math:`10^{-8}`.

**Bias correction.** Adam's moments start at zero, so
:math:`m_1 = (1-\beta_1) g_1` and :math:`r_1 = (1-\beta_2) g_1^2`: without the
correction the first step would be :math:`(1-\beta_1)/\sqrt{1-\beta_2} \approx 3.2`
times too large (defaults). Dividing by :math:`1 - \beta^t` undoes the zero start
exactly for a constant gradient; the step count is incremented *before* use, so the
first step has :math:`t = 1`.

The plain kernels (:func:`adagrad_update`, :func:`rmsprop_update`, :func:`adam_update`)
are the lecture's algorithms. ``torch.optim``'s extra options are variants beside them:
:func:`centered_rmsprop_update` (Graves, 2013: https://arxiv.org/abs/1308.0850, with
optional momentum) and :func:`amsgrad_update` (Reddi et al., 2018:
https://openreview.net/forum?id=ryQu7f-RZ).
"""

from __future__ import annotations

from typing import NamedTuple

from lecture7.optim.arrays import Array, maximum, sqrt, zeros_like

__all__ = [
    "AdagradState",
    "AdamState",
    "RMSpropState",
    "adagrad_update",
    "adam_update",
    "amsgrad_update",
    "centered_rmsprop_update",
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
    g: Array, state: AdagradState, *, learning_rate: float, epsilon: float
) -> tuple[Array, AdagradState]:
    r"""AdaGrad (Duchi, Hazan & Singer, 2011: https://jmlr.org/papers/v12/duchi11a.html).

    .. math:: r_t = r_{t-1} + g_t^2, \qquad
              w_t = w_{t-1} - \alpha \frac{g_t}{\sqrt{r_t} + \epsilon}

    with :math:`\alpha` = ``learning_rate``, :math:`\epsilon` = ``epsilon`` and
    :math:`r` = ``state.cache``, the sum of squared gradients. Each coordinate's step is
    divided by the root of *all* its past squared gradients, so steps only ever shrink.
    """
    r = state.cache + g * g
    return -learning_rate * g / (sqrt(r) + epsilon), AdagradState(r)


class RMSpropState(NamedTuple):
    """State of RMSProp: ``cache`` (leaky mean of g^2); ``grad_avg`` and ``velocity`` for
    the centered and momentum variants."""

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
    g: Array, state: RMSpropState, *, learning_rate: float, decay_rate: float, epsilon: float
) -> tuple[Array, RMSpropState]:
    r"""RMSProp (Tieleman & Hinton, 2012, Coursera "Neural Networks for Machine Learning",
    lecture 6.5: https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf).

    .. math:: r_t = \rho r_{t-1} + (1 - \rho) g_t^2, \qquad
              w_t = w_{t-1} - \alpha \frac{g_t}{\sqrt{r_t} + \epsilon}

    with :math:`\rho` = ``decay_rate`` (PyTorch calls it ``alpha``) and :math:`r` =
    ``state.cache``: a *leaky* AdaGrad, whose steps follow the recent gradient size.
    """
    r = decay_rate * state.cache + (1 - decay_rate) * g * g
    return -learning_rate * g / (sqrt(r) + epsilon), RMSpropState(r)


def centered_rmsprop_update(
    g: Array,
    state: RMSpropState,
    *,
    learning_rate: float,
    decay_rate: float,
    epsilon: float,
    centered: bool,
    momentum: float,
) -> tuple[Array, RMSpropState]:
    r"""``torch.optim.RMSprop``'s variants: centered (Graves, 2013) and/or with momentum.

    Centered divides by an estimate of the gradient's standard deviation,
    :math:`\sqrt{r_t - \bar g_t^2}`, with :math:`\bar g_t = \rho \bar g_{t-1} + (1-\rho) g_t`
    (``state.grad_avg``). Momentum :math:`\mu > 0` accumulates the scaled gradient in
    PyTorch's buffer form, :math:`b_t = \mu b_{t-1} + g_t / (\cdot)`,
    :math:`w_t = w_{t-1} - \alpha b_t` (``state.velocity``).
    """
    r = decay_rate * state.cache + (1 - decay_rate) * g * g
    grad_avg = decay_rate * state.grad_avg + (1 - decay_rate) * g if centered else None
    scale = sqrt(r - grad_avg * grad_avg if centered else r) + epsilon
    if momentum > 0:
        b = momentum * state.velocity + g / scale
        return -learning_rate * b, RMSpropState(r, grad_avg, b)
    return -learning_rate * g / scale, RMSpropState(r, grad_avg)


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
    g: Array, state: AdamState, *, learning_rate: float, beta1: float, beta2: float,
    epsilon: float,
) -> tuple[Array, AdamState]:
    r"""Adam (Kingma & Ba, 2014: https://arxiv.org/abs/1412.6980), with bias correction.

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        r_t = \beta_2 r_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad
        \hat r_t = \frac{r_t}{1 - \beta_2^t}, \qquad
        w_t = w_{t-1} - \alpha \frac{\hat m_t}{\sqrt{\hat r_t} + \epsilon}

    with :math:`\beta_1, \beta_2` = ``beta1, beta2``, :math:`m` = ``state.m``, the second
    moment :math:`r` = ``state.v`` (the paper's and CS231n's :math:`v`; this book keeps
    :math:`v` for momentum's velocity) and :math:`t` = ``state.t``, incremented before use.
    """
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * g
    r = beta2 * state.v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    r_hat = r / (1 - beta2**t)
    return -learning_rate * m_hat / (sqrt(r_hat) + epsilon), AdamState(m, r, t)


def amsgrad_update(
    g: Array, state: AdamState, *, learning_rate: float, beta1: float, beta2: float,
    epsilon: float,
) -> tuple[Array, AdamState]:
    r"""AMSGrad (Reddi et al., 2018): Adam dividing by the running maximum of :math:`r_t`.

    :math:`r^{\max}_t = \max(r^{\max}_{t-1}, r_t)` (``state.v_max``), bias-corrected like
    :math:`r_t`, as ``torch.optim.Adam(amsgrad=True)`` does.
    """
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * g
    r = beta2 * state.v + (1 - beta2) * g * g
    r_max = maximum(state.v_max, r)
    m_hat = m / (1 - beta1**t)
    r_hat = r_max / (1 - beta2**t)
    return -learning_rate * m_hat / (sqrt(r_hat) + epsilon), AdamState(m, r, t, r_max)
