"""Run any optimizer of the chapter on a 2-D landscape and record its path.

:func:`run_trajectory` accepts the three kinds of optimizer the course has:

* a CS231n rule by name (``"sgd"``, ``"sgd_momentum"``, ``"nesterov_momentum"``,
  ``"adagrad"``, ``"rmsprop"``, ``"adam"``) or as a function
  ``rule(w, dw, config) -> (next_w, config)`` (a student's own, too), with its
  config keys as hyperparameters (``learning_rate=0.1, momentum=0.9``);
* a ``torch.optim.Optimizer`` class (lecture7's or torch's), with its constructor
  arguments as hyperparameters (``lr=0.1, momentum=0.9``).

Both paths compute the gradient the same way (autograd, float64), so a rule and a
class that implement the same update give the same trajectory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from lecture7.optim.landscapes import Landscape
from lecture7.optim.rules import RULES

__all__ = ["Trajectory", "best_trajectory", "distance_to", "run_trajectory"]

Rule = Callable[[np.ndarray, np.ndarray, Any], tuple[np.ndarray, Any]]


class Trajectory(NamedTuple):
    """An optimizer's path: ``points`` (steps + 1, 2), and ``losses`` (steps + 1,) at those points."""

    points: np.ndarray
    losses: np.ndarray


def _loss_and_gradient(landscape: Landscape, w: np.ndarray) -> tuple[float, np.ndarray]:
    xy = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    loss = landscape(xy)
    loss.backward()
    return loss.item(), xy.grad.numpy()


def _loss(landscape: Landscape, w: np.ndarray | torch.Tensor) -> float:
    with torch.no_grad():
        return landscape(torch.as_tensor(w, dtype=torch.float64)).item()


def run_trajectory(
    landscape: Landscape,
    optimizer: str | Rule | type[torch.optim.Optimizer],
    *,
    start: Sequence[float] | None = None,
    steps: int,
    **hyperparameters: Any,
) -> Trajectory:
    """Run ``optimizer`` for ``steps`` steps on ``landscape`` from ``start``.

    Args:
        landscape: a :class:`~lecture7.optim.landscapes.Landscape`.
        optimizer: a rule name, a rule function, or an ``Optimizer`` subclass (see above).
        start: the first point ``(x, y)``; default ``landscape.start``.
        steps: the number of updates (>= 0).
        **hyperparameters: the rule's config entries, or the class's keyword arguments.

    Returns:
        a :class:`Trajectory` whose ``points[k]`` is the point after k steps and
        ``losses[k]`` the (noise-free) loss there.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"Invalid steps: {steps!r} (expected an integer >= 0)")
    start = landscape.start if start is None else start
    w = np.array(start, dtype=np.float64)
    if w.shape != (2,) or not np.isfinite(w).all():
        raise ValueError(f"Invalid start: {start!r} (expected two finite numbers)")
    if isinstance(optimizer, str):
        if optimizer not in RULES:
            raise ValueError(f"Unknown rule {optimizer!r}; known rules: {sorted(RULES)}")
        optimizer = RULES[optimizer]
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return _run_class(landscape, optimizer, w, steps, hyperparameters)
    if callable(optimizer):
        return _run_rule(landscape, optimizer, w, steps, hyperparameters)
    raise ValueError(
        f"Invalid optimizer: {optimizer!r} (expected a rule name, a rule function "
        "or a torch.optim.Optimizer subclass)"
    )


def _run_rule(landscape: Landscape, rule: Rule, w: np.ndarray, steps: int,
              hyperparameters: dict[str, Any]) -> Trajectory:
    points, losses = [w], []
    config = dict(hyperparameters) if hyperparameters else None
    for _ in range(steps):
        loss, grad = _loss_and_gradient(landscape, w)
        losses.append(loss)
        w, config = rule(w, grad, config)
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (2,):
            name = getattr(rule, "__name__", repr(rule))
            raise ValueError(f"{name} returned next_w of shape {w.shape}, expected (2,)")
        points.append(w)
    losses.append(_loss(landscape, w))
    return Trajectory(np.stack(points), np.array(losses))


def _run_class(landscape: Landscape, cls: type[torch.optim.Optimizer], w: np.ndarray, steps: int,
               hyperparameters: dict[str, Any]) -> Trajectory:
    p = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    optimizer = cls([p], **hyperparameters)
    points, losses = [w], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = landscape(p)
        loss.backward()
        losses.append(loss.item())
        optimizer.step()
        points.append(p.detach().numpy().copy())
    losses.append(_loss(landscape, p.detach()))
    return Trajectory(np.stack(points), np.array(losses))


def distance_to(trajectory: Trajectory, point: Sequence[float]) -> np.ndarray:
    """Euclidean distance of each point of ``trajectory`` to ``point`` (e.g. a minimizer)."""
    return np.hypot(*(trajectory.points - np.asarray(point, dtype=np.float64)).T)


def best_trajectory(
    landscape: Landscape,
    optimizer: str | Rule | type[torch.optim.Optimizer],
    learning_rates: Sequence[float],
    *,
    steps: int,
    **hyperparameters: Any,
) -> tuple[float, Trajectory]:
    """Run ``optimizer`` at every rate of ``learning_rates``; the ``(rate, path)`` whose
    final loss is lowest (a rate that diverges, to a loss that is not finite, loses).

    The rate is ``learning_rate`` for a rule and ``lr`` for a class, as in
    :func:`run_trajectory`. Comparing optimizers each at its own best rate is the only
    fair comparison: at one shared rate, one of them is simply better tuned.
    """
    key = "lr" if isinstance(optimizer, type) else "learning_rate"
    best: tuple[float, float, Trajectory] | None = None
    with np.errstate(over="ignore", invalid="ignore"):  # diverging runs overflow; they lose
        for lr in learning_rates:
            path = run_trajectory(landscape, optimizer, steps=steps, **{key: float(lr)},
                                  **hyperparameters)
            final = path.losses[-1] if np.isfinite(path.losses[-1]) else np.inf
            if best is None or final < best[0]:
                best = (final, float(lr), path)
    if best is None:
        raise ValueError("learning_rates is empty")
    return best[1], best[2]
