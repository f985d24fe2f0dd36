"""Compare what a student's code produced with what was expected, and say where it differs.

An *observation* is plain data (see :mod:`lecture7.grading.wire`): nested dicts
and lists of arrays, numbers, strings, booleans. :func:`compare` walks the
expected observation and reports every place where the actual one differs, as a
:class:`Mismatch` whose message a student can act on: which output (``next_w``,
``config['m']``, ``step 3: params[1]``), the largest error and its index, the
expected and actual values there. NaN equals NaN (so a broken variant that
produces NaN can be recognised); a NaN where a number is expected is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Mismatch", "compare", "describe"]


@dataclass(frozen=True)
class Mismatch:
    """One difference: ``path`` names the output, ``message`` says how it differs."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def describe(value: Any, limit: int = 60) -> str:
    """A short human description of a value (for messages)."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            text = np.array2string(value, precision=4, separator=", ")
        else:
            text = f"array of shape {value.shape}"
        return text if len(text) <= limit else f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _numeric(value: Any) -> np.ndarray | None:
    """``value`` as a float array, or None when it is not numeric data."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.astype(np.float64)
    if isinstance(value, bool | int | float) and not isinstance(value, str):
        return np.asarray(float(value))
    return None


def _format_index(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else str(tuple(int(i) for i in index))


def _compare_arrays(path: str, expected: np.ndarray, actual: Any, rtol: float, atol: float):
    got = _numeric(actual)
    if got is None:
        kind = "an array" if expected.ndim else "a number"
        return [Mismatch(path, f"expected {kind}, got {describe(actual)}")]
    if got.shape != expected.shape:
        return [Mismatch(path, f"has shape {got.shape}, expected shape {expected.shape}")]
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return []
    with np.errstate(invalid="ignore"):
        error = np.abs(got - expected)
    error = np.where(np.isnan(error), np.inf, error)
    error = np.where(close, -1.0, error)
    flat = int(np.argmax(error))
    index = np.unravel_index(flat, expected.shape)
    e, a = expected[index], got[index]
    if expected.ndim == 0 and np.isfinite(a):
        return [Mismatch(path, f"expected {e:.6g}, got {a:.6g}")]
    where = f" at index {_format_index(index)}" if expected.ndim else ""
    wrong = int((~close).sum())
    count = f" ({wrong} of {expected.size} entries differ)" if expected.size > 1 else ""
    if not np.isfinite(a) and np.isfinite(e):
        return [Mismatch(path, f"got {a}{where} where {e:.6g} was expected{count}")]
    return [Mismatch(path, f"largest error {abs(a - e):.3g}{where}: expected {e:.6g}, "
                           f"got {a:.6g}{count}")]


def compare(expected: Any, actual: Any, *, rtol: float, atol: float, path: str = "") -> list[Mismatch]:
    """Every difference between two observations; ``[]`` when they agree.

    Numbers and arrays agree within ``atol + rtol * |expected|``; dict keys are
    driven by ``expected`` (extra keys in ``actual`` are ignored); lists must have
    the same length; strings, booleans and None must be equal.
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Mismatch(path, f"expected a dict, got {describe(actual)}")]
        out = []
        for key, value in expected.items():
            sub = f"{path}[{key!r}]" if path else key
            if key not in actual:
                out.append(Mismatch(sub, "is missing"))
            else:
                out.extend(compare(value, actual[key], rtol=rtol, atol=atol, path=sub))
        return out
    if isinstance(expected, list | tuple):
        if not isinstance(actual, list | tuple):
            return [Mismatch(path, f"expected a list, got {describe(actual)}")]
        if len(actual) != len(expected):
            return [Mismatch(path, f"has {len(actual)} entries, expected {len(expected)}"
                                   f" ({describe(list(expected))}, got {describe(list(actual))})")]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out.extend(compare(e, a, rtol=rtol, atol=atol, path=f"{path}[{i}]"))
        return out
    if expected is None or isinstance(expected, str | bool):
        if type(actual) is not type(expected) or actual != expected:
            return [Mismatch(path, f"expected {describe(expected, 200)}, "
                                   f"got {describe(actual, 200)}")]
        return []
    numeric = _numeric(expected)
    if numeric is None:
        raise TypeError(f"cannot compare expected values of type {type(expected).__name__}")
    return _compare_arrays(path, numeric, actual, rtol, atol)
