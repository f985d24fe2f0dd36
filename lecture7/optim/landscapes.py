r"""Two-dimensional loss landscapes that show what each optimizer is for.

Each landscape is a torch function of a ``(..., 2)`` tensor of points
:math:`(x, y)` returning the ``(...)`` losses, so the same function draws a
contour plot (evaluate it on a grid) and drives an optimizer (autograd gives the
gradient). Each knows its name, a plotting window, a suggested start point, and
its minimizers (lowest first) and saddle points where they are known.

=========================  ===========================================================
landscape                  what it shows (CS231n lecture 7)
=========================  ===========================================================
:func:`taco_shell`         steep in y, shallow in x: SGD zig-zags across, crawls along
:func:`rotated_taco_shell` the same, rotated: per-axis step sizes (AdaGrad, RMSProp,
                           Adam) no longer line up with the steep direction
:func:`saddle`             a zero gradient that is not a minimum
:func:`double_well`        a local minimum beside a lower, global one
:func:`rosenbrock`         a curved, flat-bottomed valley (Rosenbrock, 1960)
:func:`noisy`              any of these with minibatch-like noise in the gradient
=========================  ===========================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "Landscape",
    "double_well",
    "noisy",
    "rosenbrock",
    "rotated_taco_shell",
    "saddle",
    "taco_shell",
]

Point = tuple[float, float]
Window = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class Landscape:
    """A loss surface :math:`f(x, y)`; call it on a ``(..., 2)`` tensor of points.

    Attributes:
        name: for titles and legends.
        fn: the function, ``(..., 2)`` tensor -> ``(...)`` tensor.
        window: ``((x_min, x_max), (y_min, y_max))`` to plot.
        start: a start point that shows the landscape's lesson.
        minima: the minimizers where known, lowest first (``minima[0]`` is global).
        saddle_points: stationary points that are saddles, where known.
    """

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    window: Window
    start: Point
    minima: tuple[Point, ...] = ()
    saddle_points: tuple[Point, ...] = ()

    def __call__(self, xy: torch.Tensor | np.ndarray | Sequence[float]) -> torch.Tensor:
        """The loss at each point of ``xy`` (shape ``(..., 2)``; arrays become float64 tensors)."""
        if not isinstance(xy, torch.Tensor):
            xy = torch.as_tensor(np.asarray(xy, dtype=np.float64))
        if xy.ndim == 0 or xy.shape[-1] != 2:
            raise ValueError(f"{self.name}: expected points of shape (..., 2), got {tuple(xy.shape)}")
        return self.fn(xy)

    def gradient(self, xy: torch.Tensor | np.ndarray | Sequence[float]) -> torch.Tensor:
        """The gradient at each point of ``xy``, by autograd (shape ``(..., 2)``)."""
        if not isinstance(xy, torch.Tensor):
            xy = torch.as_tensor(np.asarray(xy, dtype=np.float64))
        xy = xy.detach().requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(self(xy).sum(), xy)
        return grad

    def grid(self, resolution: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x, y, z)`` NumPy arrays of shape ``(resolution, resolution)`` over the window,
        for ``plt.contour(x, y, z)``."""
        if not isinstance(resolution, int) or resolution < 2:
            raise ValueError(f"Invalid resolution: {resolution!r} (expected an integer >= 2)")
        (x0, x1), (y0, y1) = self.window
        x, y = torch.meshgrid(
            torch.linspace(x0, x1, resolution, dtype=torch.float64),
            torch.linspace(y0, y1, resolution, dtype=torch.float64),
            indexing="xy",
        )
        with torch.no_grad():
            z = self(torch.stack([x, y], dim=-1))
        return x.numpy(), y.numpy(), z.numpy()


def _positive(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"Invalid {name}: {value!r} (expected a finite number > 0)")
    return float(value)


def _rotate(point: Point, angle: float) -> Point:
    c, s = math.cos(angle), math.sin(angle)
    return (c * point[0] - s * point[1], s * point[0] + c * point[1])


def taco_shell(condition_number: float = 50.0) -> Landscape:
    r"""An ill-conditioned quadratic, :math:`f(x, y) = \tfrac12 (x^2 + \kappa y^2)`.

    :math:`\kappa` = ``condition_number`` is the ratio of the curvatures (the
    Hessian's eigenvalues are 1 and :math:`\kappa`). Gradient descent is stable only
    for a learning rate below :math:`2/\kappa`, set by the steep y axis; with a rate
    above :math:`1/\kappa` it overshoots in y every step (the zig-zag), and along the
    shallow x axis it shrinks the error only by :math:`1 - \alpha` per step.
    Minimizer: the origin.
    """
    return _quadratic(condition_number, 0.0, f"taco shell (condition number {condition_number:g})")


def rotated_taco_shell(condition_number: float = 50.0, angle: float = math.pi / 4) -> Landscape:
    r""":func:`taco_shell` rotated by ``angle`` radians (counter-clockwise), start point too.

    With :math:`R` the rotation by ``angle``, :math:`f(z) = \tfrac12 z^\top R\,
    \mathrm{diag}(1, \kappa)\, R^\top z`. Plain SGD and momentum are unaffected by a
    rotation (their path is the rotated path), but AdaGrad, RMSProp and Adam scale
    each *coordinate* separately: on the axis-aligned shell that rescales the steep
    and the shallow direction apart, here each coordinate mixes both, so the
    per-axis scaling cannot undo the ill-conditioning.
    """
    if not (isinstance(angle, int | float) and math.isfinite(angle)):
        raise ValueError(f"Invalid angle: {angle!r} (expected a finite number of radians)")
    name = f"rotated taco shell (condition number {condition_number:g}, {math.degrees(angle):g} deg)"
    return _quadratic(condition_number, float(angle), name)


