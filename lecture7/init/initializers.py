r"""Weight initializers: in place on torch tensors, and NumPy samplers for the assignment.

The lecture's four choices for a layer's weights :math:`W`:

* too small, :math:`W \sim \mathcal{N}(0, 0.01^2)` (:func:`small_gaussian_`):
  activations shrink toward 0 layer after layer, and so do the gradients;
* too large, :math:`W \sim \mathcal{N}(0, 1)` (:func:`large_gaussian_`):
  tanh units saturate at :math:`\pm 1`;
* Xavier/Glorot (Glorot & Bengio, 2010), scaled by the fans (:func:`xavier_normal_`,
  :func:`xavier_uniform_`);
* Kaiming/He (He et al., 2015: https://arxiv.org/abs/1502.01852), scaled by one fan and the
  ReLU gain :math:`\sqrt 2` (:func:`kaiming_normal_`, :func:`kaiming_uniform_`).

The scales come from :mod:`lecture7.init.formulas`; the torch functions draw
with ``tensor.normal_`` / ``tensor.uniform_`` exactly as ``torch.nn.init`` does,
so with the same ``generator`` state they give the same numbers. Randomness is
passed in: a ``torch.Generator`` on the tensor's device (``None`` uses torch's
default generator), or a ``np.random.Generator`` for the NumPy samplers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType

import numpy as np
import torch

from lecture7._checks import check_real
from lecture7.init.formulas import (
    correct_fan,
    fan_in_and_fan_out,
    kaiming_bound,
    kaiming_gain,
    kaiming_std,
    xavier_bound,
    xavier_std,
)

__all__ = [
    "INITIALIZERS",
    "LARGE_STD",
    "SMALL_STD",
    "gaussian_",
    "kaiming_normal",
    "kaiming_normal_",
    "kaiming_uniform_",
    "large_gaussian_",
    "small_gaussian_",
    "xavier_normal",
    "xavier_normal_",
    "xavier_uniform_",
]

SMALL_STD = 0.01  # the lecture's "W = 0.01 * np.random.randn(D, H)"
LARGE_STD = 1.0  # the lecture's "W = np.random.randn(D, H)"


@torch.no_grad()
def _normal_(tensor: torch.Tensor, std: float, generator: torch.Generator | None) -> torch.Tensor:
    return tensor.normal_(0.0, std, generator=generator)


@torch.no_grad()
def _uniform_(tensor: torch.Tensor, bound: float, generator: torch.Generator | None) -> torch.Tensor:
    return tensor.uniform_(-bound, bound, generator=generator)


def gaussian_(
    tensor: torch.Tensor, *, std: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""Fill ``tensor`` in place with :math:`\mathcal{N}(0, \sigma^2)`, :math:`\sigma` = ``std``."""
    return _normal_(tensor, check_real("std", std, minimum=0.0, strict=True), generator)


def small_gaussian_(
    tensor: torch.Tensor, *, std: float = SMALL_STD, generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""The lecture's "too small" initialization, :math:`\mathcal{N}(0, 0.01^2)` by default."""
    return gaussian_(tensor, std=std, generator=generator)


def large_gaussian_(
    tensor: torch.Tensor, *, std: float = LARGE_STD, generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""The lecture's "too large" initialization, :math:`\mathcal{N}(0, 1)` by default."""
    return gaussian_(tensor, std=std, generator=generator)


def xavier_normal_(
    tensor: torch.Tensor, *, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""Glorot normal: :math:`\mathcal{N}(0, \sigma^2)` with :math:`\sigma` = :func:`xavier_std`."""
    return _normal_(tensor, xavier_std(*fan_in_and_fan_out(tensor.shape), gain=gain), generator)


def xavier_uniform_(
    tensor: torch.Tensor, *, gain: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Glorot uniform: :math:`U(-b, b)` with :math:`b` = :func:`xavier_bound`."""
    return _uniform_(tensor, xavier_bound(*fan_in_and_fan_out(tensor.shape), gain=gain), generator)


def kaiming_normal_(
    tensor: torch.Tensor,
    *,
    mode: str = "fan_in",
    nonlinearity: str = "relu",
    a: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""He normal: :math:`\mathcal{N}(0, \sigma^2)`, :math:`\sigma = g / \sqrt{\text{fan}}`.

    ``fan`` is ``fan_in`` or ``fan_out`` by ``mode``; ``g`` =
    ``calculate_gain(nonlinearity, a)`` with ``a`` the negative slope of a
    ``"leaky_relu"``. Convention: the default nonlinearity is ``"relu"``
    (``torch.nn.init`` defaults to ``"leaky_relu"`` with ``a=0``, the same gain).
    """
    fan = correct_fan(tensor.shape, mode)
    return _normal_(tensor, kaiming_std(fan, gain=kaiming_gain(nonlinearity, a)), generator)


def kaiming_uniform_(
    tensor: torch.Tensor,
    *,
    mode: str = "fan_in",
    nonlinearity: str = "relu",
    a: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""He uniform: :math:`U(-b, b)`, :math:`b = \sqrt{3}\, g / \sqrt{\text{fan}}`; arguments as :func:`kaiming_normal_`."""
    fan = correct_fan(tensor.shape, mode)
    return _uniform_(tensor, kaiming_bound(fan, gain=kaiming_gain(nonlinearity, a)), generator)


def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"Invalid rng: {rng!r} (expected a np.random.Generator)")


def xavier_normal(
    shape: Sequence[int], *, rng: np.random.Generator, gain: float = 1.0
) -> np.ndarray:
    """NumPy Glorot normal of ``shape`` (PyTorch layout ``(out, in, *kernel)``), drawn from ``rng``."""
    _check_rng(rng)
    std = xavier_std(*fan_in_and_fan_out(shape), gain=gain)
    return std * rng.standard_normal(tuple(shape))


def kaiming_normal(
    shape: Sequence[int],
    *,
    rng: np.random.Generator,
    mode: str = "fan_in",
    nonlinearity: str = "relu",
    a: float = 0.0,
) -> np.ndarray:
    """NumPy He normal of ``shape`` (PyTorch layout ``(out, in, *kernel)``), drawn from ``rng``.

    For a CS231n-style weight used as ``x @ W`` of shape ``(in, out)``, draw
    ``kaiming_normal((out, in), rng=rng).T``.
    """
    _check_rng(rng)
    std = kaiming_std(correct_fan(shape, mode), gain=kaiming_gain(nonlinearity, a))
    return std * rng.standard_normal(tuple(shape))


Initializer = Callable[..., torch.Tensor]

#: The lecture's initializers by name; each is called as ``init_(tensor, generator=g)``.
INITIALIZERS: MappingProxyType[str, Initializer] = MappingProxyType(
    {
        "small": small_gaussian_,
        "large": large_gaussian_,
        "xavier": xavier_normal_,
        "xavier_uniform": xavier_uniform_,
        "kaiming": kaiming_normal_,
        "kaiming_uniform": kaiming_uniform_,
    }
)
