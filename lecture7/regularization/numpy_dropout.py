r"""Dropout as a CS231n layer in NumPy: ``dropout_forward`` / ``dropout_backward``.

In each training forward pass every unit of ``x`` is zeroed with probability
:math:`p` = ``p_drop``, independently and afresh, and the survivors are scaled so
that the expected output matches the test-time output (inverted dropout divides
by :math:`q = 1 - p` at training time; vanilla dropout multiplies by :math:`q` at
test time); see :mod:`lecture7.regularization.kernels`.

Reference: Srivastava et al., 2014, "Dropout: a simple way to prevent neural
networks from overfitting", JMLR 15.

Convention: the probability is ``p_drop``, the probability of *dropping*. (The
CS231n assignment's ``dropout_param["p"]`` is the probability of *keeping*;
``keep_prob`` here.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lecture7.regularization.kernels import check_p_drop, dropout_kernel

__all__ = ["DROPOUT_MODES", "DropoutCache", "dropout_backward", "dropout_forward"]

DROPOUT_MODES = ("train", "test")


class DropoutCache(NamedTuple):
    """What the backward pass needs.

    Attributes:
        mask: boolean keep mask of ``x``'s shape (``True`` = kept); ``None`` in test mode.
        keep_prob: :math:`q = 1 - p_{drop}`.
        mode: ``"train"`` or ``"test"``.
        inverted: whether the scaling is applied at training time.
    """

    mask: np.ndarray | None
    keep_prob: float
    mode: str
    inverted: bool


def dropout_forward(
    x: np.ndarray,
    *,
    p_drop: float,
    mode: str = "train",
    rng: np.random.Generator | None = None,
    inverted: bool = True,
) -> tuple[np.ndarray, DropoutCache]:
    r"""Forward pass of dropout on ``x`` (any shape).

    Args:
        x: the input.
        p_drop: probability :math:`p \in [0, 1)` of zeroing each unit.
        mode: ``"train"`` draws a mask; ``"test"`` averages the randomness out.
        rng: draws the mask, ``mask = rng.random(x.shape) < 1 - p_drop``; required in train mode.
        inverted: scale by :math:`1/q` at training time (default), else by :math:`q` at test time.

    Returns:
        ``(out, cache)`` for :func:`dropout_backward`.
    """
    keep_prob = check_p_drop(p_drop)
    if mode not in DROPOUT_MODES:
        raise ValueError(f"Invalid mode: {mode!r} (expected one of {DROPOUT_MODES})")
    mask = None
    if mode == "train":
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"Invalid rng: {rng!r} (train mode needs a np.random.Generator)")
        mask = rng.random(np.shape(x)) < keep_prob
    out = dropout_kernel(x, mask, keep_prob=keep_prob, training=mode == "train", inverted=inverted)
    return out, DropoutCache(mask, keep_prob, mode, inverted)


def dropout_backward(dout: np.ndarray, cache: DropoutCache) -> np.ndarray:
    r"""Backward pass: :math:`\partial L/\partial x` from ``dout`` = :math:`\partial L/\partial\,\text{out}`.

    Dropout multiplies each unit by a constant (``mask / q``, ``mask``, ``q`` or 1),
    so the gradient is ``dout`` times that same constant.
    """
    mask, keep_prob, mode, inverted = cache
    if mask is not None and np.shape(dout) != mask.shape:
        raise ValueError(f"Invalid dout: shape {np.shape(dout)} does not match the mask's {mask.shape}")
    return dropout_kernel(dout, mask, keep_prob=keep_prob, training=mode == "train", inverted=inverted)
