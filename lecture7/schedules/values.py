"""Tabulate a schedule: the learning rate at many steps, for plots and tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from lecture7._checks import check_int

__all__ = ["schedule_values"]


def schedule_values(
    schedule_fn: Callable[..., float], steps: int | Iterable[int], **hyperparameters: object
) -> np.ndarray:
    """``[schedule_fn(t, **hyperparameters) for t in steps]`` as a float64 array.

    Args:
        schedule_fn: a schedule such as :func:`~lecture7.schedules.cosine_decay`.
        steps: an int ``n`` for steps ``0, 1, ..., n - 1``, or the steps themselves.
        **hyperparameters: passed on to ``schedule_fn`` (``lr0=...``, ...).

    Example:
        >>> from lecture7.schedules import step_decay
        >>> schedule_values(step_decay, 4, lr0=1.0, step_size=2, gamma=0.5)
        array([1. , 1. , 0.5, 0.5])
    """
    if not callable(schedule_fn):
        raise ValueError(f"Invalid schedule_fn: {schedule_fn!r} (expected a callable)")
    if isinstance(steps, Iterable):
        steps = list(steps)
    else:
        steps = range(check_int("steps", steps, minimum=0))
    return np.array([schedule_fn(t, **hyperparameters) for t in steps], dtype=np.float64)
