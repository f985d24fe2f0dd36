"""``torch.optim.Optimizer`` classes over the kernels: ``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``.

Each class takes the arguments of the ``torch.optim`` class of the same name
(keyword-only here) and computes the same numbers, to rounding error, on any
device. The math is the kernels' (:mod:`lecture7.optim.kernels`,
:mod:`lecture7.optim.adaptive`), run through their in-place fast path
(:mod:`lecture7.optim.fused`); the mechanics (lazy state, gradient preparation,
complex parameters) are in :class:`~lecture7.optim.base.KernelOptimizer`. A class
here only validates its arguments, says what its state is, and binds its
hyperparameters to its kernel's fast path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from lecture7.optim import fused
from lecture7.optim.adaptive import AdagradState, AdamState, RMSpropState
from lecture7.optim.base import KernelOptimizer, check
from lecture7.optim.kernels import MomentumState

__all__ = ["SGD", "Adagrad", "Adam", "RMSprop"]

Params = Iterable[torch.Tensor] | Iterable[dict[str, Any]]


def _check_common(lr: float, weight_decay: float) -> None:
    check(0.0 <= lr, f"Invalid learning rate: {lr}")
    check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


class SGD(KernelOptimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    With :math:`g_t` = ``p.grad`` (negated if ``maximize``) plus ``weight_decay`` ×
    ``p``, :math:`\alpha` = ``lr``, :math:`\mu` = ``momentum``, :math:`d` = ``dampening``:

    .. math:: b_t = \mu b_{t-1} + (1 - d) g_t \;(b_1 = g_1), \qquad
              p_t = p_{t-1} - \alpha b_t \;\text{ or, Nesterov, }\;
              p_t = p_{t-1} - \alpha (g_t + \mu b_t)

    This is PyTorch's buffer form, learning rate outside the buffer
    (:func:`~lecture7.optim.kernels.momentum_buffer_update`, run as
    :func:`~lecture7.optim.fused.momentum_buffer_`; without momentum
    :func:`~lecture7.optim.kernels.sgd_update`, run as :func:`~lecture7.optim.fused.sgd_`);
    :mod:`lecture7.optim.kernels` explains why it equals CS231n's velocity form only for
    a constant learning rate (Polyak, 1964; Nesterov momentum as in Sutskever et al.,
    2013: http://proceedings.mlr.press/v28/sutskever13.html). ``nesterov`` needs
    ``momentum > 0`` and ``dampening == 0``. State: ``velocity`` (the buffer b).
    """

    def __init__(
        self,
        params: Params,
        *,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        _check_common(lr, weight_decay)
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(0.0 <= dampening <= 1.0, f"Invalid dampening value: {dampening}")
        check(
            not nesterov or (momentum > 0 and dampening == 0),
            f"Nesterov momentum requires a momentum and zero dampening "
            f"(got momentum={momentum}, dampening={dampening})",
        )
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        return MomentumState.init(p)._asdict() if group["momentum"] != 0 else {}

    def _update(self, w: Tensor, g: Tensor, tensors: dict[str, Tensor], group: dict[str, Any],
                state: dict[str, Any], first: bool) -> None:
        if "velocity" not in tensors:
            fused.sgd_(w, g, learning_rate=group["lr"])
            return
        fused.momentum_buffer_(  # torch starts its buffer with b = g: no dampening at first
            w, g, tensors["velocity"], learning_rate=group["lr"], momentum=group["momentum"],
            nesterov=group["nesterov"], dampening=0.0 if first else group["dampening"])


class Adagrad(KernelOptimizer):
    r"""AdaGrad, as ``torch.optim.Adagrad`` (Duchi et al., 2011: https://jmlr.org/papers/v12/duchi11a.html).

    With :math:`g_t` = ``p.grad`` (negated if ``maximize``) plus ``weight_decay`` ×
    ``p``, :math:`\epsilon` = ``eps``, :math:`G_0` = ``initial_accumulator_value``
    and the rate of step t (counted from 1) :math:`\alpha_t` =
    ``lr / (1 + (t - 1) * lr_decay)``:

    .. math:: G_t = G_{t-1} + g_t^2, \qquad p_t = p_{t-1} - \alpha_t \frac{g_t}{\sqrt{G_t} + \epsilon}

    Epsilon outside the square root; its default is PyTorch's 1e-10 (CS231n: 1e-8).
    Kernel: :func:`~lecture7.optim.adaptive.adagrad_update`, run as
    :func:`~lecture7.optim.fused.adagrad_`. State: ``cache`` (G), ``step`` (t).
    """

    def __init__(
        self,
        params: Params,
        *,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        _check_common(lr, weight_decay)
        check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check(
            0.0 <= initial_accumulator_value,
            f"Invalid initial_accumulator_value value: {initial_accumulator_value}",
        )
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        init = group["initial_accumulator_value"]
        return {**AdagradState.init(p, initial_accumulator_value=init)._asdict(), "step": 0}

    def _update(self, w: Tensor, g: Tensor, tensors: dict[str, Tensor], group: dict[str, Any],
                state: dict[str, Any], first: bool) -> None:
        state["step"] += 1
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        fused.adagrad_(w, g, tensors["cache"], learning_rate=lr, epsilon=group["eps"])


class RMSprop(KernelOptimizer):
    r"""RMSProp, as ``torch.optim.RMSprop`` (Tieleman & Hinton, 2012, lecture 6.5).

    With :math:`g_t` = ``p.grad`` (negated if ``maximize``) plus ``weight_decay`` ×
    ``p``, :math:`\alpha` = ``lr``, :math:`\rho` = ``alpha`` (CS231n's ``decay_rate``),
    :math:`\epsilon` = ``eps``:

    .. math:: s_t = \rho s_{t-1} + (1 - \rho) g_t^2, \qquad
              p_t = p_{t-1} - \alpha \frac{g_t}{\sqrt{s_t} + \epsilon}

    ``centered`` uses :math:`\sqrt{s_t - \bar g_t^2}` with :math:`\bar g_t` a leaky
    mean of the gradients (Graves, 2013: https://arxiv.org/abs/1308.0850);
    ``momentum`` :math:`\mu > 0` accumulates :math:`b_t = \mu b_{t-1} + g_t / (\cdot)`
    and steps by :math:`\alpha b_t` (buffer form). Kernels:
    :func:`~lecture7.optim.adaptive.rmsprop_update`, and
    :func:`~lecture7.optim.adaptive.centered_rmsprop_update` for the variants, run as
    :func:`~lecture7.optim.fused.rmsprop_` and :func:`~lecture7.optim.fused.centered_rmsprop_`.
    State: ``cache`` (s), and ``grad_avg`` (centered) / ``velocity`` (momentum).
    """

    def __init__(
        self,
        params: Params,
        *,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        _check_common(lr, weight_decay)
        check(0.0 <= alpha <= 1.0, f"Invalid alpha value: {alpha}")
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = RMSpropState.init(p, centered=group["centered"], momentum=group["momentum"])
        return {k: v for k, v in state._asdict().items() if v is not None}

    def _update(self, w: Tensor, g: Tensor, tensors: dict[str, Tensor], group: dict[str, Any],
                state: dict[str, Any], first: bool) -> None:
        hyper = dict(learning_rate=group["lr"], decay_rate=group["alpha"], epsilon=group["eps"])
        if group["centered"] or group["momentum"] > 0:
            fused.centered_rmsprop_(w, g, **tensors, **hyper, momentum=group["momentum"])
        else:
            fused.rmsprop_(w, g, **tensors, **hyper)


class Adam(KernelOptimizer):
    r"""Adam, as ``torch.optim.Adam`` (Kingma & Ba, 2014: https://arxiv.org/abs/1412.6980).

    With :math:`g_t` = ``p.grad`` (negated if ``maximize``) plus ``weight_decay`` ×
    ``p`` (coupled L2, not AdamW's decoupled decay), :math:`\alpha` = ``lr``,
    :math:`(\beta_1, \beta_2)` = ``betas``, :math:`\epsilon` = ``eps``, t counted from 1:

    .. math:: m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
              v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
              p_t = p_{t-1} - \alpha \frac{m_t / (1 - \beta_1^t)}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}

    Epsilon sits outside the square root of the bias-corrected second moment.
    ``amsgrad`` divides by the running maximum of :math:`v_t` instead (Reddi et al.,
    2018: https://openreview.net/forum?id=ryQu7f-RZ). Kernels:
    :func:`~lecture7.optim.adaptive.adam_update` and
    :func:`~lecture7.optim.adaptive.amsgrad_update`, both run as
    :func:`~lecture7.optim.fused.adam_`. State: ``m``, ``v``, ``t`` (and ``v_max`` for
    amsgrad).
    """

    def __init__(
        self,
        params: Params,
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        _check_common(lr, weight_decay)
        check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        check(len(betas) == 2, f"Invalid betas: {betas} (expected two numbers)")
        for index, beta in enumerate(betas):
            check(0.0 <= beta < 1.0, f"Invalid beta parameter at index {index}: {beta}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, p: torch.Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = AdamState.init(p, amsgrad=group["amsgrad"])
        return {k: v for k, v in state._asdict().items() if v is not None}

    def _update(self, w: Tensor, g: Tensor, tensors: dict[str, Tensor], group: dict[str, Any],
                state: dict[str, Any], first: bool) -> None:
        state["t"] += 1
        beta1, beta2 = group["betas"]
        fused.adam_(w, g, **tensors, t=state["t"], learning_rate=group["lr"], beta1=beta1,
                    beta2=beta2, epsilon=group["eps"])
