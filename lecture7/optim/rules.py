"""The CS231n update rules: ``rule(w, dw, config=None) -> (next_w, config)``.

These are the functions of the CS231n assignments' ``optim.py``, as thin front
ends over :mod:`lecture7.optim.kernels`. ``w`` and ``dw`` are NumPy arrays (torch
tensors work too: the kernels run on either). ``config`` holds the
hyperparameters and the optimizer's state between calls:

=====================  =====================================================
rule                   config keys (defaults)
=====================  =====================================================
``sgd``                learning_rate (1e-2)
``sgd_momentum``       learning_rate (1e-2), momentum (0.9), velocity (zeros)
``nesterov_momentum``  learning_rate (1e-2), momentum (0.9), velocity (zeros)
``adagrad``            learning_rate (1e-2), epsilon (1e-8), cache (zeros)
``rmsprop``            learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8),
                       cache (zeros)
``adam``               learning_rate (1e-3), beta1 (0.9), beta2 (0.999),
                       epsilon (1e-8), m, v (zeros), t (0)
=====================  =====================================================

Unlike CS231n's versions, nothing passed in is modified: each call returns a new
config dict (all keys filled in) with new state arrays (the kernels compute out of
place; a fresh state starts as zeros in the floating-point dtype that arithmetic
with ``w`` and ``dw`` gives). A key the rule does not know (a typo such as
``learning_rte``) raises ``ValueError`` instead of silently falling back to the
default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch

from lecture7.optim.adaptive import (
    AdagradState,
    AdamState,
    RMSpropState,
    adagrad_update,
    adam_update,
    rmsprop_update,
)
from lecture7.optim.arrays import Array, is_tensor, zeros_like
from lecture7.optim.kernels import (
    MomentumState,
    momentum_update,
    nesterov_update,
    sgd_update,
)

__all__ = [
    "RULES",
    "adagrad",
    "adam",
    "nesterov_momentum",
    "rmsprop",
    "sgd",
    "sgd_momentum",
]

Config = dict[str, Any]

# key -> (low, high, high_inclusive, description); low is always inclusive.
_RANGES: dict[str, tuple[float, float, bool, str]] = {
    "learning_rate": (0.0, math.inf, False, "a finite number >= 0"),
    "momentum": (0.0, 1.0, False, "0 <= momentum < 1"),
    "decay_rate": (0.0, 1.0, False, "0 <= decay_rate < 1"),
    "epsilon": (0.0, math.inf, False, "a finite number >= 0"),
    "beta1": (0.0, 1.0, False, "0 <= beta1 < 1"),
    "beta2": (0.0, 1.0, False, "0 <= beta2 < 1"),
}


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray | torch.Tensor)


def _check_arrays(w: Array, dw: Array) -> None:
    for name, x in (("w", w), ("dw", dw)):
        if not _is_array(x):
            raise ValueError(f"{name} must be a NumPy array or a torch tensor, got {type(x).__name__}")
    if is_tensor(w) != is_tensor(dw):
        raise ValueError(
            f"w and dw must both be NumPy arrays or both torch tensors, "
            f"got {type(w).__name__} and {type(dw).__name__}"
        )
    if tuple(w.shape) != tuple(dw.shape):
        raise ValueError(
            f"w and dw must have the same shape, got w {tuple(w.shape)} and dw {tuple(dw.shape)}"
        )


def _check_number(key: str, value: Any) -> None:
    if key == "t":
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
            raise ValueError(f"Invalid config['t']: {value!r} (expected an integer >= 0)")
        return
    low, high, high_inclusive, description = _RANGES[key]
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and low <= value and (value <= high if high_inclusive else value < high)
    if not ok:
        raise ValueError(f"Invalid config[{key!r}]: {value!r} (expected {description})")


def _zeros_state(w: Array, dw: Array) -> Array:
    """A fresh state array: zeros shaped like ``w``, in the dtype that arithmetic with
    ``w`` and ``dw`` gives (integers become floats)."""
    zeros = zeros_like(w)
    if is_tensor(w):
        dtype = torch.result_type(w, dw)
        if not (dtype.is_floating_point or dtype.is_complex):
            dtype = torch.get_default_dtype()
        return zeros.to(dtype=dtype)
    return zeros.astype(np.result_type(w, dw, 0.0))


def _read_config(
    rule: str, w: Array, dw: Array, config: Mapping[str, Any] | None,
    defaults: Mapping[str, Any], state_keys: tuple[str, ...],
) -> Config:
    """A new config: defaults filled in, every value checked, missing state arrays created."""
    _check_arrays(w, dw)
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ValueError(f"{rule}: config must be a dict or None, got {type(config).__name__}")
    known = (*defaults, *state_keys)
    unknown = sorted(set(config) - set(known), key=str)
    if unknown:
        raise ValueError(
            f"{rule}: unknown config key(s) {unknown}; known keys are {sorted(known)}"
        )
    merged = {**defaults, **config}
    for key in defaults:
        _check_number(key, merged[key])
    for key in state_keys:
        if key not in merged:
            merged[key] = _zeros_state(w, dw)
            continue
        value = merged[key]
        if not _is_array(value) or is_tensor(value) != is_tensor(w):
            raise ValueError(
                f"{rule}: config[{key!r}] must be a {type(w).__name__} like w, "
                f"got {type(value).__name__}"
            )
        if tuple(value.shape) != tuple(w.shape):
            raise ValueError(
                f"{rule}: config[{key!r}] has shape {tuple(value.shape)}, "
                f"expected {tuple(w.shape)} (the shape of w)"
            )
    return merged


def _with_state(config: Config, state: tuple) -> Config:
    return {**config, **{k: v for k, v in state._asdict().items() if v is not None}}


def sgd(w: Array, dw: Array, config: Mapping[str, Any] | None = None) -> tuple[Array, Config]:
    """Vanilla SGD, ``next_w = w - learning_rate * dw`` (:func:`~lecture7.optim.kernels.sgd_update`).

    config: ``learning_rate`` (default 1e-2).
    """
    config = _read_config("sgd", w, dw, config, {"learning_rate": 1e-2}, ())
    return w + sgd_update(dw, learning_rate=config["learning_rate"]), config


def _momentum(rule: str, w: Array, dw: Array, config: Mapping[str, Any] | None, kernel):
    defaults = {"learning_rate": 1e-2, "momentum": 0.9}
    config = _read_config(rule, w, dw, config, defaults, ("velocity",))
    step, state = kernel(
        dw,
        MomentumState(config["velocity"]),
        learning_rate=config["learning_rate"],
        momentum=config["momentum"],
    )
    return w + step, _with_state(config, state)


def sgd_momentum(
    w: Array, dw: Array, config: Mapping[str, Any] | None = None
) -> tuple[Array, Config]:
    """SGD with momentum in the CS231n velocity form: ``v = mu*v - lr*dw; w = w + v``.

    config: ``learning_rate`` (1e-2), ``momentum`` mu (0.9, in [0, 1)),
    ``velocity`` v (zeros). See :mod:`lecture7.optim.kernels` for how this form
    relates to PyTorch's ``b = mu*b + g; w -= lr*b``.
    """
    return _momentum("sgd_momentum", w, dw, config, momentum_update)


def nesterov_momentum(
    w: Array, dw: Array, config: Mapping[str, Any] | None = None
) -> tuple[Array, Config]:
    """Nesterov momentum, CS231n form: ``v_prev = v; v = mu*v - lr*dw; w = w - mu*v_prev + (1+mu)*v``.

    ``w`` is the look-ahead point and ``dw`` the gradient there (see
    :func:`~lecture7.optim.kernels.nesterov_update`). config as :func:`sgd_momentum`.
    """
    return _momentum("nesterov_momentum", w, dw, config, nesterov_update)


def adagrad(w: Array, dw: Array, config: Mapping[str, Any] | None = None) -> tuple[Array, Config]:
    """AdaGrad: ``cache += dw**2; w -= lr * dw / (sqrt(cache) + eps)``.

    config: ``learning_rate`` (1e-2), ``epsilon`` (1e-8), ``cache`` (zeros).
    See :func:`~lecture7.optim.adaptive.adagrad_update`.
    """
    defaults = {"learning_rate": 1e-2, "epsilon": 1e-8}
    config = _read_config("adagrad", w, dw, config, defaults, ("cache",))
    step, state = adagrad_update(
        dw,
        AdagradState(config["cache"]),
        learning_rate=config["learning_rate"],
        epsilon=config["epsilon"],
    )
    return w + step, _with_state(config, state)


def rmsprop(w: Array, dw: Array, config: Mapping[str, Any] | None = None) -> tuple[Array, Config]:
    """RMSProp: ``cache = decay*cache + (1-decay)*dw**2; w -= lr * dw / (sqrt(cache) + eps)``.

    config: ``learning_rate`` (1e-2), ``decay_rate`` (0.99, in [0, 1)),
    ``epsilon`` (1e-8), ``cache`` (zeros). See :func:`~lecture7.optim.adaptive.rmsprop_update`.
    """
    defaults = {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    config = _read_config("rmsprop", w, dw, config, defaults, ("cache",))
    step, state = rmsprop_update(
        dw,
        RMSpropState(config["cache"]),
        learning_rate=config["learning_rate"],
        decay_rate=config["decay_rate"],
        epsilon=config["epsilon"],
    )
    return w + step, _with_state(config, state)


def adam(w: Array, dw: Array, config: Mapping[str, Any] | None = None) -> tuple[Array, Config]:
    """Adam with bias correction; ``t`` is incremented before it is used.

    ``t += 1; m = b1*m + (1-b1)*dw; v = b2*v + (1-b2)*dw**2;``
    ``mhat = m/(1-b1**t); vhat = v/(1-b2**t); w -= lr * mhat / (sqrt(vhat) + eps)``.

    config: ``learning_rate`` (1e-3), ``beta1`` (0.9), ``beta2`` (0.999), both in
    [0, 1), ``epsilon`` (1e-8), ``m``, ``v`` (zeros), ``t`` (0). See
    :func:`~lecture7.optim.adaptive.adam_update`.
    """
    defaults = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 0}
    config = _read_config("adam", w, dw, config, defaults, ("m", "v"))
    step, state = adam_update(
        dw,
        AdamState(config["m"], config["v"], config["t"]),
        learning_rate=config["learning_rate"],
        beta1=config["beta1"],
        beta2=config["beta2"],
        epsilon=config["epsilon"],
    )
    return w + step, _with_state(config, state)


#: The rules by name, as CS231n's ``Solver`` looks them up (``update_rule="adam"``).
RULES = {
    "sgd": sgd,
    "sgd_momentum": sgd_momentum,
    "nesterov_momentum": nesterov_momentum,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}
