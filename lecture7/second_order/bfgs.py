r"""BFGS: a quasi-Newton method that learns the inverse Hessian from gradients.

After each step, with :math:`s_k = x_{k+1} - x_k` and
:math:`y_k = \nabla f(x_{k+1}) - \nabla f(x_k)`, the inverse-Hessian
approximation :math:`H_k` is changed by a rank-two update so that it satisfies
the secant equation :math:`H_{k+1} y_k = s_k` (Nocedal & Wright, Numerical
Optimization, 2nd ed., eq. 6.17):

.. math::
    H_{k+1} = (I - \rho_k s_k y_k^\top)\, H_k\, (I - \rho_k y_k s_k^\top)
              + \rho_k s_k s_k^\top, \qquad \rho_k = \frac{1}{y_k^\top s_k}.

No Hessian is ever computed or inverted, but :math:`H_k` is still an
:math:`N \times N` matrix: :math:`O(N^2)` memory and work per step.
Broyden, Fletcher, Goldfarb and Shanno, 1970.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from lecture7.second_order._common import MinimizeResult, check_vector
from lecture7.second_order._quasi_newton import minimize_quasi_newton

__all__ = ["bfgs", "bfgs_inverse_update"]


def bfgs_inverse_update(h_inv: Tensor, s: Tensor, y: Tensor) -> Tensor:
    r"""The BFGS update of the inverse Hessian, :math:`H_{k+1}` from :math:`H_k` (eq. 6.17).

    Args:
        h_inv: :math:`H_k`, symmetric positive definite, shape (n, n).
        s: :math:`s_k`, the step, shape (n,).
        y: :math:`y_k`, the change in gradient, shape (n,), with :math:`s_k^\top y_k > 0`.

    Computed as :math:`H - (s u^\top + u s^\top) / (s^\top y)
    + (1 + y^\top u / s^\top y)\, s s^\top / (s^\top y)` with :math:`u = H y`: the
    product form :math:`(I - \rho s y^\top) H (I - \rho y s^\top) + \rho s s^\top`,
    :math:`\rho = 1 / (s^\top y)`, expanded, in :math:`O(n^2)`.
    """
    sy = _check_pair(h_inv, s, y)  # s . y > 0
    u = h_inv @ y
    outer = torch.outer
    return h_inv - (outer(s, u) + outer(u, s)) / sy + (1 + y.dot(u) / sy) * outer(s, s) / sy


def _check_pair(h_inv: Tensor, s: Tensor, y: Tensor) -> Tensor:
    """The curvature :math:`s^\top y` of a checked pair (it must be > 0)."""
    s, y = check_vector("s", s), check_vector("y", y)
    if s.shape != y.shape or h_inv.shape != (s.numel(), s.numel()):
        raise ValueError(
            f"Invalid shapes: h_inv {tuple(h_inv.shape)}, s {tuple(s.shape)}, y {tuple(y.shape)} "
            "(expected (n, n), (n,), (n,))"
        )
    sy = s.dot(y)
    if not bool(sy > 0):
        raise ValueError(f"Invalid pair: s . y = {float(sy):.6g} (the curvature must be > 0)")
    return sy


class _DenseInverseHessian:
    """:math:`H_k` as a dense matrix; :math:`H_0 = I`, rescaled before the first update."""

    def __init__(self) -> None:
        self.h_inv: Tensor | None = None  # None means H = I

    def direction(self, grad: Tensor) -> Tensor:
        return -grad if self.h_inv is None else -(self.h_inv @ grad)

    def update(self, s: Tensor, y: Tensor) -> None:
        if self.h_inv is None:
            # H_0 = (s'y / y'y) I before the first update (Nocedal & Wright eq. 6.20)
            gamma = s.dot(y) / y.dot(y)
            self.h_inv = gamma * torch.eye(s.numel(), dtype=s.dtype, device=s.device)
        self.h_inv = bfgs_inverse_update(self.h_inv, s, y)

    def reset(self) -> None:
        self.h_inv = None

    def is_empty(self) -> bool:
        return self.h_inv is None


def bfgs(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    *,
    max_iter: int = 1000,
    tol: float = 1e-6,
    record_points: bool = True,
) -> MinimizeResult:
    r"""Minimize ``f`` from ``x0`` with BFGS (Nocedal & Wright, Algorithm 6.1).

    :math:`p_k = -H_k \nabla f(x_k)`, a strong-Wolfe line search along it, then
    :func:`bfgs_inverse_update`. Convention: :math:`H_0 = I`, and before the
    first update :math:`H_0` is rescaled to :math:`\frac{s^\top y}{y^\top y} I`
    (eq. 6.20; scipy keeps :math:`I`). Pairs with :math:`s^\top y \le \epsilon\, y^\top y`
    are skipped. Stops when :math:`\|\nabla f(x_k)\|_\infty \le` ``tol``.

    Args:
        f: ``f(x) -> scalar tensor`` of a 1-D tensor, differentiable by autograd.
        x0: the starting point, a 1-D floating tensor (float64 recommended);
            the iterates stay on its device.
        max_iter: the most steps.
        tol: the gradient tolerance.
        record_points: keep every iterate in ``x_history``.
    """
    check_vector("x0", x0)
    return minimize_quasi_newton(
        f, x0, _DenseInverseHessian(), max_iter=max_iter, tol=tol, record_points=record_points
    )
