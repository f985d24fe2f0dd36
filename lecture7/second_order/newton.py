r"""Newton's method: jump to the minimum of the local quadratic model.

The second-order Taylor expansion of :math:`f` around :math:`x`,

.. math::
    f(x + p) \approx f(x) + g^\top p + \tfrac{1}{2} p^\top H p,
    \qquad g = \nabla f(x),\; H = \nabla^2 f(x),

is minimized, when :math:`H` is positive definite, by the Newton step
:math:`p = -H^{-1} g`: no learning rate. A quadratic is solved in one step.
In practice a step size :math:`\eta` is still used (damped Newton), and a
multiple :math:`\lambda I` of the identity is added where :math:`H` is not
positive definite (Levenberg-Marquardt style). Storing :math:`H` costs
:math:`N^2` numbers for :math:`N` parameters (:func:`hessian_memory_bytes`)
and solving with it :math:`O(N^3)` operations: impossible for deep networks.
Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithm 3.2 and Section 3.4.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from lecture7._checks import check_int, check_real
from lecture7.second_order._common import (
    MinimizeResult,
    Objective,
    Trace,
    check_loop_args,
    check_scalar_output,
    check_vector,
    grad_norm,
)

__all__ = ["hessian", "hessian_memory_bytes", "newton", "newton_step"]


def hessian_memory_bytes(n_params: int, *, dtype_bytes: int = 4) -> int:
    r"""Bytes to store the :math:`N \times N` Hessian of ``n_params`` = :math:`N` parameters.

    :math:`N^2 \times` ``dtype_bytes`` (4 for float32). For a 100-million-parameter
    network: :math:`4 \times 10^{16}` bytes, 40 petabytes.
    """
    n_params = check_int("n_params", n_params, minimum=1)
    dtype_bytes = check_int("dtype_bytes", dtype_bytes, minimum=1)
    return n_params * n_params * dtype_bytes


def hessian(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    r"""The Hessian :math:`H_{ij} = \partial^2 f / \partial x_i \partial x_j` at ``x``, shape (n, n).

    By double back-propagation (``torch.autograd.functional.hessian``), on ``x``'s device.
    """
    x = check_vector("x", x)
    if not callable(f):
        raise ValueError(f"Invalid f: {f!r} (expected a callable)")
    return torch.autograd.functional.hessian(lambda z: check_scalar_output(f(z)), x)


def _solve_newton(hess: Tensor, grad: Tensor, damping: float) -> Tensor:
    r"""Solve :math:`(H + \delta I) p = -g` by Cholesky, or explain why it cannot be done."""
    matrix = hess + damping * torch.eye(grad.numel(), dtype=hess.dtype, device=hess.device)
    factor = _cholesky(matrix, damping)  # raises where H + delta I is not positive definite
    return torch.cholesky_solve(-grad.unsqueeze(1), factor).squeeze(1)


def _cholesky(matrix: Tensor, damping: float) -> Tensor:
    """The Cholesky factor of ``matrix``, or a ``ValueError`` that says why there is none."""
    n = matrix.shape[0]
    factor, info = torch.linalg.cholesky_ex(matrix)
    pivots = factor.diagonal() ** 2
    eps = torch.finfo(matrix.dtype).eps
    if int(info) != 0 or not bool(pivots.min() > n * eps * pivots.max()):
        smallest = float(torch.linalg.eigvalsh(matrix)[0])
        largest = float(torch.linalg.matrix_norm(matrix, ord=2))
        problem = "singular" if abs(smallest) <= n * eps * largest else "not positive definite"
        what = "the Hessian" if damping == 0 else f"the Hessian + damping * I (damping={damping})"
        raise ValueError(
            f"No Newton step: {what} is {problem} (smallest eigenvalue {smallest:.3g}), so the "
            f"quadratic model has no unique minimum. Pass damping > {max(-smallest, 0.0) + damping:.3g}, "
            "or use a quasi-Newton method (bfgs, lbfgs)."
        )
    return factor


def newton_step(f: Callable[[Tensor], Tensor], x: Tensor, *, damping: float = 0.0) -> Tensor:
    r"""The (damped) Newton step :math:`p = -(H + \lambda I)^{-1} g` at ``x``.

    :math:`g` and :math:`H` are the gradient and Hessian of ``f`` at ``x`` and
    :math:`\lambda` = ``damping`` (0: the pure Newton step). The linear system is
    solved by a Cholesky factorization, never by inverting :math:`H`.

    Raises:
        ValueError: :math:`H + \lambda I` is singular or not positive definite
            (the message gives its smallest eigenvalue and a damping that fixes it).
    """
    damping = check_real("damping", damping, minimum=0.0)
    x = check_vector("x", x)
    _, grad = Objective(f)(x)
    return _solve_newton(hessian(f, x), grad, damping)


def newton(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    *,
    step_size: float = 1.0,
    damping: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-8,
    record_points: bool = True,
) -> MinimizeResult:
    r"""Minimize ``f`` by Newton's method: :math:`x_{k+1} = x_k + \eta\, p_k`.

    :math:`p_k` is :func:`newton_step` at :math:`x_k` with :math:`\lambda` =
    ``damping``, and :math:`\eta` = ``step_size`` (1: the pure method). Stops
    when :math:`\|\nabla f(x_k)\|_\infty \le` ``tol`` or after ``max_iter`` steps.

    Raises:
        ValueError: bad arguments, or a Hessian met on the way is singular or not
            positive definite (non-convex regions): add ``damping``.
    """
    objective = Objective(f)
    x = check_vector("x0", x0).clone()
    step_size = check_real("step_size", step_size, minimum=0.0, strict=True)
    damping = check_real("damping", damping, minimum=0.0)
    max_iter, tol = check_loop_args(max_iter, tol)
    fun, grad = objective(x)
    trace = Trace(x, fun, record_points=record_points)
    for _ in range(max_iter):
        if grad_norm(grad) <= tol:
            break
        # x_{k+1} = x_k - eta (H_k + lambda I)^{-1} g_k
        x = x + step_size * _solve_newton(hessian(f, x), grad, damping)
        fun, grad = objective(x)
        trace.append(x, fun)
    return trace.result(x, fun, grad, objective.n_fev, tol)
