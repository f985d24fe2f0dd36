r"""L-BFGS: BFGS without the matrix, from the last :math:`m` pairs :math:`(s_i, y_i)`.

:math:`H_k g` is computed by the two-loop recursion (Nocedal & Wright, Numerical
Optimization, 2nd ed., Algorithm 7.4) from the :math:`m` = ``history_size``
most recent pairs, starting each time from :math:`H_k^0 = \gamma_k I` with
:math:`\gamma_k = s_{k-1}^\top y_{k-1} / y_{k-1}^\top y_{k-1}` (eq. 7.20):
:math:`O(mN)` memory and work instead of BFGS's :math:`O(N^2)`. The result equals
:math:`m` BFGS updates (eq. 6.17) of :math:`\gamma_k I`. The method of choice for
full-batch, low-noise problems such as style transfer. Liu & Nocedal, 1989:
https://doi.org/10.1007/BF01589116.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from torch import Tensor

from lecture7._checks import check_int
from lecture7.second_order._common import MinimizeResult, check_vector
from lecture7.second_order._quasi_newton import minimize_quasi_newton

__all__ = ["lbfgs", "lbfgs_direction"]


def _check_history(grad: Tensor, s_history: Sequence[Tensor], y_history: Sequence[Tensor]):
    """``grad`` checked, and the curvatures :math:`s_i^\top y_i` (each must be > 0)."""
    grad = check_vector("grad", grad)
    if len(s_history) != len(y_history):
        raise ValueError(
            f"Invalid history: {len(s_history)} s vectors but {len(y_history)} y vectors"
        )
    for i, (s, y) in enumerate(zip(s_history, y_history, strict=True)):
        if not (isinstance(s, Tensor) and isinstance(y, Tensor)) or not (
            s.shape == y.shape == grad.shape
        ):
            shapes = [tuple(v.shape) if isinstance(v, Tensor) else type(v).__name__ for v in (s, y)]
            raise ValueError(
                f"Invalid pair {i}: s, y have shapes {shapes}, grad {tuple(grad.shape)}"
            )
    sy = [s.dot(y) for s, y in zip(s_history, y_history, strict=True)]
    for i, value in enumerate(sy):
        if not bool(value > 0):
            raise ValueError(f"Invalid pair {i}: s . y = {float(value):.6g} (the curvature must be > 0)")
    return grad, sy


def lbfgs_direction(
    grad: Tensor, s_history: Sequence[Tensor], y_history: Sequence[Tensor]
) -> Tensor:
    r"""The L-BFGS search direction :math:`-H_k g` by the two-loop recursion.

    Args:
        grad: :math:`g = \nabla f(x_k)`, shape (n,).
        s_history: :math:`s_{k-m}, \dots, s_{k-1}`, oldest first, each shape (n,).
        y_history: :math:`y_{k-m}, \dots, y_{k-1}`, in the same order.

    Nocedal & Wright, Algorithm 7.4, with :math:`1 / \rho_i = y_i^\top s_i`::

        q = g
        for i = k-1 down to k-m:  a_i = s_i.q / s_i.y_i ;  q = q - a_i y_i
        r = gamma q,  gamma = s_{k-1}.y_{k-1} / y_{k-1}.y_{k-1}   (1 if m = 0)
        for i = k-m up to k-1:    b = y_i.r / s_i.y_i ;   r = r + (a_i - b) s_i
        return -r

    Raises:
        ValueError: mismatched lengths or shapes, or a pair with :math:`s_i^\top y_i \le 0`.
    """
    q, sy = _check_history(grad, s_history, y_history)  # sy[i] = s_i . y_i > 0
    s, y, a = s_history, y_history, [None] * len(sy)
    for i in reversed(range(len(sy))):  # newest to oldest
        a[i] = s[i].dot(q) / sy[i]
        q = q - a[i] * y[i]
    r = q * (sy[-1] / y[-1].dot(y[-1]) if sy else 1.0)  # H_0 = gamma I
    for i in range(len(sy)):  # oldest to newest
        b = y[i].dot(r) / sy[i]
        r = r + (a[i] - b) * s[i]
    return -r


class _PairHistory:
    """The last ``history_size`` pairs (s, y)."""

    def __init__(self, history_size: int) -> None:
        self.s: deque[Tensor] = deque(maxlen=history_size)
        self.y: deque[Tensor] = deque(maxlen=history_size)

    def direction(self, grad: Tensor) -> Tensor:
        return lbfgs_direction(grad, self.s, self.y)

    def update(self, s: Tensor, y: Tensor) -> None:
        self.s.append(s)
        self.y.append(y)

    def reset(self) -> None:
        self.s.clear()
        self.y.clear()

    def is_empty(self) -> bool:
        return not self.s


def lbfgs(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    *,
    history_size: int = 10,
    max_iter: int = 1000,
    tol: float = 1e-6,
    record_points: bool = True,
) -> MinimizeResult:
    r"""Minimize ``f`` from ``x0`` with L-BFGS (Nocedal & Wright, Algorithm 7.5).

    :math:`p_k` = :func:`lbfgs_direction` from the last :math:`m` = ``history_size``
    pairs, then the strong-Wolfe line search shared with :func:`~lecture7.second_order.bfgs.bfgs`.
    Pairs with :math:`s^\top y \le \epsilon\, y^\top y` are skipped. Stops when
    :math:`\|\nabla f(x_k)\|_\infty \le` ``tol``. Same method as
    ``torch.optim.LBFGS(line_search_fn="strong_wolfe")``.

    Args:
        f: ``f(x) -> scalar tensor`` of a 1-D tensor, differentiable by autograd.
        x0: the starting point, a 1-D floating tensor (float64 recommended);
            the iterates stay on its device.
        history_size: :math:`m >= 1`, the pairs kept.
        max_iter: the most steps.
        tol: the gradient tolerance.
        record_points: keep every iterate in ``x_history``.
    """
    check_vector("x0", x0)
    history_size = check_int("history_size", history_size, minimum=1)
    return minimize_quasi_newton(
        f, x0, _PairHistory(history_size), max_iter=max_iter, tol=tol, record_points=record_points
    )
