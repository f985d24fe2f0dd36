"""Turning what a student's function returned into plain data for comparison.

Conversions raise ``TypeError`` with a message naming the output, which the
check reports to the student ("the std is a str, not a number").
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["number"]


def number(x: Any, what: str) -> float:
    """``x`` (a Python/NumPy number or a 0-d tensor on any device) as a float."""
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu()
    try:
        value = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is a {type(x).__name__}, not a number") from None
    if value.shape != ():
        raise TypeError(f"{what} has shape {value.shape}; expected a single number")
    return float(value)
