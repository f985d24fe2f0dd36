r"""The L2 penalty, and how it relates to an optimizer's ``weight_decay``.

With :math:`\lambda` = ``weight_decay`` and :math:`\mathcal{W}` the penalized weights,

.. math::

    R(W) = \frac{\lambda}{2} \sum_{W \in \mathcal{W}} \lVert W \rVert_2^2,
    \qquad \frac{\partial R}{\partial W} = \lambda W .

That gradient is exactly what ``torch.optim.SGD(..., weight_decay=λ)`` adds to
each parameter's gradient, so SGD on ``loss + l2_penalty(params, weight_decay=λ)``
takes the same steps as SGD with ``weight_decay=λ`` on the same parameters (the
factor 1/2 is the convention that makes this so). The same holds for torch's
``Adam`` (which also adds :math:`\lambda W` to the gradient) but not for
``AdamW``, whose decoupled decay is not the gradient of any penalty that Adam
then rescales (Loshchilov & Hutter, 2019: https://arxiv.org/abs/1711.05101).

Convention: given a module, only weights with two or more dimensions (linear,
convolution and embedding matrices) are penalized; biases and normalization
scales/shifts (1-D) are not, since shrinking them does not limit the network's
capacity and can hurt (the nanoGPT rule). Given an iterable of tensors, every
tensor is penalized, as torch's ``weight_decay`` does for a parameter group.
:func:`weight_decay_param_groups` builds the matching optimizer groups.

The lecture's note: a penalty term is the classic regularizer, yet on its own it
is a weak fit for neural networks; the "randomness at training time" family
(dropout and friends) usually regularizes them better.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from lecture7._checks import check_real

__all__ = ["decay_parameters", "l2_penalty", "weight_decay_param_groups"]


def decay_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters of ``model`` that the L2 penalty covers: those with ``dim() >= 2``."""
    return [p for p in model.parameters() if p.dim() >= 2]


def l2_penalty(
    model_or_params: nn.Module | Iterable[torch.Tensor], *, weight_decay: float
) -> torch.Tensor:
    r""":math:`\frac{\lambda}{2}\sum_W \lVert W\rVert^2`, differentiable; :math:`\lambda` = ``weight_decay``.

    Args:
        model_or_params: a module (its :func:`decay_parameters` are penalized) or
            an iterable of tensors (all of them are).
        weight_decay: :math:`\lambda \ge 0`.

    Returns:
        A 0-d tensor on the parameters' device (0 if there is nothing to penalize).
    """
    weight_decay = check_real("weight_decay", weight_decay, minimum=0.0)
    if isinstance(model_or_params, nn.Module):
        params = decay_parameters(model_or_params)
    else:
        params = list(model_or_params)
    if not params:
        return torch.zeros(())
    # R = lambda / 2 * sum ||W||^2
    return 0.5 * weight_decay * sum(p.pow(2).sum() for p in params)


def weight_decay_param_groups(model: nn.Module, *, weight_decay: float) -> list[dict]:
    """Optimizer parameter groups applying ``weight_decay`` only where :func:`l2_penalty` would.

    ``torch.optim.SGD(weight_decay_param_groups(model, weight_decay=λ), lr=η)``
    steps like SGD on ``loss + l2_penalty(model, weight_decay=λ)``.
    """
    weight_decay = check_real("weight_decay", weight_decay, minimum=0.0)
    decayed = {id(p) for p in decay_parameters(model)}
    return [
        {"params": [p for p in model.parameters() if id(p) in decayed], "weight_decay": weight_decay},
        {"params": [p for p in model.parameters() if id(p) not in decayed], "weight_decay": 0.0},
    ]
