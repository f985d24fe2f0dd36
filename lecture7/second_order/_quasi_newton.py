r"""The loop that BFGS and L-BFGS share; they differ only in their memory.

.. math::
    p_k = -H_k g_k, \qquad x_{k+1} = x_k + \alpha_k p_k, \qquad
    s_k = x_{k+1} - x_k, \quad y_k = g_{k+1} - g_k,

where :math:`H_k` approximates the inverse Hessian from the pairs
:math:`(s_i, y_i)` and :math:`\alpha_k` satisfies the strong Wolfe conditions
(:func:`~lecture7.second_order.line_search.wolfe_line_search`). Nocedal &
Wright, Numerical Optimization, 2nd ed., Algorithms 6.1 and 7.5.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch
from torch import Tensor

from lecture7.second_order._common import (
    MinimizeResult,
    Objective,
    Trace,
    check_loop_args,
    check_vector,
    grad_norm,
)
from lecture7.second_order.line_search import wolfe_line_search

__all__ = ["InverseHessianMemory", "curvature_ok", "minimize_quasi_newton"]


class InverseHessianMemory(Protocol):
    """What the loop asks of BFGS's matrix or L-BFGS's pairs."""

    def direction(self, grad: Tensor) -> Tensor:
        r""":math:`-H_k g_k`."""

    def update(self, s: Tensor, y: Tensor) -> None:
        r"""Take in the pair :math:`(s_k, y_k)`; :math:`s_k^\top y_k > 0` is guaranteed."""

    def reset(self) -> None:
        r"""Forget everything: :math:`H_k = I`."""

    def is_empty(self) -> bool:
        """Whether no pair has been taken in since the start or the last reset."""


def curvature_ok(s: Tensor, y: Tensor) -> bool:
    r"""Whether :math:`s^\top y > \epsilon\, y^\top y` (:math:`\epsilon` the dtype's machine epsilon).

    Below that the pair carries no usable curvature (or rounding has spoiled it)
    and is skipped, as scipy's L-BFGS-B does.
    """
    return bool(s.dot(y) > torch.finfo(s.dtype).eps * y.dot(y))


def minimize_quasi_newton(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    memory: InverseHessianMemory,
    *,
    max_iter: int,
    tol: float,
    record_points: bool,
) -> MinimizeResult:
    """Run the quasi-Newton loop with ``memory`` until ``||grad||_inf <= tol``.

    Stops early, unconverged, when the line search fails (typically rounding
    near the minimum; the best point it found is kept).
    """
    objective = Objective(f)
    x = check_vector("x0", x0).clone()
    max_iter, tol = check_loop_args(max_iter, tol)
    fun, grad = objective(x)
    trace = Trace(x, fun, record_points=record_points)
    for _ in range(max_iter):
        if grad_norm(grad) <= tol:
            break
        # p_k = -H_k g_k (steepest descent if H_k has lost positive definiteness)
        direction = memory.direction(grad)
        if not bool(grad.dot(direction) < 0):
            memory.reset()
            direction = -grad
        # without curvature information, a first step of length ~1 (as torch.optim.LBFGS)
        step0 = 1.0 if not memory.is_empty() else min(1.0, 1.0 / float(grad.abs().sum()))
        search = wolfe_line_search(objective, x, direction, fun0=fun, grad0=grad, step0=step0)
        if search.step == 0:
            break
        s, y = search.step * direction, search.grad - grad
        x, fun, grad = x + s, search.fun, search.grad
        trace.append(x, fun)
        if not search.success:
            break
        if curvature_ok(s, y):
            memory.update(s, y)
    return trace.result(x, fun, grad, objective.n_fev, tol)
