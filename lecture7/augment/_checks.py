"""Argument checks shared by the augmentation kernels and transforms (private)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = [
    "as_padding",
    "as_pair", "check_image", "check_nonnegative", "check_range", "image_size"]


def check_image(img: object, *, name: str = "img") -> torch.Tensor:
    """Return ``img`` if it is a floating tensor shaped ``(C, H, W)`` or ``(N, C, H, W)``.

    Raises:
        TypeError: not a tensor, or not floating point (images are floats in [0, 1]).
        ValueError: the wrong number of dimensions, or an empty spatial size.
    """
    if not isinstance(img, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(img).__name__}")
    if not img.is_floating_point():
        raise TypeError(f"{name} must be a floating-point image in [0, 1], got dtype {img.dtype}")
    if img.ndim not in (3, 4):
        raise ValueError(
            f"{name} must have shape (C, H, W) or (N, C, H, W), got shape {tuple(img.shape)}"
        )
    if img.shape[-1] == 0 or img.shape[-2] == 0:
        raise ValueError(f"{name} has an empty spatial size: shape {tuple(img.shape)}")
    return img


def image_size(img: torch.Tensor) -> tuple[int, int]:
    """``(H, W)`` of an image or a batch."""
    return int(img.shape[-2]), int(img.shape[-1])


def as_pair(value: int | Sequence[int], *, name: str) -> tuple[int, int]:
    """``size`` as ``(height, width)``: an int ``s`` means ``(s, s)``; both must be positive."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a (height, width) pair, got {value!r}")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, Sequence) and len(value) == 2:
        pair = (value[0], value[1])
    else:
        raise TypeError(f"{name} must be an int or a (height, width) pair, got {value!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{name} must hold integers, got {value!r}")
    if min(pair) <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return pair


def check_nonnegative(value: float, *, name: str) -> float:
    """A finite real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_unit(value: float, *, name: str) -> float:
    """A real number in [0, 1] (a probability or a fraction)."""
    value = check_nonnegative(value, name=name)
    if value > 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return value


def check_range(
    value: Sequence[float], *, name: str, low: float = -math.inf, high: float = math.inf
) -> tuple[float, float]:
    """An interval ``(a, b)`` with ``low <= a <= b <= high``."""
    if not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be a (min, max) pair, got {value!r}")
    a, b = value
    for v in (a, b):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise TypeError(f"{name} must hold finite real numbers, got {value!r}")
    if not low <= a <= b <= high:
        raise ValueError(f"{name} must satisfy {low} <= min <= max <= {high}, got {value!r}")
    return float(a), float(b)


def as_padding(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """torchvision's padding forms as ``(left, top, right, bottom)``: int, ``(lr, tb)`` or 4 ints."""
    message = f"padding must be an int or a sequence of 2 or 4 ints, got {padding!r}"
    if isinstance(padding, bool):
        raise TypeError(message)
    if isinstance(padding, int):
        ltrb = (padding,) * 4
    elif isinstance(padding, Sequence) and len(padding) == 2:
        ltrb = (padding[0], padding[1], padding[0], padding[1])
    elif isinstance(padding, Sequence) and len(padding) == 4:
        ltrb = tuple(padding)
    else:
        raise TypeError(message)
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in ltrb):
        raise TypeError(message)
    if min(ltrb) < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return ltrb  # type: ignore[return-value]
