r"""The fast path: each readable kernel again, in place, as the Optimizer classes run it.

The kernels in :mod:`lecture7.optim.kernels` and :mod:`lecture7.optim.adaptive` are the
algorithms as the book shows them: one line per line of math, out of place. Each line
there is a pass over the arrays and a new temporary, so a step of Adam on a 4M-element
weight allocates and streams a dozen 16 MB blocks. The functions here compute the same
numbers (to rounding: the order of the floating-point operations differs) the way
``torch.optim`` does, with torch's fused in-place operations: ``m.lerp_(g, 1 - beta1)``
is :math:`\beta_1 m + (1 - \beta_1) g` in one pass, ``r.mul_(rho).addcmul_(g, g, value=c)``
is :math:`\rho r + c g^2` in two, ``w.addcdiv_(a, b, value=s)`` is :math:`w + s a / b`.

Conventions. ``w`` is the parameter (a torch tensor, or the real view of a complex one),
``g`` the gradient the kernel sees (after :func:`gradient`), and the state tensors are
those of the kernel's state, named as there (``velocity``, ``cache``, ``m``...); every
function updates ``w`` and the state tensors in place and returns nothing; ``g`` is never
modified. Counters (Adam's ``t``) are passed in already incremented. The classes in
:mod:`lecture7.optim.optimizers` call these; ``tests/test_optim_fused.py`` checks each one
against its kernel on random inputs for every option, in float32 and float64.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "adagrad_",
    "adam_",
    "centered_rmsprop_",
    "gradient",
    "momentum_buffer_",
    "rmsprop_",
    "sgd_",
]


def gradient(w: Tensor, grad: Tensor, *, weight_decay: float, maximize: bool) -> Tensor:
    """The gradient the kernels see: ``add_weight_decay(w, -grad if maximize else grad)``.

    Returns ``grad`` itself when there is nothing to add, else a new tensor (as
    ``torch.optim`` does); ``grad`` is never modified.
    """
    g = torch.neg(grad) if maximize else grad
    if weight_decay == 0:
        return g
    return g.add_(w, alpha=weight_decay) if maximize else g.add(w, alpha=weight_decay)


def sgd_(w: Tensor, g: Tensor, *, learning_rate: float) -> None:
    """:func:`~lecture7.optim.kernels.sgd_update`: ``w -= learning_rate * g``, one pass."""
    w.add_(g, alpha=-learning_rate)


def momentum_buffer_(
    w: Tensor, g: Tensor, velocity: Tensor, *, learning_rate: float, momentum: float,
    nesterov: bool = False, dampening: float = 0.0,
) -> None:
    r""":func:`~lecture7.optim.kernels.momentum_buffer_update`: PyTorch's buffer form.

    :math:`b \leftarrow \mu b + (1 - d) g`, then :math:`w \leftarrow w - \alpha b`, or,
    Nesterov, :math:`w \leftarrow w - \alpha g - \alpha\mu b` (two passes over ``w``, no
    temporary). ``dampening`` :math:`d` (``torch.optim.SGD``'s, which the class sets to 0
    on the first step) scales the gradient that enters the buffer: the kernel given
    :math:`(1 - d) g` (Nesterov needs :math:`d = 0`, so its step's :math:`g` is the same).
    """
    if dampening == 0:
        torch.add(g, velocity, alpha=momentum, out=velocity)  # one pass instead of two
    else:
        velocity.mul_(momentum).add_(g, alpha=1 - dampening)
    if nesterov:
        w.add_(g, alpha=-learning_rate).add_(velocity, alpha=-learning_rate * momentum)
    else:
        w.add_(velocity, alpha=-learning_rate)


def adagrad_(w: Tensor, g: Tensor, cache: Tensor, *, learning_rate: float, epsilon: float) -> None:
    r""":func:`~lecture7.optim.adaptive.adagrad_update`:
    :math:`r \leftarrow r + g^2`, :math:`w \leftarrow w - \alpha g / (\sqrt r + \epsilon)`."""
    cache.addcmul_(g, g)
    w.addcdiv_(g, cache.sqrt().add_(epsilon), value=-learning_rate)


def rmsprop_(
    w: Tensor, g: Tensor, cache: Tensor, *, learning_rate: float, decay_rate: float,
    epsilon: float,
) -> None:
    r""":func:`~lecture7.optim.adaptive.rmsprop_update`: :math:`r \leftarrow \rho r +
    (1 - \rho) g^2`, :math:`w \leftarrow w - \alpha g / (\sqrt r + \epsilon)`."""
    cache.mul_(decay_rate).addcmul_(g, g, value=1 - decay_rate)
    w.addcdiv_(g, cache.sqrt().add_(epsilon), value=-learning_rate)


def centered_rmsprop_(
    w: Tensor, g: Tensor, cache: Tensor, grad_avg: Tensor | None = None,
    velocity: Tensor | None = None, *, learning_rate: float, decay_rate: float, epsilon: float,
    momentum: float = 0.0,
) -> None:
    r""":func:`~lecture7.optim.adaptive.centered_rmsprop_update`: RMSProp centered (when
    ``grad_avg``, :math:`\bar g`, is given) and/or with momentum :math:`\mu` (when
    ``velocity``, the buffer :math:`b \leftarrow \mu b + g / (\cdot)`, is given)."""
    cache.mul_(decay_rate).addcmul_(g, g, value=1 - decay_rate)
    if grad_avg is not None:
        grad_avg.lerp_(g, 1 - decay_rate)
        scale = cache.addcmul(grad_avg, grad_avg, value=-1).sqrt_().add_(epsilon)
    else:
        scale = cache.sqrt().add_(epsilon)
    if velocity is None:
        w.addcdiv_(g, scale, value=-learning_rate)
    else:
        velocity.mul_(momentum).addcdiv_(g, scale)
        w.add_(velocity, alpha=-learning_rate)


def adam_(
    w: Tensor, g: Tensor, m: Tensor, v: Tensor, v_max: Tensor | None = None, *, t: int,
    learning_rate: float, beta1: float, beta2: float, epsilon: float,
) -> None:
    r""":func:`~lecture7.optim.adaptive.adam_update`, or, given ``v_max``,
    :func:`~lecture7.optim.adaptive.amsgrad_update`; ``t`` is this step's count (from 1).

    ``v`` holds the second moment :math:`r`. The bias corrections are folded into two
    numbers, as in the "efficient version" at the end of the Adam paper's section 2:
    with :math:`c_1 = 1 - \beta_1^t` and :math:`c_2 = 1 - \beta_2^t`,

    .. math:: \alpha \frac{m / c_1}{\sqrt{r / c_2} + \epsilon}
              = \frac{\alpha \sqrt{c_2}}{c_1} \cdot \frac{m}{\sqrt r + \epsilon \sqrt{c_2}}

    exactly (the same :math:`\epsilon`, moved inside the correction), which saves two
    passes and a temporary over ``torch.optim``'s ``(sqrt(r) / sqrt(c2)).add_(eps)``.
    """
    m.lerp_(g, 1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    if v_max is not None:
        torch.maximum(v_max, v, out=v_max)
    root_c2 = math.sqrt(1 - beta2**t)
    denominator = (v if v_max is None else v_max).sqrt().add_(epsilon * root_c2)
    w.addcdiv_(m, denominator, value=-learning_rate * root_c2 / (1 - beta1**t))
