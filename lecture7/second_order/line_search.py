r"""A line search for the strong Wolfe conditions, shared by BFGS and L-BFGS.

Along a descent direction :math:`p` from :math:`x`, let
:math:`\phi(\alpha) = f(x + \alpha p)`. A step :math:`\alpha > 0` satisfies the
strong Wolfe conditions with :math:`0 < c_1 < c_2 < 1` (the arguments ``c1``,
``c2``) when

.. math::
    \phi(\alpha) \le \phi(0) + c_1 \alpha \phi'(0)
    \quad\text{(sufficient decrease)}, \qquad
    |\phi'(\alpha)| \le c_2 |\phi'(0)| \quad\text{(curvature)}.

The second condition guarantees :math:`s^\top y > 0` for
:math:`s = \alpha p`, :math:`y = \nabla f(x + s) - \nabla f(x)`, which keeps
the BFGS inverse Hessian positive definite. Nocedal & Wright, Numerical
Optimization, 2nd ed., Algorithms 3.5 (bracketing) and 3.6 (zoom), with the
cubic interpolation of their eq. 3.59, safeguarded as in ``torch.optim.LBFGS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from torch import Tensor

from lecture7._checks import check_int, check_real
from lecture7.second_order._common import Objective, check_vector

__all__ = ["LineSearchResult", "wolfe_line_search"]


class LineSearchResult(NamedTuple):
    """``step`` :math:`\\alpha`, ``fun`` :math:`\\phi(\\alpha)`, ``grad``
    :math:`\\nabla f(x + \\alpha p)`, ``n_fev`` evaluations made, and ``success``
    (both Wolfe conditions hold). On failure the step is the best one found that
    satisfies sufficient decrease (0 if none)."""

    step: float
    fun: float
    grad: Tensor
    n_fev: int
    success: bool


class _Point(NamedTuple):
    step: float  # alpha
    fun: float  # phi(alpha)
    slope: float  # phi'(alpha) = grad . p
    grad: Tensor


def _cubic_minimizer(a: _Point, b: _Point, low: float, high: float) -> float:
    """Minimizer of the cubic through ``a`` and ``b`` (values and slopes), clipped to [low, high].

    Nocedal & Wright eq. 3.59; the midpoint of [low, high] when the cubic has no
    minimizer or the data are not finite.
    """
    d1 = a.slope + b.slope - 3 * (a.fun - b.fun) / (a.step - b.step)
    radicand = d1 * d1 - a.slope * b.slope
    if not math.isfinite(radicand) or radicand < 0:
        return (low + high) / 2
    d2 = math.copysign(math.sqrt(radicand), b.step - a.step)
    denominator = b.slope - a.slope + 2 * d2
    if denominator == 0:
        return (low + high) / 2
    step = b.step - (b.step - a.step) * (b.slope + d2 - d1) / denominator
    return min(max(step, low), high)


def wolfe_line_search(
    f: Callable[[Tensor], Tensor],
    x: Tensor,
    direction: Tensor,
    *,
    fun0: float | None = None,
    grad0: Tensor | None = None,
    step0: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_iter: int = 30,
) -> LineSearchResult:
    r"""Find a step along ``direction`` that satisfies the strong Wolfe conditions.

    Args:
        f: the objective, ``f(x) -> scalar tensor`` (its gradient comes from autograd).
        x: the current point, a 1-D tensor.
        direction: :math:`p`, a descent direction (:math:`\nabla f(x)^\top p < 0`).
        fun0, grad0: :math:`f(x)` and :math:`\nabla f(x)` if already known.
        step0: the first trial step :math:`\alpha_1` (1 for quasi-Newton directions).
        c1, c2: the Wolfe constants, :math:`0 < c_1 < c_2 < 1`; 0.9 suits
            quasi-Newton methods, 0.1 nonlinear conjugate gradients.
        max_iter: the most evaluations of :math:`f` to spend.

    Raises:
        ValueError: bad arguments, or ``direction`` is not a descent direction.
    """
    objective = f if isinstance(f, Objective) else Objective(f)
    x = check_vector("x", x)
    direction = check_vector("direction", direction)
    if direction.shape != x.shape:
        raise ValueError(
            f"Invalid direction: shape {tuple(direction.shape)} differs from x's {tuple(x.shape)}"
        )
    step0 = check_real("step0", step0, minimum=0.0, strict=True)
    c1 = check_real("c1", c1, minimum=0.0, strict=True)
    c2 = check_real("c2", c2, minimum=0.0, strict=True)
    if not c1 < c2 < 1:
        raise ValueError(f"Invalid c1, c2: {c1}, {c2} (expected 0 < c1 < c2 < 1)")
    max_iter = check_int("max_iter", max_iter, minimum=1)
    start = objective.n_fev
    if fun0 is None or grad0 is None:
        fun0, grad0 = objective(x)
    budget_start = objective.n_fev  # max_iter counts trial steps only
    slope0 = float(grad0.dot(direction))
    if not slope0 < 0:
        raise ValueError(
            f"Invalid direction: not a descent direction (grad . direction = {slope0:.6g})"
        )

    def evaluate(step: float) -> _Point:
        fun, grad = objective(x + step * direction)
        return _Point(step, fun, float(grad.dot(direction)), grad)

    def armijo(p: _Point) -> bool:
        return p.fun <= fun0 + c1 * p.step * slope0

    def curvature(p: _Point) -> bool:
        return abs(p.slope) <= -c2 * slope0

    def done(p: _Point, success: bool) -> LineSearchResult:
        return LineSearchResult(p.step, p.fun, p.grad, objective.n_fev - start, success)

    # 1) bracketing (Algorithm 3.5): grow the step until an interval holds a Wolfe point
    previous = _Point(0.0, fun0, slope0, grad0)
    point = evaluate(step0)
    lo = hi = None
    for i in range(max_iter):
        if not armijo(point) or (i > 0 and point.fun >= previous.fun):
            lo, hi = previous, point
            break
        if curvature(point):
            return done(point, True)
        if point.slope >= 0:
            lo, hi = point, previous
            break
        if i + 1 == max_iter:
            return done(point, False)
        gap = point.step - previous.step
        trial = _cubic_minimizer(previous, point, point.step + 0.01 * gap, 10 * point.step)
        previous, point = point, evaluate(trial)

    # 2) zoom (Algorithm 3.6): shrink [lo, hi]; lo always satisfies sufficient decrease
    for _ in range(max_iter - (objective.n_fev - budget_start)):
        low, high = sorted((lo.step, hi.step))
        margin = 0.1 * (high - low)  # keep trials away from the ends
        if margin <= 1e-16 * max(high, 1.0):
            break
        point = evaluate(_cubic_minimizer(lo, hi, low + margin, high - margin))
        if not armijo(point) or point.fun >= lo.fun:
            hi = point
            continue
        if curvature(point):
            return done(point, True)
        if point.slope * (hi.step - lo.step) >= 0:
            hi = lo
        lo = point
    return done(lo, False)
