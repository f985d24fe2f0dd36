"""The few array functions the kernels need that are not Python operators.

The update kernels in :mod:`lecture7.optim.kernels` are written with ``+``, ``-``,
``*`` and ``/``, which NumPy arrays and torch tensors both overload, so one
function body serves both libraries (and every torch device). Only three
operations have no operator: the square root, the elementwise maximum
(AMSGrad), and creating zeros for a fresh state. Each one here looks at its
argument and calls NumPy's or torch's version; nothing else is dispatched.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import torch

__all__ = ["Array", "is_tensor", "maximum", "sqrt", "zeros_like"]

#: What a kernel accepts: a NumPy array or a torch tensor (on any device).
Array: TypeAlias = np.ndarray | torch.Tensor


def is_tensor(x: object) -> bool:
    """True for a torch tensor, False for anything else (a NumPy array)."""
    return isinstance(x, torch.Tensor)


def sqrt(x: Array) -> Array:
    """Elementwise square root: ``torch.sqrt`` for tensors, ``np.sqrt`` for arrays."""
    return torch.sqrt(x) if is_tensor(x) else np.sqrt(x)


def maximum(a: Array, b: Array) -> Array:
    """Elementwise maximum: ``torch.maximum`` for tensors, ``np.maximum`` for arrays."""
    return torch.maximum(a, b) if is_tensor(a) else np.maximum(a, b)


def zeros_like(x: Array) -> Array:
    """Zeros with the shape, dtype and device of ``x`` (a fresh optimizer state)."""
    return torch.zeros_like(x) if is_tensor(x) else np.zeros_like(x)
