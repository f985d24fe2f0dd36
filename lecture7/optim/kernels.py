r"""The optimizers of the lecture, one short function ("kernel") each: the first-order ones.

A kernel is the algorithm and nothing else, written one line per line of math. It
takes the gradient ``g`` (the CS231n rules call it ``dw``) and the optimizer's state
(a small ``NamedTuple`` whose fields are named after the math) and returns
``(step, next_state)``; the weights then move by ``w_next = w + step``. A kernel
computes out of place: it never modifies ``g`` or the arrays of ``state``, and the
arrays of ``next_state`` are new. The operators ``+``, ``-``, ``*``, ``/`` (and
:func:`~lecture7.optim.arrays.sqrt`) mean the same on NumPy arrays and on torch
tensors on any device, so the same function runs on both.

This module holds SGD and momentum (heavy ball and Nesterov);
:mod:`lecture7.optim.adaptive` holds AdaGrad, RMSProp and Adam. Two front ends use
them:

* :mod:`lecture7.optim.rules`: the CS231n ``rule(w, dw, config)`` functions, thin
  layers over the kernels;
* :mod:`lecture7.optim.optimizers`: ``torch.optim.Optimizer`` classes equal to
  ``torch.optim.SGD``, ``Adagrad``, ``RMSprop`` and ``Adam``. They run each kernel's
  fast path (:mod:`lecture7.optim.fused`): the same math with torch's in-place
  operations, about as fast as ``torch.optim`` (``bench/optimizers.py``), and held
  equal to the kernels here by ``tests/test_optim_fused.py``. The speed lives there,
  so that the kernels can stay readable.

**Two forms of momentum.** The lecture (and CS231n's ``sgd_momentum``) keeps the
learning rate *inside* the velocity, PyTorch keeps it *outside* a buffer:

.. math::
    \text{velocity form:}\quad v_t = \mu v_{t-1} - \alpha g_t, \quad w_t = w_{t-1} + v_t
    \qquad
    \text{buffer form:}\quad b_t = \mu b_{t-1} + g_t, \quad w_t = w_{t-1} - \alpha b_t

Unrolled, :math:`v_t = -\sum_k \mu^{t-k} \alpha_k g_k` scales each past gradient by
the rate *of its own step*, while :math:`\alpha_t b_t = \sum_k \mu^{t-k} \alpha_t g_k`
applies *today's* rate to all of them. They are the same update, with
:math:`v = -\alpha b`, exactly when the rate is constant; under a schedule that cuts
the rate, the velocity form coasts on with the old, larger steps for about
:math:`1/(1-\mu)` steps while the buffer form slows at once.

**Nesterov's look-ahead** (Nesterov, 1983; Sutskever et al., 2013:
http://proceedings.mlr.press/v28/sutskever13.html) takes the gradient where the
velocity is about to carry the weights,
:math:`v_t = \mu v_{t-1} - \alpha \nabla f(w_{t-1} + \mu v_{t-1})`,
:math:`w_t = w_{t-1} + v_t`. Storing the look-ahead point
:math:`\tilde w = w + \mu v` instead of :math:`w` puts that gradient at the stored
parameters, and the update becomes CS231n's
:math:`\tilde w_t = \tilde w_{t-1} - \mu v_{t-1} + (1 + \mu) v_t`; PyTorch's
:math:`w_t = w_{t-1} - \alpha (g_t + \mu b_t)` is the same with :math:`v = -\alpha b`.
"""

from __future__ import annotations

from typing import NamedTuple

from lecture7.optim.arrays import Array, zeros_like

__all__ = [
    "MomentumState",
    "add_weight_decay",
    "momentum_buffer_update",
    "momentum_update",
    "nesterov_update",
    "sgd_update",
]


def add_weight_decay(w: Array, g: Array, *, weight_decay: float) -> Array:
    r"""The gradient of the loss plus that of an L2 penalty :math:`\frac{\lambda}{2}\|w\|^2`.

    :math:`g + \lambda w`, with :math:`\lambda` = ``weight_decay``: the *coupled*
    weight decay of ``torch.optim``'s ``weight_decay`` argument. For plain SGD it is the
    same as shrinking the weights; for Adam it is not, which is why AdamW decouples it
    (Loshchilov & Hutter, 2019: https://arxiv.org/abs/1711.05101).
    """
    return g + weight_decay * w


def sgd_update(g: Array, *, learning_rate: float) -> Array:
    r"""Vanilla (stochastic) gradient descent: :math:`w_t = w_{t-1} - \alpha g_t`.

    :math:`\alpha` = ``learning_rate``. Returns the step :math:`-\alpha g_t`; SGD has no state.
    """
    return -learning_rate * g


class MomentumState(NamedTuple):
    """State of momentum: the velocity ``v`` (CS231n) or the buffer ``b`` (PyTorch)."""

    velocity: Array

    @classmethod
    def init(cls, w: Array) -> MomentumState:
        """Zero velocity, shaped like ``w`` (and on its device)."""
        return cls(zeros_like(w))


def momentum_update(
    g: Array, state: MomentumState, *, learning_rate: float, momentum: float
) -> tuple[Array, MomentumState]:
    r"""SGD + momentum (Polyak, 1964) in the velocity form of the lecture and CS231n.

    .. math:: v_t = \mu v_{t-1} - \alpha g_t, \qquad w_t = w_{t-1} + v_t

    with :math:`\alpha` = ``learning_rate``, :math:`\mu` = ``momentum`` and
    :math:`v` = ``state.velocity``. The step is the new velocity itself.
    """
    v = momentum * state.velocity - learning_rate * g
    return v, MomentumState(v)


def nesterov_update(
    g: Array, state: MomentumState, *, learning_rate: float, momentum: float
) -> tuple[Array, MomentumState]:
    r"""Nesterov momentum in CS231n's form: the weights are the look-ahead point.

    .. math:: v_t = \mu v_{t-1} - \alpha g_t, \qquad
              \tilde w_t = \tilde w_{t-1} - \mu v_{t-1} + (1 + \mu) v_t

    with ``g`` the gradient at the stored (look-ahead) weights :math:`\tilde w`
    (see the module docstring for the change of variables).
    """
    v = momentum * state.velocity - learning_rate * g
    step = -momentum * state.velocity + (1 + momentum) * v
    return step, MomentumState(v)


def momentum_buffer_update(
    g: Array,
    state: MomentumState,
    *,
    learning_rate: float,
    momentum: float,
    nesterov: bool = False,
) -> tuple[Array, MomentumState]:
    r"""Momentum in the lecture slide's and ``torch.optim.SGD``'s buffer form.

    .. math:: b_t = \mu b_{t-1} + g_t, \qquad
              w_t = w_{t-1} - \alpha b_t \quad\text{or (Nesterov)}\quad
              w_t = w_{t-1} - \alpha (g_t + \mu b_t)

    with :math:`b` = ``state.velocity``: the learning rate sits outside the buffer
    (the slide's ``vx = rho * vx + dx; x -= learning_rate * vx``). ``torch.optim.SGD``'s
    ``dampening`` :math:`d` accumulates :math:`(1 - d)\, g_t` instead (from the second
    step on; Nesterov needs :math:`d = 0`): its front end passes that as ``g``.
    """
    b = momentum * state.velocity + g
    direction = g + momentum * b if nesterov else b
    return -learning_rate * direction, MomentumState(b)
