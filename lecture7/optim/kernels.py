r"""The optimizers of the lecture, one small function ("kernel") each.

This module holds what all kernels share (:class:`Update`, weight decay) and the
first-order ones, SGD and (Nesterov) momentum; :mod:`lecture7.optim.adaptive`
holds AdaGrad, RMSProp and Adam.

Every kernel takes a gradient ``dw`` and the optimizer state (a small
``NamedTuple`` whose fields are named after the math) and returns
``(update, state_next)``, as optax does. The update is a step size times a
direction, :class:`Update` ``(scale, direction)``, and the parameters move by
``w_next = w + scale * direction``; the adaptive methods add a ``denominator``:
``w_next = w + scale * direction / denominator``. The front ends do that last
arithmetic, so that the ``torch.optim.Optimizer`` classes do it in the same
single pass over ``p`` as ``torch.optim`` (``p.add_(direction, alpha=scale)``,
``p.addcdiv_(direction, denominator, value=scale)``).

**Who owns the state.** A kernel never modifies ``dw``, but it updates the
arrays of ``state`` *in place* (``v *= mu; v += g``) and returns them:
``state_next`` holds the very arrays of ``state`` (and new numbers, such as
Adam's ``t``), so the caller must own them, as ``torch.optim`` owns its buffers.
The two front ends, thin layers over these functions, do:

* :mod:`lecture7.optim.rules`: the CS231n ``rule(w, dw, config)`` functions hand
  the kernel a copy of the caller's state arrays, so a rule modifies none of its
  inputs;
* :mod:`lecture7.optim.optimizers`: ``torch.optim.Optimizer`` classes equal to
  ``torch.optim.SGD``, ``Adagrad``, ``RMSprop`` and ``Adam`` hand it their own
  state tensors, which the kernel updates where they are.

An update may point into the state (heavy-ball momentum moves along the velocity
itself): apply it before the next call.

**Arithmetic.** Augmented assignment (``+=``, ``-=``, ``*=``, ``/=``), the
operators ``+``, ``-``, ``*``, ``/``, and :func:`~lecture7.optim.arrays.sqrt` and
:func:`~lecture7.optim.arrays.maximum` mean the same on NumPy arrays and on torch
tensors on any device, so the *same* function runs on both. Each temporary is
made once and then updated in place (``x = c * dw; x *= dw`` rather than
``c * dw * dw``): on a CPU every fresh array is a pass of writes to memory that
is not in cache yet. The order of the floating-point operations follows
``torch.optim``'s single-tensor code, so the classes reproduce it to rounding
error.

Where CS231n and PyTorch disagree (where the learning rate enters momentum,
the form of Nesterov's update), the kernel takes the convention as an argument
and its docstring explains both. Where they agree (where epsilon sits) the
docstring says so and names the libraries that differ.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from lecture7.optim.arrays import Array, zeros_like

__all__ = [
    "MomentumState",
    "Update",
    "add_weight_decay",
    "momentum_update",
    "sgd_update",
]

Convention = Literal["cs231n", "pytorch"]


def _times(c: float, x: Array) -> Array:
    """``c * x``, but ``x`` itself when ``c == 1`` (a multiply is a whole pass over ``x``).

    So the result may be ``x``: never update it in place.
    """
    return x if c == 1 else c * x


class Update(NamedTuple):
    """One optimizer step: ``w_next = w + scale * direction`` (``/ denominator``, if given)."""

    scale: float
    direction: Array
    denominator: Array | None = None

    def apply(self, w: Array) -> Array:
        """``w + scale * direction [/ denominator]``, out of place (the CS231n rules use this)."""
        direction = self.direction
        if self.denominator is not None:
            direction = direction / self.denominator
        return w + _times(self.scale, direction)


def add_weight_decay(w: Array, dw: Array, *, weight_decay: float) -> Array:
    r"""The gradient of the loss plus an L2 penalty :math:`\frac{\lambda}{2}\|w\|^2`.

    .. math:: g = dw + \lambda w

    with :math:`\lambda` = ``weight_decay``, as a new array (``dw`` is not modified).
    This is the *coupled* weight decay of ``torch.optim`` (its ``weight_decay``
    argument): the penalty's gradient joins the loss gradient before the optimizer
    sees it. For plain SGD that is the same as shrinking the weights; for adaptive
    methods (Adam) it is not, which is why AdamW decouples it (Loshchilov & Hutter,
    2019: https://arxiv.org/abs/1711.05101).
    """
    # g = lambda w + dw
    decayed = weight_decay * w
    decayed += dw
    return decayed


def sgd_update(dw: Array, *, learning_rate: float) -> Update:
    r"""Vanilla (stochastic) gradient descent: :math:`w_t = w_{t-1} - \alpha g_t`.

    :math:`\alpha` is ``learning_rate`` and :math:`g_t` = ``dw``: the update is
    ``Update(-learning_rate, dw)``. SGD has no state.
    """
    return Update(-learning_rate, dw)


class MomentumState(NamedTuple):
    """State of (Nesterov) momentum: the velocity ``v`` (CS231n) or buffer ``b`` (PyTorch)."""

    velocity: Array

    @classmethod
    def init(cls, w: Array) -> MomentumState:
        """Zero velocity, shaped like ``w`` (and on its device)."""
        return cls(zeros_like(w))


def momentum_update(
    dw: Array,
    state: MomentumState,
    *,
    learning_rate: float,
    momentum: float,
    nesterov: bool = False,
    dampening: float = 0.0,
    convention: Convention = "cs231n",
) -> tuple[Update, MomentumState]:
    r"""SGD with heavy-ball momentum (Polyak, 1964) or Nesterov momentum.

    Let :math:`\alpha` = ``learning_rate``, :math:`\mu` = ``momentum``,
    :math:`d` = ``dampening``, :math:`g_t` = ``dw`` and :math:`v` / :math:`b` =
    ``state.velocity``. The two conventions put the learning rate in different places:

    ``convention="cs231n"`` (velocity form, lr *inside* the accumulator):

    .. math:: v_t = \mu v_{t-1} - \alpha (1 - d) g_t, \qquad w_t = w_{t-1} + v_t

    ``convention="pytorch"`` (buffer form of ``torch.optim.SGD``, lr *outside*):

    .. math:: b_t = \mu b_{t-1} + (1 - d) g_t, \qquad w_t = w_{t-1} - \alpha b_t

    **Why the two agree only for a constant learning rate.** Unrolled, the
    velocity is :math:`v_t = -\sum_k \mu^{t-k}\alpha_k g_k`, a sum of past steps
    each taken with the learning rate *of its own time*, while the buffer form
    steps by :math:`\alpha_t b_t = \sum_k \mu^{t-k} \alpha_t g_k`, applying
    *today's* rate to all past gradients. They are the same iff
    :math:`\alpha_k = \alpha_t` for all k: then :math:`v = -\alpha b` exactly. Under
    a schedule that cuts the rate, the velocity form coasts on with the old,
    larger steps for about :math:`1/(1-\mu)` steps; the buffer form slows at once.

    **Nesterov's two forms** (``nesterov=True``; Sutskever et al., 2013:
    http://proceedings.mlr.press/v28/sutskever13.html). The look-ahead form takes
    the gradient where the velocity is about to carry us:
    :math:`v_t = \mu v_{t-1} - \alpha \nabla f(w_{t-1} + \mu v_{t-1})`,
    :math:`w_t = w_{t-1} + v_t`. It needs a gradient away from the parameters,
    so one stores the look-ahead point :math:`\tilde w = w + \mu v` instead; the
    gradient is then taken at the stored parameters and the update becomes the
    CS231n assignment form, which simplifies to what this kernel computes:

    .. math:: \tilde w_t = \tilde w_{t-1} - \mu v_{t-1} + (1 + \mu) v_t
              = \tilde w_{t-1} + \mu v_t - \alpha g_t

    PyTorch's form, :math:`w_t = w_{t-1} - \alpha (g_t + \mu b_t)`, is the same
    update with :math:`v = -\alpha b`.

    One recurrence covers every case: :math:`a_t = \mu a_{t-1} + c\,g_t` and
    :math:`w_t = w_{t-1} + s\,a_t` (heavy ball) or
    :math:`w_t = w_{t-1} + s\,(c\,g_t + \mu a_t)` (Nesterov), with
    :math:`c = -\alpha(1-d), s = 1` (cs231n) or :math:`c = 1-d, s = -\alpha` (pytorch).

    The lecture's slide (``vx = rho * vx + dx; x -= learning_rate * vx``) is the
    buffer form. ``torch.optim.SGD`` starts its buffer at :math:`b_1 = g_1`, not
    :math:`(1-d) g_1`; its front end passes ``dampening=0`` on the first step.

    Returns:
        ``(Update(s, direction), state)``: ``state.velocity`` now holds :math:`a_t`
        (updated in place); the heavy ball's direction is that same array.
    """
    if convention == "cs231n":
        into_velocity, onto_w = -learning_rate * (1 - dampening), 1.0
    elif convention == "pytorch":
        into_velocity, onto_w = 1 - dampening, -learning_rate
    else:
        raise ValueError(f"Invalid convention: {convention!r} (expected 'cs231n' or 'pytorch')")
    scaled_grad = _times(into_velocity, dw)  # dw itself when c == 1: not to be modified
    velocity = state.velocity
    # a_t = mu a_{t-1} + c g_t, in place
    velocity *= momentum
    velocity += scaled_grad
    if not nesterov:
        # heavy ball: w_t = w_{t-1} + s a_t
        return Update(onto_w, velocity), state
    # Nesterov: w_t = w_{t-1} + s (c g_t + mu a_t)
    direction = momentum * velocity
    direction += scaled_grad
    return Update(onto_w, direction), state