def _quadratic(condition_number: float, angle: float, name: str) -> Landscape:
    kappa = _positive("condition_number", condition_number)
    if kappa < 1:
        raise ValueError(f"Invalid condition_number: {condition_number!r} (expected >= 1)")
    c, s = math.cos(angle), math.sin(angle)

    def fn(xy: torch.Tensor) -> torch.Tensor:
        # coordinates along the shallow (u) and steep (v) axes: (u, v) = R^T (x, y)
        u = c * xy[..., 0] + s * xy[..., 1]
        v = -s * xy[..., 0] + c * xy[..., 1]
        return 0.5 * (u * u + kappa * v * v)

    half_width, half_height = 10.0, 10.0 / math.sqrt(kappa) + 1.0
    corners = [_rotate((sx * half_width, sy * half_height), angle) for sx in (-1, 1) for sy in (-1, 1)]
    x_extent = max(abs(p[0]) for p in corners)
    y_extent = max(abs(p[1]) for p in corners)
    start = _rotate((-8.0, 10.0 / math.sqrt(kappa)), angle)
    return Landscape(name, fn, ((-x_extent, x_extent), (-y_extent, y_extent)), start, ((0.0, 0.0),))


def saddle() -> Landscape:
    r"""A saddle point at the origin, kept bounded below: :math:`f = x^2 + \tfrac14 y^4 - \tfrac12 y^2`.

    At (0, 0) the gradient is zero and the Hessian is diag(2, -1): a minimum along x,
    a maximum along y. Started on the line y = 0, gradient descent walks into the
    saddle and stops; anything that nudges y off zero (noise, or a start slightly
    off the line, which escapes only slowly) rolls down to a minimum at (0, ±1),
    where f = -1/4.
    """

    def fn(xy: torch.Tensor) -> torch.Tensor:
        x, y = xy[..., 0], xy[..., 1]
        return x * x + 0.25 * y**4 - 0.5 * y * y

    return Landscape("saddle", fn, ((-2.0, 2.0), (-1.6, 1.6)), (1.8, 0.01),
                     ((0.0, 1.0), (0.0, -1.0)), ((0.0, 0.0),))


def double_well() -> Landscape:
    r"""A local minimum beside a lower, global one: a tilted double well in x, a bowl in y.

    .. math:: f(x, y) = \tfrac14 x^4 - \tfrac78 x^2 + \tfrac34 x + \tfrac12 y^2

    :math:`\partial f / \partial x = x^3 - \tfrac74 x + \tfrac34 = (x + \tfrac32)(x - \tfrac12)(x - 1)`,
    so the global minimum is at (-1.5, 0) (f = -1.828125), a local minimum at (1, 0)
    (f = 0.125), and a saddle between them at (0.5, 0) (f = 0.171875). Gradient
    descent from the suggested start settles in the local minimum; momentum can
    carry it over the low barrier.
    """

    def fn(xy: torch.Tensor) -> torch.Tensor:
        x, y = xy[..., 0], xy[..., 1]
        return 0.25 * x**4 - 0.875 * x * x + 0.75 * x + 0.5 * y * y

    return Landscape("double well", fn, ((-2.5, 2.8), (-1.5, 1.5)), (2.5, 1.0),
                     ((-1.5, 0.0), (1.0, 0.0)), ((0.5, 0.0),))


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    r"""Rosenbrock's banana valley, :math:`f = (a - x)^2 + b (y - x^2)^2` (Rosenbrock, 1960).

    The minimizer is :math:`(a, a^2)` (f = 0) at the end of a long, curved, nearly
    flat valley: easy to fall into, slow to follow.
    """
    a, b = float(a), _positive("b", b)
    if not math.isfinite(a):
        raise ValueError(f"Invalid a: {a!r} (expected a finite number)")

    def fn(xy: torch.Tensor) -> torch.Tensor:
        x, y = xy[..., 0], xy[..., 1]
        return (a - x) ** 2 + b * (y - x * x) ** 2

    window = ((a - 2.5 * max(1.0, abs(a)), a + 1.5 * max(1.0, abs(a))), (-1.0, a * a + 2.0))
    return Landscape(f"Rosenbrock (a={a:g}, b={b:g})", fn, window, (a - 2.2, 1.0), ((a, a * a),))


def noisy(landscape: Landscape, *, std: float, generator: torch.Generator) -> Landscape:
    r"""``landscape`` with Gaussian noise of standard deviation ``std`` in its gradient.

    The value is unchanged (the plotted loss is the true loss); each gradient
    evaluation (each ``backward()`` through a call whose input requires grad)
    adds :math:`\mathcal N(0, \mathrm{std}^2)` noise, drawn from ``generator``, to
    each coordinate of the gradient, as a minibatch estimate would. The noise
    enters as :math:`\xi \cdot (z - \mathrm{stop\_grad}(z))`, which is zero in value
    and has gradient :math:`\xi`.
    """
    if not (isinstance(std, int | float) and math.isfinite(std) and std >= 0):
        raise ValueError(f"Invalid std: {std!r} (expected a finite number >= 0)")
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"Invalid generator: {generator!r} (expected a torch.Generator)")

    def fn(xy: torch.Tensor) -> torch.Tensor:
        value = landscape.fn(xy)
        if not xy.requires_grad:
            return value
        noise = torch.randn(xy.shape, generator=generator, dtype=xy.dtype, device=generator.device)
        noise = std * noise.to(xy.device)
        return value + (noise * (xy - xy.detach())).sum(dim=-1)

    return Landscape(f"{landscape.name}, noisy gradient (std {std:g})", fn, landscape.window,
                     landscape.start, landscape.minima, landscape.saddle_points)
