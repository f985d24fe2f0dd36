"""What Newton, BFGS and L-BFGS share: the objective, argument checks, the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from lecture7._checks import check_int, check_real

__all__ = [
    "MinimizeResult",
    "Objective",
    "Trace",
    "check_loop_args",
    "check_scalar_output",
    "check_vector",
    "grad_norm",
]


class MinimizeResult(NamedTuple):
    r"""What a minimizer returns.

    Attributes:
        x: the last iterate :math:`x_k` (same dtype and device as ``x0``).
        fun: :math:`f(x_k)`.
        grad_norm: :math:`\|\nabla f(x_k)\|_\infty`, the largest gradient entry
            (the test of scipy's BFGS ``gtol`` and of ``torch.optim.LBFGS``).
        n_iter: :math:`k`, the number of steps taken.
        n_fev: evaluations of :math:`f` and its gradient (Newton's Hessians,
            one per step, are not counted).
        converged: whether ``grad_norm <= tol``.
        fun_history: :math:`f(x_0), \dots, f(x_k)`, ``n_iter + 1`` floats.
        x_history: :math:`x_0, \dots, x_k` stacked, shape ``(n_iter + 1, n)``,
            or ``None`` when called with ``record_points=False``.
    """

    x: Tensor
    fun: float
    grad_norm: float
    n_iter: int
    n_fev: int
    converged: bool
    fun_history: list[float]
    x_history: Tensor | None


def check_vector(name: str, x: object) -> Tensor:
    """``x`` detached: it must be a 1-D floating-point tensor with at least one entry."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Invalid {name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.ndim != 1 or x.numel() == 0:
        raise ValueError(
            f"Invalid {name}: expected a non-empty 1-D tensor (a flat parameter vector), "
            f"got shape {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise ValueError(f"Invalid {name}: expected a floating-point tensor, got dtype {x.dtype}")
    return x.detach()


def check_scalar_output(value: object) -> Tensor:
    """``f(x)`` must be a tensor with one element."""
    if not isinstance(value, Tensor) or value.numel() != 1:
        shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
        raise ValueError(f"Invalid f: f(x) must return a scalar tensor, got {shape}")
    return value.reshape(())


def check_loop_args(max_iter: object, tol: object) -> tuple[int, float]:
    return check_int("max_iter", max_iter, minimum=0), check_real("tol", tol, minimum=0.0)


def grad_norm(grad: Tensor) -> float:
    r""":math:`\|g\|_\infty`."""
    return float(grad.abs().max())


class Objective:
    """``f`` with its gradient by autograd, counting the evaluations."""

    def __init__(self, f: Callable[[Tensor], Tensor]) -> None:
        if not callable(f):
            raise ValueError(f"Invalid f: {f!r} (expected a callable)")
        self.f = f
        self.n_fev = 0

    def __call__(self, x: Tensor) -> tuple[float, Tensor]:
        """``(f(x), grad f(x))``; a non-finite value is returned as ``inf``."""
        x = x.detach().requires_grad_(True)
        with torch.enable_grad():
            value = check_scalar_output(self.f(x))
            if value.requires_grad:
                (grad,) = torch.autograd.grad(value, x, allow_unused=True)
            else:
                grad = None
        self.n_fev += 1
        grad = torch.zeros_like(x) if grad is None else grad
        number = float(value.detach())
        return (number if number == number else float("inf")), grad.detach()


class Trace:
    """The iterates' losses (and points) for plotting, and the final result."""

    def __init__(self, x: Tensor, fun: float, *, record_points: bool) -> None:
        self.funs = [fun]
        self.points = [x] if record_points else None

    def append(self, x: Tensor, fun: float) -> None:
        self.funs.append(fun)
        if self.points is not None:
            self.points.append(x)

    def result(self, x: Tensor, fun: float, grad: Tensor, n_fev: int, tol: float) -> MinimizeResult:
        norm = grad_norm(grad)
        points = None if self.points is None else torch.stack(self.points)
        return MinimizeResult(
            x, fun, norm, len(self.funs) - 1, n_fev, norm <= tol, self.funs, points
        )
