"""Argument checks shared across lecture7 (schedules, second-order methods, ...).

Each check returns the value converted to a plain Python ``int`` or ``float``,
or raises ``ValueError`` with a message that names the argument and the bad value.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["check_int", "check_real"]


def check_int(name: str, value: object, *, minimum: int) -> int:
    """``value`` as an ``int``; it must be an integer (not a bool) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"Invalid {name}: {value!r} (expected an integer >= {minimum})")
    if value < minimum:
        raise ValueError(f"Invalid {name}: {value} (expected an integer >= {minimum})")
    return int(value)


def check_real(
    name: str, value: object, *, minimum: float = -math.inf, strict: bool = False
) -> float:
    """``value`` as a finite ``float``, ``>= minimum`` (``> minimum`` when ``strict``)."""
    relation = ">" if strict else ">="
    expected = f"expected a finite number {relation} {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Invalid {name}: {value!r} ({expected})")
    number = float(value)
    if not math.isfinite(number) or number < minimum or (strict and number == minimum):
        raise ValueError(f"Invalid {name}: {value!r} ({expected})")
    return number
