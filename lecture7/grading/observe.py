"""Observe what a student's code computed, as plain data, in one vocabulary.

A check's ``run`` calls the student's code and returns an *observation*: a dict of
plain data (:mod:`lecture7.grading.wire`). This module is the one place that turns
what student code returns into such data, with ``TypeError`` messages that name the
output ("next_w is a str, not an array of numbers"), and that records what the code
did to its inputs. Three words have a fixed meaning in every observation:

* a **returned** value is graded: ``next_w``, ``out``, ``the step``...;
* :data:`MODIFIED` (``"inputs modified in place"``) lists the caller's inputs that the
  code changed (``"none"``); the checks judge it as a sub-check of its own, for the
  functions whose callers still need their inputs;
* :data:`NOTES` holds one-line notes on what was accepted although the reference does
  it differently ("config was updated in place and returned, as CS231n's template
  does"): shown in the feedback, never graded.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from lecture7.device import default_device

__all__ = ["MODIFIED", "NONE", "NOTES", "array", "changed", "device_dtype", "gradient",
           "modified", "note", "number", "pair", "returned", "snapshot", "tensor"]

MODIFIED = "inputs modified in place"
NOTES = "notes"
NONE = "none"


def array(x: Any, what: str) -> np.ndarray:
    """``x`` (an array, a tensor on any device, a list or a number) as a float64 array."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if x is None or isinstance(x, str | bytes | dict):
        raise TypeError(f"{what} is {_a(x)}, not an array of numbers")
    try:
        return np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is {_a(x)}, not an array of numbers") from None


def number(x: Any, what: str) -> float:
    """``x`` (a Python/NumPy number or a 0-d tensor on any device) as a float."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
    if x is None or isinstance(x, str | bytes):
        raise TypeError(f"{what} is {_a(x)}, not a number")
    try:
        value = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is {_a(x)}, not a number") from None
    if value.shape != ():
        raise TypeError(f"{what} has shape {value.shape}; expected a single number")
    return float(value)


def pair(result: Any, function: str, names: tuple[str, str]) -> tuple[Any, Any]:
    """The two values a function returns as a tuple (or list) of two."""
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(f"{function} returned {_a(result)}; expected a pair "
                        f"({names[0]}, {names[1]})")
    return result[0], result[1]


def _a(x: Any) -> str:
    return "None" if x is None else f"a {type(x).__name__}"


# -- torch inputs ---------------------------------------------------------------------------


def device_dtype(float32: bool = False) -> tuple[torch.device, torch.dtype]:
    """Where checks make their tensors: :func:`lecture7.default_device`, float64
    (float32 on request, and on Apple's MPS, which has no float64)."""
    device = default_device()
    return device, torch.float32 if float32 or device.type == "mps" else torch.float64


def tensor(a: Any, *, float32: bool = False, grad: bool = False) -> torch.Tensor:
    """``a`` as a tensor on the default device (see :func:`device_dtype`)."""
    device, dtype = device_dtype(float32)
    t = torch.tensor(np.asarray(a), dtype=dtype, device=device)
    return t.requires_grad_() if grad else t


def gradient(t: torch.Tensor) -> np.ndarray:
    """``t.grad`` as NumPy; zeros when autograd left it empty (the tensor was not used)."""
    if t.grad is None:
        return np.zeros(tuple(t.shape))
    return t.grad.detach().cpu().numpy().astype(np.float64)


def returned(value: Any, like: Any) -> str:
    """What kind of value came back, relative to the input ``like`` (a tensor or an array):
    ``"a torch tensor on the input's device"``, ``"a NumPy array"``, or what it is instead."""
    if isinstance(value, torch.Tensor):
        where = getattr(like, "device", None)
        if where is None or value.device == where:
            return "a torch tensor on the input's device"
        return f"a torch tensor on {value.device}, not on the input's device {where}"
    if isinstance(value, np.ndarray):
        return "a NumPy array"
    return _a(value)


# -- inputs modified in place -----------------------------------------------------------------


def snapshot(value: Any) -> Any:
    """A deep copy of inputs (arrays, tensors, dicts, lists) to compare with afterwards."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return copy.deepcopy(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                and a.shape == b.shape and bool(torch.equal(a.detach(), b.detach())))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f")))
    try:
        return bool(a == b)
    except Exception:
        return False


def changed(names: Sequence[str], before: Sequence[Any], after: Sequence[Any]) -> list[str]:
    """The inputs (by name) whose value changed; dicts are compared key by key
    (``config['m']``, ``config['t'] (added)``)."""
    out = []
    for name, old, new in zip(names, before, after, strict=True):
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            for key in sorted(set(old) | set(new), key=str):
                if key not in new:
                    out.append(f"{name}[{key!r}] (removed)")
                elif key not in old:
                    out.append(f"{name}[{key!r}] (added)")
                elif not _same(old[key], new[key]):
                    out.append(f"{name}[{key!r}]")
        elif not _same(old, new):
            out.append(name)
    return out


def modified(names: Sequence[str], before: Sequence[Any], after: Sequence[Any]) -> str:
    """:func:`changed` as the value of :data:`MODIFIED`: ``"w, dw"`` or ``"none"``."""
    return ", ".join(changed(names, before, after)) or NONE


def note(observation: dict, text: str) -> None:
    """Add a note (once) to ``observation[NOTES]``."""
    notes = observation.setdefault(NOTES, [])
    if text not in notes:
        notes.append(text)
